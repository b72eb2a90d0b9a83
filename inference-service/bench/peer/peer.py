#!/usr/bin/env python3
"""Peer benchmark client (`./llm bench --peer transformers.js`), run by gateway-service/bench/run.sh (BENCH_CLIENT)
once the services are up.

On the same model files and the same prompt ids (the chat template rendered by tokenizer-service), greedy, in
--rounds interleaved rounds; each round, back to back:
  1. memory bandwidth (bandwidth.c: streaming read of 1 GiB, best of 4 passes) with as many threads as ONNX Runtime
     gives the engine (its default: one per core);
  2. transformers.js (transformers.mjs): batch-1 TTFT and decode tokens/s, --concurrency requests one after
     another, and the same requests as one batch;
  3. inference-service directly: batch-1 (median of 3, streamed: TTFT and decode tokens/s after the first token),
     then --concurrency requests arriving staggered over a quarter of the time transformers.js took for its batch
     in this round (`stream: false`: the Python client's per-token parsing would cap a small, fast model).
Before the first round, --warmup seconds (at least 2 requests) of batch-1 requests warm up our side.
Per round: our batch-1 rate over transformers.js', our staggered aggregate over its one-by-one and over its batch,
and our batch-1 rate as a share of the bound (bytes one decode step reads — every weight once, one embedding row,
the KV cache at the mean context — over the round's bandwidth). Reported: a Markdown table of the rounds, the
median of each per-round ratio with min–max, and as the last line one JSON object.
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
import bench  # noqa: E402  (gateway-service/bench/bench.py: the streamed direct() request)

RATIOS = {  # name -> what it divides, as printed
    "batch1": "batch-1 decode tok/s, ours / transformers.js",
    "staggered_vs_sequential": "staggered aggregate tok/s, ours / transformers.js one by one",
    "staggered_vs_batched": "staggered aggregate tok/s, ours / transformers.js one batch",
    "bound_share": "batch-1 decode, ours / bandwidth bound",
}


def post_json(url, path, body):
    u = urllib.parse.urlparse(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=600)
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


def staggered(call, n, spread_s):
    """n requests, request i starting i/n of spread_s in: total tokens over first start to last end."""
    results, errors, lock = [], [], threading.Lock()

    def one(i):
        time.sleep(i * spread_s / n)
        t0 = time.perf_counter()
        try:
            tokens = call()
        except Exception as e:  # noqa: BLE001 (reported after the join)
            with lock:
                errors.append(e)
            return
        with lock:
            results.append((t0, time.perf_counter(), tokens))

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise RuntimeError(f"{len(errors)} of {n} staggered requests failed: {errors[0]}")
    tokens = sum(r[2] for r in results)
    wall = max(r[1] for r in results) - min(r[0] for r in results)
    return {"tokens": tokens, "spread_s": spread_s, "aggregate_tok_s": tokens / wall}


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
    element = 2 if cfg.get("torch_dtype") == "float16" else 4
    kv = cfg["num_hidden_layers"] * 2 * cfg["num_key_value_heads"] * head_dim * element * context
    return weights, kv


def spread(values):
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gateway", required=True)  # run.sh passes the four services; the peer needs two
    ap.add_argument("--inference", required=True)
    ap.add_argument("--tokenizer", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--model-dir", required=True)
    ap.add_argument("--prompt", default="Once upon a time, in a small village, there lived a")
    ap.add_argument("--max-tokens", type=int, default=64)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--bandwidth-bin", required=True)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--warmup", type=float, default=10.0, help="seconds of batch-1 requests before the rounds")
    ap.add_argument("--threads", type=int, default=0,
                    help="threads ONNX Runtime gives the engine (llm.inference.intra-op-threads; 0: one per core)")
    args = ap.parse_args()
    n = args.concurrency
    threads = args.threads or os.cpu_count()

    ids = post_json(args.tokenizer, "/v1/internal/tokenize",
                    {"model": args.model, "messages": [{"role": "user", "content": args.prompt}],
                     "add_generation_prompt": True})["ids"]
    context = len(ids) + args.max_tokens / 2
    weights, kv = bytes_per_token(args.model_dir, context)
    load_before = os.getloadavg()[0]

    def bandwidth():
        env = dict(os.environ, OMP_NUM_THREADS=str(threads))
        bw = json.loads(subprocess.run([args.bandwidth_bin, "4"], check=True, capture_output=True, text=True,
                                       env=env).stdout)
        return bw["gbs_all_threads"]

    def transformers_js():
        node = subprocess.run(["node", os.path.join(HERE, "transformers.mjs"), args.model_dir, json.dumps(ids),
                               str(args.max_tokens), str(n)], cwd=HERE, capture_output=True, text=True)
        if node.returncode != 0:
            raise SystemExit(f"transformers.js failed:\n{node.stderr[-3000:]}")
        return json.loads(node.stdout.strip().splitlines()[-1])

    def direct():
        return bench.direct(args, ids)

    def direct_whole():
        return len(post_json(args.inference, "/v1/internal/generate",
                             {"input_ids": ids, "max_new_tokens": args.max_tokens, "temperature": 0,
                              "stream": False})["output_ids"])

    warm_until = time.perf_counter() + args.warmup
    for i in range(1_000_000):  # at least 2 requests and --warmup seconds: the JIT compiles the decode path
        direct()
        if i >= 1 and time.perf_counter() > warm_until:
            break
    ours_ids = post_json(args.inference, "/v1/internal/generate",
                         {"input_ids": ids, "max_new_tokens": args.max_tokens, "temperature": 0,
                          "stream": False})["output_ids"]

    rounds, same_ids = [], None
    for i in range(args.rounds):
        gbs = bandwidth()
        peer = transformers_js()
        if same_ids is None:
            peer_ids = peer["batch1"]["ids"]
            same = 0
            while same < min(len(peer_ids), len(ours_ids)) and peer_ids[same] == ours_ids[same]:
                same += 1
            same_ids = f"{same}/{min(len(peer_ids), len(ours_ids))}"
        batch_s = peer["batched"]["tokens"] / peer["batched"]["aggregate_tok_s"]
        ours = {"batch1": batch1(direct), "staggered": staggered(direct_whole, n, batch_s / 4)}
        bound = gbs * 1e9 / (weights + kv)
        r = {"gbs": gbs, "bound_tok_s": bound,
             "transformers_js": {k: peer[k] for k in ("batch1", "sequential", "batched")}, "ours": ours}
        r["transformers_js"]["batch1"] = {k: v for k, v in peer["batch1"].items() if k != "ids"}
        r["ratios"] = {
            "batch1": ours["batch1"]["decode_tok_s"] / peer["batch1"]["decode_tok_s"],
            "staggered_vs_sequential": ours["staggered"]["aggregate_tok_s"] / peer["sequential"]["aggregate_tok_s"],
            "staggered_vs_batched": ours["staggered"]["aggregate_tok_s"] / peer["batched"]["aggregate_tok_s"],
            "bound_share": ours["batch1"]["decode_tok_s"] / bound,
        }
        rounds.append(r)
        print(f"round {i + 1}: " + json.dumps(r["ratios"]), flush=True)

    summary = {name: spread([r["ratios"][name] for r in rounds]) for name in RATIOS}
    tj_version = json.load(open(os.path.join(HERE, "node_modules", "@huggingface", "transformers",
                                             "package.json")))["version"]
    ort_version = json.load(open(os.path.join(HERE, "node_modules", "onnxruntime-node", "package.json")))["version"]

    print(f"\n{args.model}: {len(ids)} prompt tokens, {args.max_tokens} new, greedy, {n} concurrent, "
          f"{len(rounds)} interleaved rounds; transformers.js {tj_version} (onnxruntime-node {ort_version}); "
          f"greedy ids ours = transformers.js: {same_ids}; load average {load_before:.1f} → "
          f"{os.getloadavg()[0]:.1f}\n")
    print("| round | GB/s | bound tok/s | batch-1 tok/s, transformers.js / ours | one by one / one batch / "
          "ours staggered, tok/s | ours / transformers.js batch-1 | staggered / one by one | staggered / batch "
          "| ours / bound |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for i, r in enumerate(rounds, 1):
        tj, ours, q = r["transformers_js"], r["ours"], r["ratios"]
        print(f"| {i} | {r['gbs']:.1f} | {r['bound_tok_s']:.0f} | {tj['batch1']['decode_tok_s']:.1f} / "
              f"{ours['batch1']['decode_tok_s']:.1f} | {tj['sequential']['aggregate_tok_s']:.1f} / "
              f"{tj['batched']['aggregate_tok_s']:.1f} / {ours['staggered']['aggregate_tok_s']:.1f} "
              f"| {q['batch1']:.2f}× | {q['staggered_vs_sequential']:.2f}× | {q['staggered_vs_batched']:.2f}× "
              f"| {100 * q['bound_share']:.0f}% |")
    print()
    for name, label in RATIOS.items():
        s = summary[name]
        print(f"- {label}: **{s['median']:.2f}** ({s['min']:.2f}–{s['max']:.2f})")
    print(f"\nBound: {weights / 1e6:.2f} MB of weights + {kv / 1e6:.2f} MB of KV cache (context {context:.0f}) "
          f"per decode token, at the bandwidth of {threads} threads.\n")
    print(json.dumps({"peer": "transformers.js", "peer_version": tj_version, "onnxruntime_node": ort_version,
                      "model": args.model, "model_dir": args.model_dir, "prompt_tokens": len(ids),
                      "max_tokens": args.max_tokens, "concurrency": n, "threads": threads,
                      "same_greedy_ids": same_ids, "weight_bytes": weights, "kv_bytes": kv,
                      "ratios": summary, "rounds": rounds}))


if __name__ == "__main__":
    main()
