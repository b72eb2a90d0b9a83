#!/usr/bin/env python3
"""Peer benchmark client, run by gateway-service/bench/run.sh (BENCH_CLIENT) once the services are up.

In one run, on the same model files and the same prompt ids (the chat template rendered by tokenizer-service):
  1. memory bandwidth (bandwidth.c: streaming read of 1 GiB, best of several passes);
  2. transformers.js greedy (transformers.mjs): batch-1 TTFT and decode tokens/s, 16 requests one after another,
     16 at once as one batch;
  3. inference-service directly and through the gateway (the request functions of gateway-service/bench/bench.py):
     batch-1 (median of 3) and 16 requests arriving staggered over the first second;
  4. the bound: bytes read per batch-1 decode token (weights, one embedding row, KV at the mean context) over the
     measured bandwidth, and our batch-1 rate as a share of it;
  5. batch-1 again in --rounds interleaved rounds (bandwidth, transformers.js, ours, back to back in each round),
     reported as the median of the per-round ratios: on a shared machine the figures of steps 1-3, minutes apart,
     move with the neighbours' load; a round's three measurements share the same moment.
Prints a Markdown table and the raw figures as JSON.
"""
import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "gateway-service", "bench"))
import bench  # noqa: E402  (gateway-service/bench/bench.py: direct() and gateway() requests)


def post_json(url, path, body):
    u = urllib.parse.urlparse(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=300)
    conn.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
    resp = conn.getresponse()
    data = resp.read()
    if resp.status != 200:
        raise RuntimeError(f"{url}{path}: {resp.status} {data[:300]!r}")
    return json.loads(data)


def batch1(call):
    """Median TTFT (ms) and decode tokens/s after the first token over 3 requests."""
    runs = [call() for _ in range(3)]
    return {"ttft_ms": statistics.median(r[0] * 1000 for r in runs),
            "decode_tok_s": statistics.median((r[1] - 1) / r[2] for r in runs),
            "tokens": runs[0][1]}


def staggered(call, n):
    """n requests, request i starting i/n seconds in: total tokens over first start to last end."""
    results, lock = [], threading.Lock()

    def one(i):
        time.sleep(i / n)
        t0 = time.perf_counter()
        r = call()
        with lock:
            results.append((t0, time.perf_counter(), r[1]))

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    tokens = sum(r[2] for r in results)
    wall = max(r[1] for r in results) - min(r[0] for r in results)
    return {"tokens": tokens, "aggregate_tok_s": tokens / wall}


def bytes_per_token(model_dir, context):
    """Bytes a batch-1 decode step must read: every weight once (a Gather table: one row), plus the KV cache."""
    import onnx
    from onnx import numpy_helper

    model = onnx.load(os.path.join(model_dir, "onnx", "model.onnx"))
    tables = {n.input[0] for n in model.graph.node if n.op_type == "Gather"}
    weights = 0
    for init in model.graph.initializer:
        a = numpy_helper.to_array(init)
        weights += a.nbytes // a.shape[0] if init.name in tables and a.ndim == 2 else a.nbytes
    cfg = json.load(open(os.path.join(model_dir, "config.json")))
    head_dim = cfg.get("head_dim") or cfg["hidden_size"] // cfg["num_attention_heads"]
    kv = cfg["num_hidden_layers"] * 2 * cfg["num_key_value_heads"] * head_dim * 4 * context
    return weights, kv


def tokenizer_ids(model_dir):
    """How many ids the model's tokenizer.json knows (its vocabulary and added tokens)."""
    with open(os.path.join(model_dir, "tokenizer.json"), encoding="utf-8") as f:
        tok = json.load(f)
    ids = list(tok["model"]["vocab"].values()) if isinstance(tok["model"].get("vocab"), dict) else \
        list(range(len(tok["model"].get("vocab", []))))
    ids += [t["id"] for t in tok.get("added_tokens", [])]
    return max(ids) + 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gateway", required=True)
    ap.add_argument("--inference", required=True)
    ap.add_argument("--tokenizer", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--model-dir", required=True)
    ap.add_argument("--prompt", default="Once upon a time, in a small village, there lived a")
    ap.add_argument("--max-tokens", type=int, default=64)
    ap.add_argument("--concurrent", type=int, default=16)
    ap.add_argument("--bandwidth-bin", required=True)
    ap.add_argument("--rounds", type=int, default=int(os.environ.get("ROUNDS", "3")))
    args = ap.parse_args()
    n = args.concurrent

    ids = post_json(args.tokenizer, "/v1/internal/tokenize",
                    {"model": args.model, "messages": [{"role": "user", "content": args.prompt}],
                     "add_generation_prompt": True})["ids"]
    out = {"model": args.model, "prompt_tokens": len(ids), "max_tokens": args.max_tokens,
           "load_before": os.getloadavg()[0]}

    def bandwidth(passes):
        return json.loads(subprocess.run([args.bandwidth_bin, str(passes)], check=True, capture_output=True,
                                         text=True).stdout)

    def transformers_js(requests):
        node = subprocess.run(["node", os.path.join(HERE, "transformers.mjs"), args.model_dir, json.dumps(ids),
                               str(args.max_tokens), str(requests)], cwd=HERE, capture_output=True, text=True)
        if node.returncode != 0:
            raise SystemExit(f"transformers.js failed:\n{node.stderr[-3000:]}")
        return json.loads(node.stdout.strip().splitlines()[-1])

    out["bandwidth"] = bandwidth(8)
    out["transformers_js"] = transformers_js(n)
    print("transformers.js: " + json.dumps(out["transformers_js"]), flush=True)

    def direct():
        return bench.direct(args, ids)

    def gateway():
        return bench.gateway(args)

    try:
        gateway()
    except Exception as e:  # e.g. a random-weight model whose ids lie beyond its small tokenizer: no text
        print(f"gateway path unavailable: {type(e).__name__}: {e}", flush=True)
        gateway = None
    for _ in range(2):  # warm up both paths
        direct()
        if gateway:
            gateway()
    ours = post_json(args.inference, "/v1/internal/generate",
                     {"input_ids": ids, "max_new_tokens": args.max_tokens, "temperature": 0, "stream": False})
    known = tokenizer_ids(args.model_dir)
    if gateway and any(i >= known for i in ours["output_ids"]):
        # a random-weight model whose vocabulary is larger than its tokenizer's: its ids have no text, so the
        # gateway's first content (what its TTFT and rates count from) comes at the end, if at all
        print(f"gateway path not measured: the model generates ids beyond its tokenizer's {known}", flush=True)
        gateway = None
    peer_ids = out["transformers_js"]["batch1"]["ids"]
    same = 0
    while same < min(len(peer_ids), len(ours["output_ids"])) and peer_ids[same] == ours["output_ids"][same]:
        same += 1
    out["same_greedy_ids"] = f"{same}/{min(len(peer_ids), len(ours['output_ids']))}"
    def direct_whole():
        # stream: false, the same generation without one SSE event per token: the Python client's per-token
        # parsing (16 threads under the GIL) limits the streaming figure on small, fast models
        t0 = time.perf_counter()
        r = post_json(args.inference, "/v1/internal/generate",
                      {"input_ids": ids, "max_new_tokens": args.max_tokens, "temperature": 0, "stream": False})
        return None, len(r["output_ids"]), time.perf_counter() - t0

    out["direct"] = {"batch1": batch1(direct), "staggered": staggered(direct, n),
                     "staggered_whole": staggered(direct_whole, n)}
    nan = {"ttft_ms": float("nan"), "decode_tok_s": float("nan"), "aggregate_tok_s": float("nan")}
    out["gateway"] = ({"batch1": batch1(gateway), "staggered": staggered(gateway, n)} if gateway
                      else {"batch1": nan, "staggered": nan})
    context = len(ids) + args.max_tokens / 2
    weights, kv = bytes_per_token(args.model_dir, context)
    rounds = []
    for _ in range(args.rounds):
        bw = bandwidth(4)
        r = {"gbs": max(bw["gbs_1_thread"], bw["gbs_all_threads"]),
             "transformers_js": transformers_js(0)["batch1"]["decode_tok_s"],
             "direct": batch1(direct)["decode_tok_s"]}
        r["ratio"] = r["direct"] / r["transformers_js"]
        r["share"] = r["direct"] / (r["gbs"] * 1e9 / (weights + kv))
        rounds.append(r)
        print("round: " + json.dumps(r), flush=True)
    out["rounds"] = rounds
    out["load_after"] = os.getloadavg()[0]

    gbs = max(out["bandwidth"]["gbs_1_thread"], out["bandwidth"]["gbs_all_threads"])
    bound = gbs * 1e9 / (weights + kv)
    out["bound"] = {"weight_bytes": weights, "kv_bytes": kv, "context": context, "gbs": gbs, "tok_s": bound}

    tj, d, g = out["transformers_js"], out["direct"], out["gateway"]
    print(f"\n{args.model}: {len(ids)} prompt tokens, up to {args.max_tokens} new, greedy; "
          f"load average {out['load_before']:.1f} → {out['load_after']:.1f}; greedy ids ours = transformers.js: "
          f"{out['same_greedy_ids']}\n")
    print("| | transformers.js | inference-service direct | through the gateway | direct / transformers.js |")
    print("|---|---:|---:|---:|---:|")
    print(f"| batch-1 decode tok/s | {tj['batch1']['decode_tok_s']:.1f} | {d['batch1']['decode_tok_s']:.1f} "
          f"| {g['batch1']['decode_tok_s']:.1f} | {d['batch1']['decode_tok_s'] / tj['batch1']['decode_tok_s']:.2f}× |")
    print(f"| batch-1 TTFT ms | {tj['batch1']['ttft_ms']:.1f} | {d['batch1']['ttft_ms']:.1f} "
          f"| {g['batch1']['ttft_ms']:.1f} | |")
    print(f"| {n} requests, aggregate tok/s: transformers.js one after another vs ours staggered over 1 s "
          f"| {tj['sequential']['aggregate_tok_s']:.1f} | {d['staggered']['aggregate_tok_s']:.1f} "
          f"| {g['staggered']['aggregate_tok_s']:.1f} "
          f"| {d['staggered']['aggregate_tok_s'] / tj['sequential']['aggregate_tok_s']:.2f}× |")
    print(f"| {n} requests, aggregate tok/s: transformers.js one after another vs ours staggered, `stream: false` "
          f"| {tj['sequential']['aggregate_tok_s']:.1f} | {d['staggered_whole']['aggregate_tok_s']:.1f} | "
          f"| {d['staggered_whole']['aggregate_tok_s'] / tj['sequential']['aggregate_tok_s']:.2f}× |")
    print(f"| {n} requests, aggregate tok/s: transformers.js as one batch vs ours staggered "
          f"| {tj['batched']['aggregate_tok_s']:.1f} | {d['staggered']['aggregate_tok_s']:.1f} "
          f"| {g['staggered']['aggregate_tok_s']:.1f} "
          f"| {d['staggered']['aggregate_tok_s'] / tj['batched']['aggregate_tok_s']:.2f}× |")
    print(f"\nBound: {weights / 1e6:.2f} MB weights + {kv / 1e6:.2f} MB KV (context {context:.0f}) per token at "
          f"{gbs:.1f} GB/s (1 thread {out['bandwidth']['gbs_1_thread']:.1f}, "
          f"{out['bandwidth']['threads']} threads {out['bandwidth']['gbs_all_threads']:.1f}) = {bound:.0f} tok/s; "
          f"ours batch-1 direct = {100 * d['batch1']['decode_tok_s'] / bound:.0f}% of it.\n")
    if rounds:
        print(f"Batch-1 in {len(rounds)} interleaved rounds (bandwidth, transformers.js, ours back to back):\n")
        print("| round | bandwidth GB/s | bound tok/s | transformers.js tok/s | ours direct tok/s "
              "| ours / transformers.js | ours / bound |")
        print("|---:|---:|---:|---:|---:|---:|---:|")
        for i, r in enumerate(rounds, 1):
            print(f"| {i} | {r['gbs']:.1f} | {r['gbs'] * 1e9 / (weights + kv):.0f} | {r['transformers_js']:.1f} "
                  f"| {r['direct']:.1f} | {r['ratio']:.2f}× | {100 * r['share']:.0f}% |")
        print(f"| median | {statistics.median(r['gbs'] for r in rounds):.1f} | "
              f"| {statistics.median(r['transformers_js'] for r in rounds):.1f} "
              f"| {statistics.median(r['direct'] for r in rounds):.1f} "
              f"| **{statistics.median(r['ratio'] for r in rounds):.2f}×** "
              f"| **{100 * statistics.median(r['share'] for r in rounds):.0f}%** |\n")
    print("raw: " + json.dumps(out))


if __name__ == "__main__":
    main()
