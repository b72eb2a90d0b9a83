#!/usr/bin/env python3
"""N streamed generations at once through inference-service's HTTP API, as EngineBenchmark submits them to the bare
engine: random prompt ids (seeded by the round), greedy, exactly --new-tokens each (ignore_eos). Prints as its last
line the aggregate tokens/s (all tokens over first request sent to last stream ended) and, with --pid, the CPU
milliseconds the service's process (all its threads) used per token meanwhile, from /proc.
Run by bench/http-vs-engine.sh between the engine's rounds."""
import argparse
import http.client
import json
import os
import random
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "gateway-service", "bench"))
from steady import cpu_seconds  # noqa: E402  (a process's user + system CPU time from /proc)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--prompt-tokens", type=int, default=16)
    ap.add_argument("--new-tokens", type=int, default=256)
    ap.add_argument("--vocab", type=int, required=True)
    ap.add_argument("--pid", type=int, help="the service's process id: report its CPU time per token")
    args = ap.parse_args()
    rng = random.Random(int(os.environ.get("ROUND", "0")))
    prompts = [[rng.randrange(args.vocab) for _ in range(args.prompt_tokens)] for _ in range(args.concurrency)]
    u = urllib.parse.urlparse(args.url)
    counts, errors = [0] * args.concurrency, []
    ready = threading.Barrier(args.concurrency + 1)

    def one(i):
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=600)
        body = json.dumps({"input_ids": prompts[i], "max_new_tokens": args.new_tokens, "temperature": 0,
                           "ignore_eos": True, "stream": True})
        ready.wait()
        conn.request("POST", "/v1/internal/generate", body, {"Content-Type": "application/json"})
        resp = conn.getresponse()
        if resp.status != 200:
            errors.append(f"{resp.status} {resp.read()[:200]!r}")
            return
        while line := resp.readline():  # one SSE line per event; no JSON parsing on the hot path
            if b'"token_id"' in line:
                counts[i] += 1
        conn.close()

    threads = [threading.Thread(target=one, args=(i,)) for i in range(args.concurrency)]
    for t in threads:
        t.start()
    ready.wait()
    start, cpu_start = time.perf_counter(), args.pid and cpu_seconds(args.pid)
    for t in threads:
        t.join()
    wall, cpu = time.perf_counter() - start, args.pid and cpu_seconds(args.pid) - cpu_start
    if errors:
        raise SystemExit(f"{len(errors)} requests failed: {errors[0]}")
    tokens = sum(counts)
    if tokens != args.concurrency * args.new_tokens:
        raise SystemExit(f"expected {args.concurrency * args.new_tokens} tokens, got {tokens}")
    print(f"{tokens / wall:.2f}" + (f" {cpu * 1000 / tokens:.4f}" if args.pid else ""))


if __name__ == "__main__":
    main()
