#!/usr/bin/env python3
"""Steady-state TTFT at one client with keep-alive connections: a run.sh client (BENCH_CLIENT).

    BENCH_CLIENT="python3 -u gateway-service/bench/steady.py" gateway-service/bench/run.sh MODEL_DIR [--rounds N]

bench.py opens a connection per request and warms up 200 requests per path; OpenAI's client libraries keep
their connections alive, and the gateway's JIT is not done after 200 requests. Here one client sends, per round
and back to back on kept-alive connections: a chat-template tokenize straight to tokenizer-service, a streamed
generate straight to inference-service (time to its first token), a streamed chat completion through the gateway
(time to its first content chunk), a chat completion for an unknown model (404: parse, auth, the error) and
GET /v1/models. The first --rounds are warm-up; the table gives p50/p10 over the last --measure rounds, and the
gateway's added TTFT (its p50 minus direct's).

--gateway-cpu keeps only the direct generate and the gateway's streamed chat completion in each round, and reports
the gateway's CPU time (from /proc/$BENCH_GATEWAY_PID/stat, which run.sh exports) over the measured rounds: per
request and per streamed content chunk (the issue 22 definition of gateway CPU per streamed token).
"""
import argparse
import http.client
import json
import os
import statistics
import time
import urllib.parse


def main():
    ap = argparse.ArgumentParser()
    for name in ("--gateway", "--inference", "--tokenizer", "--key", "--model"):
        ap.add_argument(name, required=True)
    ap.add_argument("--prompt", default="Once upon a time, in a small village, there lived a")
    ap.add_argument("--max-tokens", type=int, default=8)
    ap.add_argument("--rounds", type=int, default=1500, help="warm-up rounds")
    ap.add_argument("--measure", type=int, default=400, help="measured rounds")
    ap.add_argument("--gateway-cpu", action="store_true",
                    help="rounds of a direct generate and a gateway chat completion only; report the gateway's CPU")
    args, _ = ap.parse_known_args()

    connections = {}

    def call(url, method, path, body=None, headers=None, first=None, each=None):
        """Milliseconds to the whole response, or to the first line matching `first` of a streamed one."""
        conn = connections.get(url)
        if conn is None:
            u = urllib.parse.urlparse(url)
            conn = connections[url] = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
        start = time.perf_counter()
        conn.request(method, path, None if body is None else json.dumps(body),
                     {"Content-Type": "application/json", **(headers or {})})
        resp = conn.getresponse()
        if first is None:
            resp.read()
            return (time.perf_counter() - start) * 1000
        elapsed = None
        for line in iter(resp.readline, b""):
            if each is not None:
                each(line)
            if elapsed is None and first(line):
                elapsed = (time.perf_counter() - start) * 1000
        if elapsed is None:
            raise SystemExit(f"{url}{path}: no first event in the response")
        return elapsed

    messages = [{"role": "user", "content": args.prompt}]
    tokenize = {"model": args.model, "messages": messages, "add_generation_prompt": True}
    auth = {"Authorization": "Bearer " + args.key}
    conn = http.client.HTTPConnection(urllib.parse.urlparse(args.tokenizer).hostname,
                                      urllib.parse.urlparse(args.tokenizer).port)
    conn.request("POST", "/v1/internal/tokenize", json.dumps(tokenize), {"Content-Type": "application/json"})
    ids = json.loads(conn.getresponse().read())["ids"]

    def content(line):
        if not line.startswith(b"data:") or line[5:].strip() == b"[DONE]":
            return False
        chunk = json.loads(line[5:])
        return any(c.get("delta", {}).get("content") for c in chunk.get("choices", []))

    chunks = [0]

    def count(line):
        if content(line):
            chunks[0] += 1

    kinds = {
        "tokenize with the chat template, to tokenizer-service":
            lambda: call(args.tokenizer, "POST", "/v1/internal/tokenize", tokenize),
        "generate, first token, to inference-service":
            lambda: call(args.inference, "POST", "/v1/internal/generate",
                         {"input_ids": ids, "max_new_tokens": args.max_tokens, "temperature": 0, "stream": True},
                         first=lambda line: line.startswith(b"data:") and b"token_id" in line),
        "chat completion, first content, through the gateway":
            lambda: call(args.gateway, "POST", "/v1/chat/completions",
                         {"model": args.model, "stream": True, "max_tokens": args.max_tokens, "temperature": 0,
                          "messages": messages}, auth, first=content, each=count),
        "chat completion for an unknown model (404)":
            lambda: call(args.gateway, "POST", "/v1/chat/completions",
                         {"model": "no-such-model", "max_tokens": 1, "messages": messages}, auth),
        "`GET /v1/models`": lambda: call(args.gateway, "GET", "/v1/models", headers=auth),
    }
    if args.gateway_cpu:
        kinds = {k: v for k, v in kinds.items() if "generate" in k or "first content" in k}
    times = {kind: [] for kind in kinds}
    load_before = os.getloadavg()[0]
    pid = os.environ.get("BENCH_GATEWAY_PID")
    cpu_before = None
    for i in range(args.rounds + args.measure):
        if i == args.rounds:
            chunks[0] = 0
            cpu_before = cpu_seconds(pid) if pid else None
        for kind, run in kinds.items():
            times[kind].append(run())
    cpu = cpu_seconds(pid) - cpu_before if cpu_before is not None else None
    p50 = {kind: statistics.median(t[-args.measure:]) for kind, t in times.items()}
    print(f"\n{args.model}: {len(ids)} prompt tokens, one client, keep-alive, {args.rounds} warm-up rounds, "
          f"{args.measure} measured; load average {load_before:.1f} -> {os.getloadavg()[0]:.1f}\n")
    print("| request | p50 ms | p10 ms |\n|---|---:|---:|")
    for kind, t in times.items():
        print(f"| {kind} | {p50[kind]:.2f} | {sorted(t[-args.measure:])[args.measure // 10]:.2f} |")
    gateway = p50["chat completion, first content, through the gateway"]
    direct = p50["generate, first token, to inference-service"]
    print(f"\nadded TTFT p50: {gateway - direct:.2f} ms")
    if cpu is not None:
        print(f"gateway CPU over the measured rounds: {cpu * 1000 / args.measure:.2f} ms per round, "
              f"{cpu * 1e6 / max(chunks[0], 1):.0f} µs per streamed content chunk ({chunks[0]} chunks)")
        print(json.dumps({"added_ttft_ms": round(gateway - direct, 3),
                          "gateway_cpu_ms_per_round": round(cpu * 1000 / args.measure, 3),
                          "gateway_cpu_us_per_chunk": round(cpu * 1e6 / max(chunks[0], 1), 1),
                          "chunks": chunks[0]}))


def cpu_seconds(pid):
    """CPU time (user + system) a process has used, from /proc/<pid>/stat."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


if __name__ == "__main__":
    main()
