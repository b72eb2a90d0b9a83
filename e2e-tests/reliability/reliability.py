#!/usr/bin/env python3
"""The reliability suite: load and soak, faults under load, a run at the rate limit, and every session checked
against its client's log. Starts the platform on loopback (its own Redis on a spare port), writes RELIABILITY.md
and exits 1 when a target is not met. `./llm reliability [--quick]` runs it; standard library only.
"""
import argparse
import collections
import datetime
import json
import os
import platform as host
import sys
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import clients  # noqa: E402
import faults  # noqa: E402
import hop  # noqa: E402
import ledger  # noqa: E402
import probes  # noqa: E402
import report  # noqa: E402
import services  # noqa: E402

MB = report.MB
TIMEOUTS = {"call": 3.0, "first-token": 15.0, "token": 6.0}  # the gateway's, in seconds
RSS_SLOPE_MB_MIN = 1.0
HEAP_SLOPE_MB_MIN = 1.0
RECOVERY_LIMIT_S = 60.0
MEMORY_JUDGED_FROM_MIN = 5.0  # the slopes are judged only over a window at least this long
MEMORY_WARMUP_S = 120  # and after a warm-up at least this long (a 5-minute quick run: RSS +2 to +7 MB/min)


def self_test():
    """The harness's own checks first: a suite whose checks cannot fail proves nothing."""
    suite = unittest.defaultTestLoader.discover(HERE, pattern="test_*.py")
    result = unittest.TextTestRunner(stream=sys.stderr, verbosity=0).run(suite)
    if not result.wasSuccessful():
        sys.exit("reliability: the harness's own tests failed")


def machine():
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024 ** 3
    load = open("/proc/loadavg").read().split()[:3]
    return f"{host.node()} ({os.cpu_count()} cores, {cpu}, {mem:.0f} GiB; load average {' '.join(load)} at start)"


def log(msg):
    print(f"reliability: {msg}", flush=True)


class Run:
    def __init__(self, args):
        self.args = args
        self.quick = args.quick
        self.n_clients = args.clients or (16 if self.quick else 64)
        self.window_s = args.minutes * 60 if args.minutes else (60 if self.quick else 600)
        self.warmup_s = 20 if self.quick else 120
        self.limited_s = 20 if self.quick else 60
        self.limited_rpm = 60
        self.work = os.path.join(args.repo, "e2e-tests", "target", "reliability")
        os.makedirs(self.work, exist_ok=True)
        self.hop = hop.DelayingProxy(target_port=None, name=faults.HOP)
        self.slow_model = os.path.basename(args.model.rstrip("/")) + "-slow-hop"
        self.platform = services.Platform(args.repo, self.work, args.model, args.java, heap_mb=args.heap_mb,
                                          limited_rpm=self.limited_rpm,
                                          timeouts={k + "-timeout": f"{v:g}s" for k, v in TIMEOUTS.items()},
                                          extra_models={self.slow_model: self.hop.url})
        self.hop.target_port = self.platform.inference.port
        self.slow_clients = []
        self.slow_probe = []
        self.histograms = {}
        self.targets = []
        self.notes = []

    def target(self, section, what, figure, target, ok):
        self.targets.append(report.Target(section, what, figure, target, ok))

    def gateway(self, key=None, model=None):
        p = self.platform
        return clients.Gateway(p.gateway_url, key or p.key, model or p.model)

    # -- phases --------------------------------------------------------------------------------------------------

    def execute(self):
        p = self.platform
        started = time.monotonic()
        log(f"starting Redis (port {p.redis.port}) and the services; logs in {self.work}")
        p.start()
        self.hop.start()
        log(f"platform ready in {time.monotonic() - started:.0f} s")
        sampler = probes.Sampler(p.processes, 10.0)
        sampler.start()
        halt = threading.Event()
        load = [clients.ChatClient(i, self.gateway(), self.args.max_tokens, halt, seed=i)
                for i in range(self.n_clients)]
        for c in load:
            c.create_session()
        probe = clients.ChatClient("probe", self.gateway(), 8, threading.Event(), seed=10_000, retry_limit=1)
        probe.create_session()
        log(f"{self.n_clients} clients, warm-up {self.warmup_s} s")
        load_start = time.monotonic()
        for c in load:
            c.start()
        time.sleep(self.warmup_s)
        window_start = time.monotonic()
        live_start = self.live_heaps()
        native_start = self.native()
        log(f"measuring for {self.window_s} s")
        time.sleep(self.window_s)
        window_end = time.monotonic()
        live_end = self.live_heaps()
        native_end = self.native()
        log("faults under load")
        done = self.faults(probe, halt)
        halt.set()
        for c in [*load, *self.slow_clients]:
            c.join(120)
        self.hop.stop()
        sampler.stop()
        log(f"rate-limit run: 8 clients for {self.limited_s} s at {self.limited_rpm} requests a minute")
        limited = clients.run_rate_limited(self.gateway(p.limited_key), 8, self.limited_s)
        log("checking every session against its client's log")
        check = ledger.SessionCheck()
        everyone = [*load, *self.slow_clients, probe, *self.slow_probe]
        for c in everyone:
            ledger.check_session(check, c.turns, ledger.stored_messages(self.gateway(), c.session))
        figures = {
            "load": self.load_figures(load, load_start, window_start, window_end),
            "memory": self.memory_figures(sampler, window_start, window_end, live_start, live_end),
            "native": None if None in (native_start, native_end) else {"start": native_start, "end": native_end},
            "faults": self.fault_figures(done, everyone),
            "rate_limit": self.rate_limit_figures(limited),
            "sessions": self.session_figures(check, everyone),
        }
        self.save_raw(everyone, sampler, done)
        return figures

    def live_heaps(self):
        """Live heap of each service, and its class histogram kept to name what grew."""
        live = {}
        for s in self.platform.services:
            live[s.name] = probes.live_heap_bytes(self.args.java_home, s.pid)
            self.histograms.setdefault(s.name, []).append(probes.class_histogram(self.args.java_home, s.pid))
        return live

    def growth(self, name, top=6):
        """The classes whose live bytes grew most in the window, as text for a note."""
        pair = self.histograms.get(name, [])
        if len(pair) < 2:
            return ""
        before, after = pair[0], pair[1]
        grown = sorted(((after.get(k, 0) - before.get(k, 0), k) for k in after), reverse=True)[:top]
        return ", ".join(f"{k} {d / 1024:+.0f} KiB" for d, k in grown if d > 0)

    def native(self):
        inference = self.platform.inference
        committed = probes.jvm_native_committed(self.args.java_home, inference.pid)
        return None if committed is None else probes.rss_bytes(inference.pid) - committed

    def faults(self, probe, halt):
        done = []
        for fault in faults.schedule(not self.quick, TIMEOUTS):
            log(f"fault: {fault.name} ({fault.why})")
            if fault.target == faults.HOP:
                target, check = self.hop, self.start_slow_clients(halt)
            else:
                target, check = self.platform.by_name(fault.target), probe
            faults.inject(fault, target, check.probe_once, RECOVERY_LIMIT_S)
            done.append(fault)
            time.sleep(5)  # the load settles before the next fault
        return done

    def start_slow_clients(self, halt):
        """Clients (a quarter of the load) and a probe on the model name behind the slow hop, started once."""
        if not self.slow_probe:
            gateway = self.gateway(model=self.slow_model)
            self.slow_clients = [clients.ChatClient(f"hop{i}", gateway, self.args.max_tokens, halt, seed=20_000 + i)
                                 for i in range(max(2, self.n_clients // 4))]
            probe = clients.ChatClient("hop-probe", gateway, 8, threading.Event(), seed=30_000, retry_limit=1)
            for c in [*self.slow_clients, probe]:
                c.create_session()
            for c in self.slow_clients:
                c.start()
            self.slow_probe = [probe]
            time.sleep(5)
        return self.slow_probe[0]

    # -- figures -------------------------------------------------------------------------------------------------

    def load_figures(self, load, load_start, window_start, window_end):
        attempts = [a for c in load for t in c.turns for a in t.attempts if a.t <= window_end]
        window = [a for a in attempts if a.t >= window_start]
        ok = [a for a in window if a.ok]
        labels = [a.label for a in attempts]
        ttft = [a.ttft for a in ok if a.ttft is not None]
        gaps = [g for a in ok for g in a.gaps]
        durations = [a.duration for a in ok]
        errors = [label for label in labels if label != "200" and not label.startswith("429")]
        self.target("load", "errors other than 429 (warm-up and measured)", report.counts(errors) if errors else "0",
                    "0", not errors)
        self.target("load", "acknowledged turns in the measured window", str(len(ok)), "> 0", len(ok) > 0)
        return {
            "attempts": len(attempts), "acked": len(ok), "tokens": sum(a.tokens for a in ok),
            "ttft_p50": report.pct(ttft, 50), "ttft_p99": report.pct(ttft, 99),
            "itl_p50": report.pct(gaps, 50), "itl_p99": report.pct(gaps, 99),
            "turn_p50": report.pct(durations, 50), "turn_p99": report.pct(durations, 99),
            "outcomes": report.counts(labels),
        }

    def memory_figures(self, sampler, start, end, live_start, live_end):
        out = []
        minutes = (end - start) / 60
        judged = minutes >= MEMORY_JUDGED_FROM_MIN and self.warmup_s >= MEMORY_WARMUP_S
        for process in self.platform.processes:
            series = sampler.series(process.name, start - 1, end + 1)
            if len(series) < 3:
                self.notes.append(f"{process.name}: under 3 memory samples in the window")
                continue
            rss_slope = report.slope_per_minute([(s[0], s[3] / MB) for s in series])
            heaps = [s[4] for s in series if s[4] is not None]
            m = {"name": process.name, "rss_start": series[0][3], "rss_end": series[-1][3], "rss_slope": rss_slope,
                 "fd_start": series[0][5], "fd_end": series[-1][5], "fd_max": max(s[5] for s in series),
                 "heap_min": min(heaps) if heaps else None, "heap_max": max(heaps) if heaps else None}
            ls, le = live_start.get(process.name), live_end.get(process.name)
            if ls is not None and le is not None:
                m.update(live_start=ls, live_end=le, live_slope=(le - ls) / MB / minutes)
            out.append(m)
            if m.get("live_slope", 0) >= HEAP_SLOPE_MB_MIN / 2 and self.growth(process.name):
                self.notes.append(f"{process.name}: live heap {m['live_slope']:+.2f} MB/min; grew most: "
                                  f"{self.growth(process.name)}")
            if not judged:
                continue
            self.target("memory", f"{process.name} RSS slope after warm-up", f"{rss_slope:+.2f} MB/min",
                        f"< {RSS_SLOPE_MB_MIN:g} MB/min", rss_slope < RSS_SLOPE_MB_MIN)
            if "live_slope" in m:
                self.target("memory", f"{process.name} live heap slope", f"{m['live_slope']:+.2f} MB/min",
                            f"< {HEAP_SLOPE_MB_MIN:g} MB/min", m["live_slope"] < HEAP_SLOPE_MB_MIN)

        if not judged:
            self.notes.append(
                f"Memory is recorded, not judged, in a window under {MEMORY_JUDGED_FROM_MIN:g} minutes or after a "
                f"warm-up under {MEMORY_WARMUP_S} s: in the first "
                f"minutes a JVM's RSS still grows by itself (JIT code cache, metaspace, Netty's pooled arenas, malloc "
                f"arenas), and a 1 MB difference in live heap is within what two full collections a minute apart "
                f"disagree by. The full run judges both.")
        return out

    def fault_figures(self, done, all_clients):
        attempts = [a for c in all_clients for t in c.turns for a in t.attempts]
        out = []
        for i, f in enumerate(done):
            end = f.recovered if f.recovered is not None else (done[i + 1].started if i + 1 < len(done) else 1e18)
            mine = [a for a in attempts if f.started <= a.t <= end + 1 and not a.ok]
            undocumented = [a.label for a in mine if not a.documented
                            and not (f.target == "gateway" and a.kind == "transport")]
            recovered = f.recovery_s is not None and f.recovery_s <= RECOVERY_LIMIT_S + (f.ready_s or 0)
            ok = recovered and not undocumented
            out.append({"name": f.name, "why": f.why, "failed": report.counts([a.label for a in mine]),
                        "undocumented": report.counts(undocumented) if undocumented else "",
                        "recovery_s": f.recovery_s, "ready_s": f.ready_s, "ok": ok})
            rec = "not recovered" if f.recovery_s is None else f"recovered in {f.recovery_s:.1f} s"
            self.target("faults", f.name, rec + (f", undocumented: {report.counts(undocumented)}" if undocumented
                                                 else ", every error documented"),
                        f"documented errors, recovered ≤ {RECOVERY_LIMIT_S:g} s after ready", ok)
        return out

    def rate_limit_figures(self, limited):
        labels = [o.label for o in limited]
        limited429 = [o for o in limited if o.status == 429]
        no_retry = sum(1 for o in limited429 if not o.retry_after)
        other = [o.label for o in limited if not o.ok and o.status != 429]
        self.target("rate limit", "429s seen", str(len(limited429)), "> 0 (the limit was reached)",
                    len(limited429) > 0)
        self.target("rate limit", "429s without Retry-After", str(no_retry), "0", no_retry == 0)
        self.target("rate limit", "failures other than 429", report.counts(other) if other else "0", "0",
                    not other)
        return {"attempts": len(limited), "outcomes": report.counts(labels), "no_retry_after": no_retry,
                "other": report.counts(other) if other else ""}

    def session_figures(self, check, all_clients):
        turns = [t for c in all_clients for t in c.turns]
        self.target("sessions", "acknowledged turns lost", str(len(check.lost)), "0", not check.lost)
        self.target("sessions", "turns stored twice", str(len(check.duplicated)), "0", not check.duplicated)
        self.target("sessions", "stored answers differing from the streamed one", str(len(check.wrong_answer)), "0",
                    not check.wrong_answer)
        self.target("sessions", "messages no client sent, or out of order",
                    str(len(check.unknown) + len(check.out_of_order)), "0", not (check.unknown or check.out_of_order))
        return {"sessions": len(all_clients), "turns": len(turns), "acknowledged": check.acknowledged,
                "open": sum(1 for t in turns if not t.acknowledged), "open_stored": check.open_stored,
                "lost": len(check.lost), "duplicated": len(check.duplicated), "wrong_answer": len(check.wrong_answer),
                "unknown": len(check.unknown), "out_of_order": len(check.out_of_order),
                "problems": check.problems()}

    def save_raw(self, everyone, sampler, done):
        raw = {
            "samples": sampler.samples,
            "faults": [vars(f) for f in done],
            "clients": [{"client": c.index, "session": c.session,
                         "turns": [{"key": t.key, "user": t.user, "answer": t.answer,
                                    "attempts": [{"t": a.t, "label": a.label, "ttft": a.ttft, "tokens": a.tokens}
                                                 for a in t.attempts]} for t in c.turns]}
                        for c in everyone],
        }
        with open(os.path.join(self.work, "raw.json"), "w") as f:
            json.dump(raw, f)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="16 clients, 1 minute, a subset of the faults (CI)")
    parser.add_argument("--clients", type=int, help="concurrent clients (default 64, quick 16)")
    parser.add_argument("--minutes", type=float, help="measured minutes after warm-up (default 10, quick 1)")
    parser.add_argument("--max-tokens", type=int, default=32)
    parser.add_argument("--heap-mb", type=int, default=256)
    parser.add_argument("--model", default=None, help="model folder (default models/chat-default)")
    parser.add_argument("--out", default=None, help="report path (default RELIABILITY.md at the repo root)")
    args = parser.parse_args()
    args.repo = os.path.abspath(os.path.join(HERE, "..", ".."))
    args.model = os.path.abspath(args.model or os.path.join(args.repo, "models", "chat-default"))
    args.out = args.out or os.path.join(args.repo, "RELIABILITY.md")
    args.java_home = os.environ.get("JAVA_HOME", "/usr/lib/jvm/temurin-25-jdk-amd64")
    args.java = os.path.join(args.java_home, "bin", "java")
    self_test()
    run = Run(args)
    date = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    where = machine()
    try:
        figures = run.execute()
    finally:
        run.platform.stop()
    figures.update(quick=run.quick, date=date, machine=where, model=run.platform.model, clients=run.n_clients,
                   max_tokens=args.max_tokens, warmup_s=run.warmup_s, window_s=run.window_s,
                   limited_clients=8, limited_s=run.limited_s, limited_rpm=run.limited_rpm, heap_mb=args.heap_mb,
                   timeouts=TIMEOUTS, raw=os.path.relpath(os.path.join(run.work, "raw.json"), args.repo),
                   targets=run.targets, notes=run.notes)
    report.write(args.out, figures)
    failed = [t for t in run.targets if not t.ok]
    for t in run.targets:
        log(f"{t.verdict:8} {t.section}: {t.what}: {t.figure} (target {t.target})")
    log(f"wrote {args.out}")
    if failed:
        log(f"{len(failed)} target(s) not met")
        sys.exit(1)


if __name__ == "__main__":
    main()
