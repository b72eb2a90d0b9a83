"""Faults injected while the load runs, one at a time, each scripted: a process frozen (SIGSTOP) for a while then
thawed, or killed (SIGKILL) and started again on its port after a while. Nothing else is restarted.

Time to recovery: from the moment the process is back (thawed, or its restart launched) to the first session turn a
probe client gets acknowledged. Every attempt a client ended while the fault was on, or before the platform
recovered, is the fault's: each must be an error the gateway documents (a status with its error JSON, or an SSE error
event with a code). A transport error (connection refused or cut, a read that timed out) is accepted only when the
faulted process is the gateway itself, which then cannot answer at all.
"""
import signal
import time

HOP = "inference-hop"  # the slow hop's target name


class Fault:
    def __init__(self, target, action, seconds, why, fsync=None, delay=None):
        self.target, self.action, self.seconds, self.why = target, action, seconds, why
        self.fsync = fsync  # Redis only: the appendfsync it restarts with
        self.delay = delay  # a slow hop only: seconds each chunk of an answer is held
        self.started = self.back = self.recovered = None
        self.ready_s = None  # kill: restart to ready
        self.note = ""

    @property
    def name(self):
        if self.action == "slow":
            return f"slow hop to inference, {self.delay:g} s a chunk, {self.seconds:g} s"
        verb = "SIGSTOP" if self.action == "stop" else "SIGKILL"
        return f"{verb} {self.target} {self.seconds:g} s"

    @property
    def recovery_s(self):
        return None if self.recovered is None else self.recovered - self.back


def schedule(full, timeouts):
    """The faults of a run. Timeouts are the gateway's (seconds): each freeze is shorter or longer than the one it
    tests. The quick run does session-service and inference-service only."""
    call, first_token, token = timeouts["call"], timeouts["first-token"], timeouts["token"]
    # the slow hop (a delaying proxy) is on its own model name: its own clients start with the first of them
    hop = [
        Fault(HOP, "slow", 15, f"slower, within token-timeout {token:g} s", delay=0.25),
        Fault(HOP, "slow", 15, f"each chunk longer than token-timeout {token:g} s", delay=token + 1),
    ]
    quick = [
        Fault("session", "stop", call + 2, f"longer than call-timeout {call:g} s"),
        Fault("session", "kill", 3, "killed, restarted after 3 s"),
        Fault("inference", "stop", token + 2, f"longer than token-timeout {token:g} s"),
        Fault("inference", "kill", 3, "killed mid-stream, restarted after 3 s"),
        *hop,
    ]
    if not full:
        return quick
    short = max(1.0, min(call, token) / 2)
    out = []
    for target in ("tokenizer", "inference", "session", "gateway", "redis"):
        out.append(Fault(target, "stop", short, "shorter than every timeout"))
        long = {"tokenizer": call + 2, "session": call + 2, "inference": first_token + 2,
                "gateway": 35.0, "redis": call + 2}[target]
        why = {"inference": f"longer than first-token-timeout {first_token:g} s",
               "gateway": "longer than the clients' 30 s read timeout"}.get(target, f"longer than call-timeout {call:g} s")
        out.append(Fault(target, "stop", long, why))
        if target == "redis":
            # it runs with appendfsync everysec until the first kill, then always
            out.append(Fault(target, "kill", 3, "killed under AOF everysec, back after 3 s", fsync="always"))
            out.append(Fault(target, "kill", 3, "killed under AOF always, back after 3 s", fsync="always"))
        else:
            out.append(Fault(target, "kill", 3, "killed, restarted after 3 s"))
    return out + hop


def inject(fault, process, probe, recover_limit_s=90.0):
    """Runs one fault on `process` and waits for the platform to recover (`probe()` true)."""
    fault.started = time.monotonic()
    if fault.action == "slow":
        process.delay_s = fault.delay
        time.sleep(fault.seconds)
        process.delay_s = 0.0
        fault.back = time.monotonic()
    elif fault.action == "stop":
        process.signal(signal.SIGSTOP)
        time.sleep(fault.seconds)
        process.signal(signal.SIGCONT)
        fault.back = time.monotonic()
    else:
        process.kill()
        time.sleep(fault.seconds)
        fault.back = time.monotonic()
        if fault.fsync:
            process.fsync = fault.fsync
        process.start()
        process.await_ready(240)
        fault.ready_s = time.monotonic() - fault.back
    deadline = fault.back + recover_limit_s + (fault.ready_s or 0)
    while time.monotonic() < deadline:
        if probe():
            fault.recovered = time.monotonic()
            return
        time.sleep(0.5)
