"""`./llm bench`: the serving benchmark, closed-loop, against the platform `./llm up` started or any
OpenAI-compatible server (method: docs/benchmarks/serving.md).

At each concurrency N, N clients each send one streamed request after the other for --duration seconds (the ones
in flight at the deadline finish); it prints requests/s, output tok/s, TTFT, TPOT, ITL and E2E p50/p90/p99 and errors
by status per level, writes the result as JSON and a PNG chart under .run/bench/ (or --out), and prints one JSON
object as the last line of standard output: the highest concurrency's figures at the top level and every level in
`levels`. Python 3 standard library only (matplotlib for the chart, skipped with a note when missing).
"""
import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import threading
import time
from pathlib import Path

import chart
import report
from client import Client, Endpoint
from workload import Conversations, Questions, SyntheticPrompts, as_completion_prompt, calibrate, new_rng, \
    random_text

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_URL = "http://127.0.0.1:8080"
DEFAULT_MAX_TOKENS = 64
PATHS = {"chat": "/v1/chat/completions", "completions": "/v1/completions"}


def parse_args(argv):
    p = argparse.ArgumentParser(prog="./llm bench", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--url", default=DEFAULT_URL, metavar="URL",
                   help=f"the server (default {DEFAULT_URL}, where ./llm up listens)")
    p.add_argument("--api-key", metavar="KEY",
                   help="API key (default: $LLM_API_KEY, else .run/api-key for a loopback URL)")
    p.add_argument("--model", metavar="NAME",
                   help="model name (default: the first of GET /v1/models, the server's default)")
    p.add_argument("--concurrency", default="1", type=concurrency_list, metavar="N[,N...]",
                   help="closed-loop clients, one level or a sweep: 1,4,16 (default 1)")
    p.add_argument("--duration", type=float, default=20.0, metavar="SECONDS",
                   help="seconds of load per level (default 20)")
    p.add_argument("--input-len", type=int, metavar="N",
                   help="prompt of about N tokens (random words, calibrated with usage.prompt_tokens); "
                        "default: short arithmetic questions")
    p.add_argument("--output-len", type=int, metavar="N",
                   help=f"max_tokens, with ignore_eos where the server accepts it (default: max_tokens "
                        f"{DEFAULT_MAX_TOKENS}, the model stops where it likes)")
    p.add_argument("--conversations", type=Path, metavar="FILE.jsonl",
                   help='JSONL, one {"messages":[...]} a line, replayed turn by turn')
    p.add_argument("--endpoint", choices=sorted(PATHS), default="chat",
                   help="chat (default) or completions (for base models; a turn's messages joined as the prompt)")
    p.add_argument("--warmup", type=float, default=3.0, metavar="SECONDS",
                   help="seconds of unrecorded load at the first level's concurrency first (default 3)")
    p.add_argument("--temperature", type=float, help="sent when given (default: the server's)")
    p.add_argument("--extra-body", type=json.loads, default={}, metavar="JSON",
                   help="JSON object merged into every request")
    p.add_argument("--seed", type=int, default=0, help="seed of the prompts' random draws (default 0)")
    p.add_argument("--timeout", type=float, default=120.0, help="socket timeout per request, s (default 120)")
    p.add_argument("--out", type=Path, default=ROOT / ".run" / "bench", metavar="DIR",
                   help="result folder (default .run/bench)")
    p.add_argument("--no-chart", action="store_true", help="write no PNG")
    args = p.parse_args(argv)
    if args.duration <= 0:
        p.error("--duration must be positive")
    if args.input_len is not None and args.conversations is not None:
        p.error("--input-len and --conversations exclude each other")
    for name in ("input_len", "output_len"):
        if getattr(args, name) is not None and getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1")
    return args


def concurrency_list(text):
    try:
        levels = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of numbers: {text}") from None
    if not levels or min(levels) < 1:
        raise argparse.ArgumentTypeError("each concurrency must be at least 1")
    return levels


def api_key(args):
    """--api-key, else $LLM_API_KEY, else the key ./llm up keeps in .run/api-key (only for a loopback server, so
    that the local key is never sent elsewhere)."""
    if args.api_key:
        return args.api_key
    if os.environ.get("LLM_API_KEY"):
        return os.environ["LLM_API_KEY"]
    key_file = ROOT / ".run" / "api-key"
    if Endpoint(args.url).host in ("127.0.0.1", "localhost", "::1") and key_file.is_file():
        return key_file.read_text().strip()
    return None


class Bench:
    """One benchmark run: the endpoint, what a request's body holds, and the workload."""

    def __init__(self, args, log):
        self.args = args
        self.log = log
        self.endpoint = Endpoint(args.url, api_key(args), args.timeout)
        self.path = PATHS[args.endpoint]
        self.model = args.model or self.default_model()
        self.max_tokens = args.output_len or DEFAULT_MAX_TOKENS
        self.extra = dict(args.extra_body)
        if args.temperature is not None:
            self.extra["temperature"] = args.temperature
        self.notes = []
        self.calibration = []
        self.ignore_eos = False

    def default_model(self):
        models = self.endpoint.get_json("/v1/models").get("data") or []
        if not models:
            raise SystemExit("llm bench: the server lists no model (GET /v1/models)")
        return models[0]["id"]

    def body(self, messages, max_tokens=None):
        b = {"model": self.model, "max_tokens": max_tokens or self.max_tokens}
        if self.args.endpoint == "chat":
            b["messages"] = messages
        else:
            b["prompt"] = as_completion_prompt(messages)
        if self.ignore_eos:
            b["ignore_eos"] = True
        b.update(self.extra)
        return b

    def probe(self):
        """One request before anything is measured: the server answers, and takes ignore_eos or not."""
        client = Client(self.endpoint)
        messages = [{"role": "user", "content": "Hello!"}]
        self.ignore_eos = self.args.output_len is not None and "ignore_eos" not in self.extra
        s = client.stream(self.path, self.body(messages, max_tokens=4))
        if self.ignore_eos and s.status == 400 and "ignore_eos" in s.error_body:
            self.ignore_eos = False
            self.notes.append(f"the server refuses ignore_eos: output lengths are the model's own, at most "
                              f"{self.max_tokens} (output_tokens_mean says how long they were)")
            s = client.stream(self.path, self.body(messages, max_tokens=4))
        client.close()
        if not s.ok:
            hint = ""
            if s.status == 401 and not self.endpoint.api_key:
                hint = " (no API key: --api-key, $LLM_API_KEY, or .run/api-key, which ./llm up writes)"
            raise SystemExit(f"llm bench: the first request failed ({s.error}){hint}: {s.error_body[:500]}")

    def workload(self):
        a = self.args
        if a.conversations is not None:
            if a.endpoint != "chat":
                raise SystemExit("llm bench: --conversations needs the chat endpoint")
            return Conversations(a.conversations)
        if a.input_len is None:
            return Questions()
        client, rng = Client(self.endpoint), new_rng(a.seed, "calibration")

        def prompt_tokens_of(words):
            s = client.stream(self.path, self.body([{"role": "user", "content": random_text(rng, words)}], 1))
            if not s.ok or s.prompt_tokens is None:
                raise SystemExit(f"llm bench: calibrating --input-len failed ({s.error or 'no usage'}): "
                                 f"{s.error_body[:500]}")
            return s.prompt_tokens

        words, measured = calibrate(prompt_tokens_of, a.input_len)
        client.close()
        self.calibration = [{"words": w, "prompt_tokens": t} for w, t in measured]
        self.log(f"llm bench: --input-len {a.input_len}: {words} random words a prompt "
                 f"(measured {', '.join(f'{w} words -> {t} tokens' for w, t in measured)})")
        return SyntheticPrompts(words, a.input_len)

    def run_level(self, concurrency, duration, workload, label):
        """N clients, closed loop, until `duration` has passed; returns every request's Sample."""
        samples = [[] for _ in range(concurrency)]
        failures = []
        start = threading.Barrier(concurrency + 1)
        deadline = [0.0]

        def client_loop(i):
            try:
                start.wait()
                client, rng = Client(self.endpoint), new_rng(self.args.seed, f"{label}/{i}")
                conversation, answer = None, None
                while time.perf_counter() < deadline[0]:
                    if conversation is None:
                        conversation = workload.conversation(rng)
                        messages = next(conversation)
                    else:
                        try:
                            messages = conversation.send(answer)
                        except StopIteration:
                            conversation = None
                            continue
                    s = client.stream(self.path, self.body(messages))
                    samples[i].append(s)
                    answer = s.text if s.ok else None
                    if s.status == 0:
                        time.sleep(0.1)  # no server: do not spin
                client.close()
            except Exception as e:  # noqa: BLE001 - a bug in a client thread must stop the run, not vanish
                failures.append(e)

        threads = [threading.Thread(target=client_loop, args=(i,), daemon=True) for i in range(concurrency)]
        for t in threads:
            t.start()
        cpu = time.process_time()
        deadline[0] = time.perf_counter() + duration
        start.wait()
        for t in threads:
            t.join()
        if failures:
            raise failures[0]
        return [s for per_client in samples for s in per_client], time.process_time() - cpu


def loadavg():
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def git_commit():
    try:
        out = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True, timeout=5)
        return out.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)

    def log(message):
        print(message, file=sys.stderr, flush=True)

    bench = Bench(args, log)
    bench.probe()
    workload = bench.workload()
    levels_wanted = args.concurrency
    log(f"llm bench: {bench.model} at {args.url} ({args.endpoint}), {workload.description}, max_tokens "
        f"{bench.max_tokens}{' + ignore_eos' if bench.ignore_eos else ''}; concurrency "
        f"{','.join(map(str, levels_wanted))}, {args.duration:g} s each")
    for note in bench.notes:
        log(f"llm bench: NOTE {note}")
    started = datetime.datetime.now(datetime.timezone.utc)
    load_start = loadavg()
    if args.warmup > 0:
        log(f"llm bench: warm-up, {args.warmup:g} s at concurrency {levels_wanted[0]} (not recorded)")
        bench.run_level(levels_wanted[0], args.warmup, workload, "warmup")

    levels, samples_by_level = [], []
    for c in levels_wanted:
        log(f"llm bench: concurrency {c}, {args.duration:g} s")
        samples, cpu = bench.run_level(c, args.duration, workload, f"level{c}")
        figures = report.level_figures(c, samples, cpu)
        levels.append(figures)
        samples_by_level.append(samples)
        print(report.level_table(figures), flush=True)
        print(flush=True)
        if figures.get("client_cpu_percent", 0) > 80:
            bench.notes.append(f"at concurrency {c} the client used {figures['client_cpu_percent']}% of a core: "
                               f"its own latency may be in the figures")

    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    args.out.mkdir(parents=True, exist_ok=True)
    result_path = args.out / f"bench-{stamp}.json"
    result = {
        "date": started.isoformat(timespec="seconds"),
        "command": ["./llm", "bench", *(sys.argv[1:] if argv is None else argv)],
        "url": args.url, "model": bench.model, "endpoint": args.endpoint, "workload": workload.description,
        "input_len": args.input_len, "output_len": args.output_len, "max_tokens": bench.max_tokens,
        "ignore_eos": bench.ignore_eos, "duration_s": args.duration, "warmup_s": args.warmup,
        "calibration": bench.calibration, "notes": bench.notes,
        "machine": {"host": platform.node(), "cpus": os.cpu_count(), "loadavg_start": load_start,
                    "loadavg_end": loadavg()},
        "commit": git_commit(),
        "levels": levels,
    }
    result_path.write_text(json.dumps(result, indent=2) + "\n")
    chart_path = None
    if not args.no_chart:
        title = f"{bench.model} @ {args.url}: {workload.description}, max_tokens {bench.max_tokens}, " \
                f"{started.strftime('%Y-%m-%d %H:%M UTC')}"
        chart_path, why = chart.write(args.out / f"bench-{stamp}.png", levels, samples_by_level, title)
        if why:
            print(f"llm bench: {why}", flush=True)
    if len(levels) > 1:
        print(report.sweep_table(levels))
    for note in bench.notes:
        print(f"NOTE: {note}")
    print(f"result: {result_path}" + (f"   chart: {chart_path}" if chart_path else ""))
    extra = {"model": bench.model, "date": result["date"], "result": str(result_path),
             "chart": str(chart_path) if chart_path else None}
    print(json.dumps(report.summary_line(levels, extra)), flush=True)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("llm bench: interrupted, nothing written", file=sys.stderr)
        sys.exit(130)
