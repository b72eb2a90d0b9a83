#!/usr/bin/env python3
"""Gateway overhead benchmark: TTFT and streaming tokens/s through the gateway vs. inference-service directly.

Both paths generate from the same prompt ids (the chat template rendered by tokenizer-service), greedy, with the
same max_tokens. For each concurrency level, N clients each run R streamed requests one after the other,
alternating direct and gateway so both see the same load. Prints a Markdown table.
Standard library only (runs with any python3).
"""
import argparse
import http.client
import json
import statistics
import threading
import time
import urllib.parse


def post_stream(url, body, headers):
    u = urllib.parse.urlparse(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
    conn.request("POST", u.path, json.dumps(body), {"Content-Type": "application/json", **headers})
    resp = conn.getresponse()
    if resp.status != 200:
        raise RuntimeError(f"{url}: {resp.status} {resp.read()[:300]!r}")
    return conn, resp


def events(resp):
    while True:
        line = resp.readline()
        if not line:
            return
        line = line.decode().strip()
        if line.startswith("data:"):
            yield line[5:].strip()


def direct(args, ids):
    start = time.perf_counter()
    conn, resp = post_stream(args.inference + "/v1/internal/generate",
                             {"input_ids": ids, "max_new_tokens": args.max_tokens, "temperature": 0,
                              "stream": True}, {})
    first, tokens = None, 0
    for data in events(resp):
        event = json.loads(data)
        if "token_id" in event:
            tokens += 1
            if first is None:
                first = time.perf_counter()
    end = time.perf_counter()
    conn.close()
    return first - start, tokens, end - first, end - start


def gateway(args):
    start = time.perf_counter()
    conn, resp = post_stream(args.gateway + "/v1/chat/completions",
                             {"model": args.model, "stream": True, "max_tokens": args.max_tokens,
                              "temperature": 0, "stream_options": {"include_usage": True},
                              "messages": [{"role": "user", "content": args.prompt}]},
                             {"Authorization": "Bearer " + args.key})
    first, tokens = None, 0
    for data in events(resp):
        if data == "[DONE]":
            break
        chunk = json.loads(data)
        if chunk.get("usage"):
            tokens = chunk["usage"]["completion_tokens"]
        for choice in chunk.get("choices", []):
            if choice.get("delta", {}).get("content") and first is None:
                first = time.perf_counter()
    end = time.perf_counter()
    conn.close()
    return first - start, tokens, end - first, end - start


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def level(args, ids, clients):
    results = {"direct": [], "gateway": []}
    lock = threading.Lock()
    walls = {"direct": 0.0, "gateway": 0.0}

    def client():
        for i in range(args.requests):
            for name in (("direct", "gateway") if i % 2 == 0 else ("gateway", "direct")):
                r = direct(args, ids) if name == "direct" else gateway(args)
                with lock:
                    results[name].append(r)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    rows = {}
    for name, rs in results.items():
        ttft = [r[0] * 1000 for r in rs]
        # per-stream decode rate after the first token, averaged over requests
        rates = [(r[1] - 1) / r[2] for r in rs if r[1] > 1 and r[2] > 0]
        rows[name] = {"p50": pct(ttft, 50), "p99": pct(ttft, 99), "rate": statistics.mean(rates),
                      "e2e": statistics.mean(r[1] / r[3] for r in rs)}
    return rows, wall


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gateway", default="http://127.0.0.1:8080")
    ap.add_argument("--inference", default="http://127.0.0.1:8082")
    ap.add_argument("--tokenizer", default="http://127.0.0.1:8081")
    ap.add_argument("--key", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--prompt", default="Once upon a time, in a small village, there lived a")
    ap.add_argument("--max-tokens", type=int, default=64)
    ap.add_argument("--requests", type=int, default=10, help="requests per client and path")
    ap.add_argument("--concurrency", default="1,16")
    ap.add_argument("--warmup", type=int, default=200, help="sequential warm-up requests per path")
    args = ap.parse_args()

    u = urllib.parse.urlparse(args.tokenizer)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    conn.request("POST", "/v1/internal/tokenize",
                 json.dumps({"model": args.model, "messages": [{"role": "user", "content": args.prompt}],
                             "add_generation_prompt": True}), {"Content-Type": "application/json"})
    ids = json.loads(conn.getresponse().read())["ids"]
    for _ in range(args.warmup):  # warm up both paths (the JIT compiles the gateway's request path)
        direct(args, ids)
        gateway(args)

    print(f"model {args.model}, prompt {len(ids)} tokens, max_tokens {args.max_tokens}, "
          f"{args.requests} requests per client and path after {args.warmup} warm-up requests per path\n")
    print("| clients | TTFT direct p50/p99 (ms) | TTFT gateway p50/p99 (ms) | added TTFT p50/p99 (ms) "
          "| tokens/s after first, direct / gateway | tokens/s whole request, direct / gateway | gateway/direct (whole) |")
    print("|---|---|---|---|---|---|---|")
    for clients in [int(c) for c in args.concurrency.split(",")]:
        rows, _ = level(args, ids, clients)
        d, g = rows["direct"], rows["gateway"]
        print(f"| {clients} | {d['p50']:.1f} / {d['p99']:.1f} | {g['p50']:.1f} / {g['p99']:.1f} "
              f"| {g['p50'] - d['p50']:.1f} / {g['p99'] - d['p99']:.1f} | {d['rate']:.0f} / {g['rate']:.0f} "
              f"| {d['e2e']:.0f} / {g['e2e']:.0f} | {100 * g['e2e'] / d['e2e']:.0f}% |")


if __name__ == "__main__":
    main()
