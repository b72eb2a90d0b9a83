#!/usr/bin/env python3
"""Routing benchmark (issue 21): the same multi-turn load through the gateway over three inference replicas, once per
routing policy, and over one replica as the reference.

For each policy it starts tokenizer-, session-service, N inference replicas and the gateway from the packaged jars
(ports 18181-18189), runs C conversations of T turns (each turn a streamed chat completion in the conversation's
session, so the prompt grows with the history), then reads every replica's prefix-cache counters and request count
from /actuator/prometheus. Rounds are interleaved (policy A, B, C, ... then again) so the machine's load falls on all
alike. With --kill, one replica is SIGKILLed halfway through the kv-aware rounds (and one SIGTERMed in a second run):
only its in-flight requests may fail.

  python3 gateway-service/bench/routing.py --model-dir ../shared/models/stories260K [--rounds 2] [--kill]

Policies: the gateway's (kv-aware, session-affinity, least-loaded, round-robin), "single" (kv-aware over one
replica) and three kv-aware variants: "kv-aware-routed" (no KV-cache events: only where the gateway sent each prompt,
the design before the replicas published their blocks), "kv-aware-events" (events only: routed-ttl 0, the default
before 2026-12-03) and "kv-aware-guess" (events, and a routed prompt counts for 30 s before the replica's own event
says so; "kv-aware" itself counts it for the default 2 s).

Standard library only. Prints a Markdown table of: prefix-cache hit rate (hit tokens / looked-up tokens, all
replicas), TTFT p50/p99 of turns >= 3, requests per replica (max / mean), failed requests.
"""
import argparse
import hashlib
import http.client
import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
JAVA = os.path.join(os.environ.get("JAVA_HOME", "/usr/lib/jvm/temurin-25-jdk-amd64"), "bin", "java")
KEY = "sk-routing-bench"
# label -> (gateway policy, extra gateway arguments)
VARIANTS = {
    "kv-aware-routed": ("kv-aware", ["--llm.gateway.routing.kv-events=false"]),
    "kv-aware-events": ("kv-aware", ["--llm.gateway.routing.routed-ttl=0s"]),
    "kv-aware-guess": ("kv-aware", ["--llm.gateway.routing.routed-ttl=30s"]),
}
TOPICS = ["a cat", "the sea", "a red ball", "a tall tree", "the moon", "a small dog", "rain", "a big ship"]


def jar(module):
    """The packaged jar, or its copy under $BENCH_JARS (jars that no build rewrites during the run)."""
    folder = os.environ.get("BENCH_JARS") or os.path.join(ROOT, module, "target")
    return os.path.join(folder, f"{module}-0.1.0-SNAPSHOT.jar")


class Stack:
    """The services of one round, started on loopback and stopped with stop()."""

    def __init__(self, model_dir, replicas, policy, logs, gateway_args=()):
        self.procs, self.replicas = [], []
        model = os.path.basename(model_dir.rstrip("/"))
        self.model = model
        base = ["--enable-native-access=ALL-UNNAMED", "-Dai.djl.offline=true", "-XX:TieredStopAtLevel=1"]

        def start(name, module, *args):
            log = open(os.path.join(logs, f"{name}.log"), "w")
            p = subprocess.Popen([JAVA, *base, "-jar", jar(module), *args], stdout=log, stderr=subprocess.STDOUT)
            self.procs.append(p)
            return p

        start("tokenizer", "tokenizer-service", "--server.port=18181", f"--llm.tokenizer.default-model={model}",
              f"--llm.tokenizer.models.{model}.dir={model_dir}")
        start("session", "session-service", "--server.port=18183", "--llm.session.key-prefix=routing-bench:")
        for i in range(replicas):
            port = 18185 + i
            self.replicas.append((port, start(f"inference-{i}", "inference-service", f"--server.port={port}",
                                              f"--llm.model.dir={model_dir}", "--llm.inference.intra-op-threads=1")))
        urls = [f"--llm.gateway.models.{model}.replicas[{i}]=http://127.0.0.1:{18185 + i}" for i in range(replicas)]
        sha = hashlib.sha256(KEY.encode()).hexdigest()
        start("gateway", "gateway-service", "--server.port=18184", "--management.server.port=19184",
              "--llm.gateway.tokenizer-url=http://127.0.0.1:18181", "--llm.gateway.session-url=http://127.0.0.1:18183",
              *urls, f"--llm.gateway.routing.policy={policy}", f"--llm.gateway.api-keys[0].sha256={sha}",
              "--llm.gateway.api-keys[0].tenant=bench", "--llm.gateway.api-keys[0].requests-per-minute=1000000",
              "--llm.gateway.api-keys[0].tokens-per-minute=1000000000", *gateway_args)
        try:
            for port in [18181, 18183, 19184] + [p for p, _ in self.replicas]:
                wait_up(port)
        except BaseException:
            self.stop()
            raise

    def stop(self):
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
        for p in self.procs:
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                p.kill()


def wait_up(port, limit=600):
    deadline = time.time() + limit
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/actuator/health", timeout=2) as r:
                if b"UP" in r.read():
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"port {port} did not come up")


def metrics(port):
    """Prefix-cache queried / hit tokens and finished requests of one replica (zeros when it is gone)."""
    out = {"queries": 0.0, "hits": 0.0, "requests": 0.0}
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/actuator/prometheus", timeout=5) as r:
            text = r.read().decode()
    except OSError:
        return out
    for line in text.splitlines():
        if line.startswith("llm_prefix_cache_queries_total"):
            out["queries"] = float(line.split()[-1])
        elif line.startswith("llm_prefix_cache_hits_total"):
            out["hits"] = float(line.split()[-1])
        elif line.startswith("llm_e2e_request_latency_seconds_count"):
            out["requests"] = float(line.split()[-1])
    return out


def gateway_call(method, path, body=None, timeout=120):
    conn = http.client.HTTPConnection("127.0.0.1", 18184, timeout=timeout)
    headers = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"}
    conn.request(method, path, json.dumps(body) if body is not None else None, headers)
    return conn, conn.getresponse()


def turn(model, session, text, max_tokens):
    """One streamed chat turn: (ttft seconds, content) or raises with the status."""
    start = time.perf_counter()
    conn, resp = gateway_call("POST", "/v1/chat/completions",
                              {"model": model, "session_id": session, "stream": True, "max_tokens": max_tokens,
                               "temperature": 0, "messages": [{"role": "user", "content": text}]})
    if resp.status != 200:
        raise RuntimeError(f"{resp.status} {resp.read()[:200]!r}")
    first, content = None, []
    while True:
        line = resp.readline()
        if not line:
            break
        line = line.decode().strip()
        if not line.startswith("data:") or line == "data: [DONE]" or line == "data:[DONE]":
            continue
        event = json.loads(line[5:])
        if "error" in event:
            raise RuntimeError(f"stream error {event['error']}")
        for choice in event.get("choices", []):
            piece = (choice.get("delta") or {}).get("content")
            if piece:
                if first is None:
                    first = time.perf_counter() - start
                content.append(piece)
    conn.close()
    return first if first is not None else time.perf_counter() - start, "".join(content)


def create_session(model):
    """A session through the gateway; retried while the services are still warming up."""
    for attempt in range(10):
        conn, resp = gateway_call("POST", "/v1/sessions", {"model": model})
        body = json.loads(resp.read())
        conn.close()
        if resp.status in (200, 201):
            return body["id"]
        time.sleep(1 + attempt)
    raise RuntimeError(f"cannot create a session: {body}")


def run_round(args, label, policy, replicas, fault=None, gateway_args=()):
    logs = os.path.join(ROOT, "gateway-service", "target", "routing-bench", label.split(",")[0])
    os.makedirs(logs, exist_ok=True)
    stack = Stack(args.model_dir, replicas, policy, logs, gateway_args)
    ttfts, failures, done = [], [], [0]
    lock = threading.Lock()
    total = args.conversations * args.turns
    try:
        sessions = [create_session(stack.model) for _ in range(args.conversations)]
        warm = create_session(stack.model)
        for attempt in range(5):  # the first requests' one-off costs (class loading, JIT), not measured
            try:
                turn(stack.model, warm, "Hello.", 4)
                break
            except RuntimeError:
                time.sleep(2)
        queue = list(range(args.conversations))

        def worker():
            while True:
                with lock:
                    if not queue:
                        return
                    c = queue.pop()
                for t in range(args.turns):
                    text = f"Tell me about {TOPICS[(c + t) % len(TOPICS)]}, part {t + 1} of story {c}."
                    try:
                        ttft, _ = turn(stack.model, sessions[c], text, args.max_tokens)
                        with lock:
                            if t >= 2:
                                ttfts.append(ttft)
                    except Exception as e:  # a failed turn is counted, the conversation goes on
                        with lock:
                            failures.append((c, t, str(e)[:120]))
                    with lock:
                        done[0] += 1
                        if fault and done[0] == total // 2:
                            port, proc = stack.replicas[0]
                            proc.send_signal(fault)

        threads = [threading.Thread(target=worker) for _ in range(args.clients)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        per = [metrics(port) for port, _ in stack.replicas]
    finally:
        stack.stop()
    queries = sum(m["queries"] for m in per)
    hits = sum(m["hits"] for m in per)
    requests = [m["requests"] for m in per]
    q = sorted(ttfts)
    return {"policy": policy, "replicas": replicas, "hit_rate": hits / queries if queries else 0.0,
            "ttft_p50": statistics.median(q) * 1000 if q else float("nan"),
            "ttft_p99": q[min(len(q) - 1, int(0.99 * len(q)))] * 1000 if q else float("nan"),
            "requests": requests, "failures": failures, "fault": fault}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model-dir", default=os.path.join(ROOT, "..", "shared", "models", "stories260K"))
    parser.add_argument("--conversations", type=int, default=48)
    parser.add_argument("--turns", type=int, default=10)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--max-tokens", type=int, default=24)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--policies", default="single,kv-aware,session-affinity,least-loaded,round-robin")
    parser.add_argument("--kill", action="store_true", help="also kv-aware with one replica SIGKILLed, then SIGTERMed")
    args = parser.parse_args()
    args.model_dir = os.path.abspath(args.model_dir)
    results = []
    for r in range(args.rounds):
        policies = args.policies.split(",")
        if r % 2 == 1:
            policies.reverse()  # A, B, C, C, B, A: each policy as often early as late
        for policy in policies:
            gateway_policy, extra = VARIANTS.get(policy, ("kv-aware" if policy == "single" else policy, []))
            started = time.strftime("%H:%M", time.gmtime())
            res = run_round(args, policy, gateway_policy, 1 if policy == "single" else 3, gateway_args=extra)
            res["started"] = started
            res["load average"] = round(os.getloadavg()[0], 1)
            res["policy"] = policy
            results.append(res)
            print(json.dumps({k: v for k, v in res.items() if k != "failures"} | {"failed": len(res["failures"])}),
                  flush=True)
    if args.kill:
        for fault in (signal.SIGKILL, signal.SIGTERM):
            res = run_round(args, f"kv-aware-{fault.name}", "kv-aware", 3, fault)
            res["policy"] = f"kv-aware, {fault.name} of a replica halfway"
            results.append(res)
            print(json.dumps({k: v for k, v in res.items() if k not in ("failures", "fault")}
                             | {"failed": len(res["failures"]), "first failures": res["failures"][:3]}), flush=True)
    print()
    print("| policy | replicas | prefix-cache hit rate | TTFT p50 / p99, turns >= 3 (ms) | requests per replica | "
          "max / mean | failed |")
    print("|---|---|---|---|---|---|---|")
    for res in results:
        reqs = res["requests"]
        mean = sum(reqs) / len(reqs) if reqs else 0
        print(f"| {res['policy']} | {res['replicas']} | {res['hit_rate']:.1%} | {res['ttft_p50']:.1f} / "
              f"{res['ttft_p99']:.1f} | {', '.join(str(int(x)) for x in reqs)} | "
              f"{(max(reqs) / mean if mean else 0):.2f} | {len(res['failures'])} |")


if __name__ == "__main__":
    sys.exit(main())
