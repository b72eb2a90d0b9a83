#!/usr/bin/env python3
"""The gateway's CPU per request and per streamed token, apart: a run.sh client (BENCH_CLIENT).

    BENCH_CLIENT="python3 -u gateway-service/bench/cost.py" gateway-service/bench/run.sh MODEL_DIR \
        [--clients 1,16] [--long 128] [--rounds 6]

Each round sends, at each concurrency level, a batch of short streamed chat completions (max_tokens 1) and a
batch of long ones (max_tokens --long, ignore_eos), every client on its own kept-alive connection, and reads the
gateway's CPU time (all threads, /proc/$BENCH_GATEWAY_PID/task/*/schedstat, nanoseconds) around each batch.
The gateway's idle CPU rate (timers, probes: read over --idle seconds before the rounds) times the batch's wall
time is taken off both. The JIT compiler threads are left out (warm-up, which ends; the table before the figures
shows how much they still used). Then, per round:

    per request = short batch CPU / requests
    per token   = (long batch CPU / requests - per request) / (long tokens - short tokens), tokens counted from
                  the usage the gateway reports (include_usage)

so the per-token figure is the slope: what one more streamed token costs, with the per-request work (parse, auth,
rate limit, tokenize call, session, routing, first chunk) out of it. Reports the median and min-max over rounds;
the last line is one JSON object.
"""
import argparse
import http.client
import json
import os
import re
import statistics
import threading
import time
import urllib.parse


def main():
    ap = argparse.ArgumentParser()
    for name in ("--gateway", "--key", "--model"):
        ap.add_argument(name, required=True)
    ap.add_argument("--prompt", default="Once upon a time, in a small village, there lived a")
    ap.add_argument("--clients", default="1,16", help="concurrency levels, comma-separated")
    ap.add_argument("--long", type=int, default=128, help="max_tokens of the long requests")
    ap.add_argument("--requests", type=int, default=32, help="requests per batch (split over the clients)")
    ap.add_argument("--warmup", type=int, default=600, help="warm-up requests (short and long, alternately)")
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--idle", type=float, default=3.0, help="seconds of idle CPU reading")
    args, _ = ap.parse_known_args()
    pid = os.environ["BENCH_GATEWAY_PID"]
    url = urllib.parse.urlparse(args.gateway)
    local = threading.local()

    def chat(max_tokens):
        """Streams one chat completion; returns its completion_tokens."""
        conn = getattr(local, "conn", None)
        if conn is None:
            conn = local.conn = http.client.HTTPConnection(url.hostname, url.port, timeout=120)
        body = {"model": args.model, "stream": True, "max_tokens": max_tokens, "temperature": 0,
                "ignore_eos": True, "stream_options": {"include_usage": True},
                "messages": [{"role": "user", "content": args.prompt}]}
        conn.request("POST", "/v1/chat/completions", json.dumps(body),
                     {"Content-Type": "application/json", "Authorization": "Bearer " + args.key})
        resp = conn.getresponse()
        if resp.status != 200:
            raise SystemExit(f"HTTP {resp.status}: {resp.read()[:300]!r}")
        tokens = None
        for line in iter(resp.readline, b""):
            if line.startswith(b"data:") and b'"usage":{' in line:
                tokens = json.loads(line[5:])["usage"]["completion_tokens"]
        if tokens is None:
            raise SystemExit("no usage chunk in the stream")
        return tokens

    def batch(clients, max_tokens, requests):
        """Runs `requests` chat completions over `clients` threads; (gateway CPU s, wall s, tokens)."""
        per_client = [requests // clients + (1 if i < requests % clients else 0) for i in range(clients)]
        tokens = [0] * clients
        errors = []

        def work(i):
            try:
                for _ in range(per_client[i]):
                    tokens[i] += chat(max_tokens)
            except BaseException as e:  # noqa: BLE001 - reported below
                errors.append(e)

        threads = [threading.Thread(target=work, args=(i,)) for i in range(clients)]
        cpu0, wall0 = cpu_ns(pid), time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        cpu1, wall1 = cpu_ns(pid), time.perf_counter()
        if errors:
            raise errors[0]
        return (cpu1 - cpu0) / 1e9, wall1 - wall0, sum(tokens)

    levels = [int(c) for c in args.clients.split(",")]
    for i in range(args.warmup // 32):
        for c in levels:
            batch(c, 1 if i % 2 == 0 else args.long, 32)
    cpu0 = cpu_ns(pid)
    time.sleep(args.idle)
    idle = (cpu_ns(pid) - cpu0) / 1e9 / args.idle  # CPU seconds per second
    load = os.getloadavg()[0]
    groups0 = cpu_by_group(pid)
    with open(f"/proc/{pid}/stat") as f:
        stat0 = f.read().rsplit(")", 1)[1].split()
    results = {}
    for c in levels:
        results[c] = {"request_ms": [], "token_us": [], "short_tokens": 0, "long_tokens": 0}
    for r in range(args.rounds):
        for c in levels:
            s_cpu, s_wall, s_tokens = batch(c, 1, args.requests)
            l_cpu, l_wall, l_tokens = batch(c, args.long, args.requests)
            s_cpu -= idle * s_wall
            l_cpu -= idle * l_wall
            per_request = s_cpu / args.requests
            per_token = (l_cpu / args.requests - per_request) / ((l_tokens - s_tokens) / args.requests)
            results[c]["request_ms"].append(per_request * 1e3)
            results[c]["token_us"].append(per_token * 1e6)
            results[c]["short_tokens"], results[c]["long_tokens"] = s_tokens, l_tokens
    groups1 = cpu_by_group(pid)
    with open(f"/proc/{pid}/stat") as f:
        stat1 = f.read().rsplit(")", 1)[1].split()
    user, system = int(stat1[11]) - int(stat0[11]), int(stat1[12]) - int(stat0[12])
    split = {k: round((groups1.get(k, 0) - groups0.get(k, 0)) / 1e9, 2) for k in groups1}
    print(f"\ngateway CPU over the rounds by thread kind (s): {split}; user/system: {user}/{system} ticks")
    print(f"\n{args.model}: {args.rounds} rounds of {args.requests} short (max_tokens 1) and {args.requests} long "
          f"(max_tokens {args.long}) streamed chat completions per level; gateway idle CPU {idle * 1e3:.2f} ms/s; "
          f"load average {load:.1f} -> {os.getloadavg()[0]:.1f}\n")
    print("| clients | gateway CPU per request (ms), median (min-max) | per streamed token (µs), median (min-max) |")
    print("|---:|---:|---:|")
    summary = {"idle_cpu_ms_per_s": round(idle * 1e3, 3)}
    for c, res in results.items():
        req, tok = res["request_ms"], res["token_us"]
        print(f"| {c} | {statistics.median(req):.3f} ({min(req):.3f}-{max(req):.3f}) "
              f"| {statistics.median(tok):.1f} ({min(tok):.1f}-{max(tok):.1f}) |")
        summary[str(c)] = {"cpu_ms_per_request": [round(x, 4) for x in req],
                           "cpu_us_per_token": [round(x, 2) for x in tok]}
    print(json.dumps(summary))


def cpu_ns(pid):
    """CPU time a process's live threads have used, in nanoseconds (schedstat's first field), without its JIT
    compiler threads: their work is warm-up, which ends (it is reported apart, by thread kind)."""
    return sum(ns for kind, ns in cpu_by_group(pid).items() if kind != "jit")


def cpu_by_group(pid):
    """CPU nanoseconds of a JVM's live threads by kind: JIT compiler, GC, event loops, Redis client, other."""
    groups = {}
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/comm") as f:
                name = f.read().strip()
            with open(f"/proc/{pid}/task/{task}/schedstat") as f:
                ns = int(f.read().split()[0])
        except (FileNotFoundError, ProcessLookupError):
            continue  # a thread that ended between the listing and the read
        kind = ("jit" if "CompilerThre" in name else "gc" if re.match(r"(GC|G1|VM Thread)", name)
                else "http" if name.startswith("reactor-http") else "redis" if name.startswith("lettuce")
                else "other")
        groups[kind] = groups.get(kind, 0) + ns
    return groups


if __name__ == "__main__":
    main()
