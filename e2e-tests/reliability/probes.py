"""What a process uses, read from outside it without disturbing it: RSS and open file descriptors from /proc, the
Java heap from the JVM's hsperfdata file (the counters jstat reads; no attach, no extra JVM), and, on demand, the
JVM's own native memory through `jcmd VM.native_memory` (so that ONNX Runtime's share of RSS is what is left)."""
import os
import re
import struct
import subprocess
import tempfile
import threading
import time

PERF_MAGIC = 0xCAFEC0C0


def rss_bytes(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise ValueError(f"no VmRSS for {pid}")


def open_fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def perf_counters(data):
    """The long counters of an hsperfdata file (HotSpot's PerfDataPrologue + PerfDataEntry layout), by name."""
    if struct.unpack_from(">I", data, 0)[0] != PERF_MAGIC:
        raise ValueError("not an hsperfdata file")
    order = "<" if data[4] == 1 else ">"
    entry_offset, entries = struct.unpack_from(order + "ii", data, 24)
    counters = {}
    at = entry_offset
    for _ in range(entries):
        length, name_offset, vector_length, kind, _flags, _units, _var, data_offset = struct.unpack_from(
            order + "iiibbbbi", data, at)
        if length <= 0:
            break
        name_end = data.index(b"\0", at + name_offset)
        if kind == ord("J") and vector_length == 0:
            name = data[at + name_offset:name_end].decode("ascii", "replace")
            counters[name] = struct.unpack_from(order + "q", data, at + data_offset)[0]
        at += length
    return counters


def heap_used_bytes(counters):
    """Used bytes of every space of every generation (eden, survivors, old): what jstat's S0U+S1U+EU+OU add up."""
    return sum(v for k, v in counters.items() if re.fullmatch(r"sun\.gc\.generation\.\d+\.space\.\d+\.used", k))


def read_perf(pid):
    user = os.environ.get("USER") or subprocess.run(["id", "-un"], capture_output=True, text=True).stdout.strip()
    for folder in {tempfile.gettempdir(), "/tmp"}:
        path = os.path.join(folder, f"hsperfdata_{user}", str(pid))
        if os.path.exists(path):
            with open(path, "rb") as f:
                return perf_counters(f.read())
    return None


def jvm_native_committed(java_home, pid):
    """The JVM's own committed memory per NMT (needs -XX:NativeMemoryTracking), in bytes, or None."""
    try:
        out = subprocess.run([os.path.join(java_home, "bin", "jcmd"), str(pid), "VM.native_memory", "summary"],
                             capture_output=True, text=True, timeout=60).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    m = re.search(r"Total: reserved=(\d+)(KB|MB)?, committed=(\d+)(KB|MB)?", out)
    if not m:
        return None
    scale = {"KB": 1024, "MB": 1024 * 1024, None: 1}[m.group(4)]
    return int(m.group(3)) * scale


def class_histogram(java_home, pid):
    """{class: bytes} of the live objects (`jcmd GC.class_histogram`, itself after a full collection), or {}."""
    try:
        out = subprocess.run([os.path.join(java_home, "bin", "jcmd"), str(pid), "GC.class_histogram"],
                             capture_output=True, text=True, timeout=120).stdout
    except (OSError, subprocess.TimeoutExpired):
        return {}
    histogram = {}
    for line in out.splitlines():
        m = re.match(r"\s*\d+:\s+\d+\s+(\d+)\s+(\S+)", line)
        if m:
            histogram[m.group(2)] = histogram.get(m.group(2), 0) + int(m.group(1))
    return histogram


def live_heap_bytes(java_home, pid):
    """Heap used right after a full collection (`jcmd GC.run`): what is still referenced, without the sawtooth of
    garbage waiting for the next collection. None when the JVM cannot be reached."""
    try:
        subprocess.run([os.path.join(java_home, "bin", "jcmd"), str(pid), "GC.run"], capture_output=True,
                       timeout=60, check=True)
    except (OSError, subprocess.TimeoutExpired, subprocess.CalledProcessError):
        return None
    counters = read_perf(pid)
    return heap_used_bytes(counters) if counters else None


class Sampler(threading.Thread):
    """Every `period_s`, for each process: RSS, heap used (JVMs) and open fds. A process that is down or frozen at
    that moment is skipped for that sample (a frozen one still answers /proc, so it is sampled)."""

    def __init__(self, processes, period_s=10.0):
        super().__init__(daemon=True, name="sampler")
        self.processes = processes
        self.period_s = period_s
        self.samples = []  # (t monotonic, name, pid, rss, heap or None, fds)
        self.halt = threading.Event()

    def sample_once(self):
        now = time.monotonic()
        for p in self.processes:
            if not p.alive():
                continue
            try:
                counters = read_perf(p.pid) if p.name != "redis" else None
                heap = heap_used_bytes(counters) if counters else None
                self.samples.append((now, p.name, p.pid, rss_bytes(p.pid), heap, open_fds(p.pid)))
            except (OSError, ValueError, struct.error):
                pass  # exited between alive() and the read

    def run(self):
        while not self.halt.is_set():
            self.sample_once()
            self.halt.wait(self.period_s)

    def stop(self):
        self.halt.set()
        self.join(5)

    def series(self, name, start, end):
        return [s for s in self.samples if s[1] == name and start <= s[0] <= end]
