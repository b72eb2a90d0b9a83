"""Exact-match of the default model through the running platform, beside the PyTorch figures.

    /usr/bin/python3 -m llmtools.platform_eval                      # starts the services from their jars
    /usr/bin/python3 -m llmtools.platform_eval --gateway http://localhost:8080 --api-key "$(cat ../.run/api-key)"

Each held-out test conversation (``models/chat-default/eval/test-conversations.jsonl``) gets its own session
(``POST /v1/sessions``); every user turn is one ``POST /v1/chat/completions`` carrying only that turn (the
first one also the system message, if any) and the ``session_id`` (greedy: temperature 0), so the history -
the user's turns and the model's own earlier answers - is kept by session-service, not resent. The answer is
right when it equals the reference exactly. A conversation that offers tools sends them with every request;
the gateway renders them with the model's template, returns a call as ``message.tool_calls`` (compared as the
model writes it, ``tooluse.call_text``), and the reference tool result goes back as the next turn, a ``tool``
message answering the call's id.

``--template-only`` starts tokenizer-service alone and checks that its chat template renders every test
conversation (tools, calls and tool results included) to the same prompt and ids as ``tooluse.render``.

Without ``--gateway`` the script starts tokenizer-, inference-, session-service (Redis store, 127.0.0.1:6379)
and the gateway from their packaged jars (``<module>/target/<module>-0.1.0-SNAPSHOT.jar``; build them with
``./mvnw -B -DskipTests package``) on free ports with ``--model-dir``, and stops them at the end.

Writes ``<model-dir>/eval/platform-scores.json`` (per skill, as ``scores.json``, plus the agreement with the
PyTorch answers in ``eval/pytorch-transcripts.jsonl``) and ``.cache/platform-eval/transcripts.jsonl``.
"""

import argparse
import hashlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

from . import chatdata, tooluse
from .config import HERE, log
from .encoder import FastEncoder, load_tokenizer
from .export import write_json
from .scoring import Tally, score_answer

REPO = os.path.normpath(os.path.join(HERE, ".."))
OUT = os.path.join(HERE, ".cache", "platform-eval")
MAX_TOKENS = 64
JAVA_CANDIDATES = [os.environ.get("JAVA_HOME", ""), "/usr/lib/jvm/temurin-25-jdk-amd64",
                   "/usr/lib/jvm/java-25-openjdk-amd64"]


def call(method, url, key, body=None, timeout=120):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers={
        "Content-Type": "application/json", "Authorization": f"Bearer {key}"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as e:
        raise RuntimeError(f"{method} {url} answered {e.code}: {e.read().decode(errors='replace')}") from None


class Services:
    """The four services from their jars on free ports (tokenizer, inference, session, gateway), or only the
    ones named in ``only``."""

    def __init__(self, model_dir, logs, only=("tokenizer", "inference", "session", "gateway")):
        self.model = os.path.basename(os.path.normpath(model_dir))
        self.key = "sk-platform-eval-" + hashlib.sha256(str(time.time()).encode()).hexdigest()[:16]
        java = next((os.path.join(j, "bin", "java") for j in JAVA_CANDIDATES
                     if j and os.path.exists(os.path.join(j, "bin", "java"))), None)
        if java is None:
            raise SystemExit("no JDK 25 found: set JAVA_HOME")
        ports = {name: free_port() for name in only}
        url = {name: f"http://127.0.0.1:{p}" for name, p in ports.items()}
        url.setdefault("inference", "")
        url.setdefault("session", "")
        # the gateway's actuator is on its own management port, not the public one
        management = free_port()
        self.health = dict(url, gateway=f"http://127.0.0.1:{management}")
        args = {
            "tokenizer": [f"--llm.tokenizer.default-model={self.model}",
                          f"--llm.tokenizer.models.{self.model}.dir={model_dir}"],
            "inference": [f"--llm.model.dir={model_dir}"],
            "session": ["--llm.session.store=redis"],
            "gateway": [f"--llm.gateway.tokenizer-url={url['tokenizer']}",
                        f"--llm.gateway.session-url={url['session']}",
                        f"--llm.gateway.default-model={self.model}",
                        f"--llm.gateway.models.{self.model}.inference-url={url['inference']}",
                        f"--llm.gateway.models.{self.model}.tokenizer-model={self.model}",
                        "--llm.gateway.api-keys[0].sha256=" + hashlib.sha256(self.key.encode()).hexdigest(),
                        "--llm.gateway.api-keys[0].tenant=platform-eval",
                        "--llm.gateway.api-keys[0].requests-per-minute=1000000",
                        "--llm.gateway.api-keys[0].tokens-per-minute=1000000000",
                        f"--management.server.port={management}"],
        }
        os.makedirs(logs, exist_ok=True)
        self.procs, self.url = {}, url
        for name in ports:
            module = f"{name}-service" if name != "gateway" else "gateway-service"
            jar = os.path.join(REPO, module, "target", f"{module}-0.1.0-SNAPSHOT.jar")
            if not os.path.exists(jar):
                self.stop()
                raise SystemExit(f"{jar} is missing: ./mvnw -B -DskipTests package")
            with open(os.path.join(logs, f"{name}.log"), "w") as out:
                self.procs[name] = subprocess.Popen(
                    [java, "--enable-native-access=ALL-UNNAMED", "-Xmx512m", "-Dai.djl.offline=true", "-jar", jar,
                     f"--server.port={ports[name]}"] + args[name], stdout=out, stderr=subprocess.STDOUT)
        for name in ports:
            self.await_ready(name, logs)
        self.gateway = url.get("gateway")

    def await_ready(self, name, logs, limit=240):
        deadline = time.time() + limit
        while time.time() < deadline:
            if self.procs[name].poll() is not None:
                self.stop()
                raise SystemExit(f"{name} exited; see {logs}/{name}.log")
            try:
                with urllib.request.urlopen(self.health[name] + "/actuator/health", timeout=2) as r:
                    if b"UP" in r.read():
                        return
            except OSError:
                pass
            time.sleep(0.5)
        self.stop()
        raise SystemExit(f"{name} not ready after {limit} s; see {logs}/{name}.log")

    def stop(self):
        for p in self.procs.values():
            p.terminate()
        for p in self.procs.values():
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_conversation(gateway, key, model, conv):
    """One session, one request per user turn or tool result (with the conversation's tools, if any);
    returns the platform's answers in order, a call written as the model writes it (tooluse.call_text)."""
    _, session = call("POST", f"{gateway}/v1/sessions", key, {"model": model})
    answers, call_id = [], None
    messages = conv["messages"]
    pending = [{"role": "system", "content": m["content"]} for m in messages[:1] if m["role"] == "system"]
    try:
        for m in messages:
            if m["role"] == "user":
                pending.append({"role": "user", "content": m["content"]})
            elif m["role"] == "tool":
                pending.append({"role": "tool", "tool_call_id": call_id or "none", "content": m["content"]})
            if m["role"] not in ("user", "tool"):
                continue
            body = {"model": model, "temperature": 0, "max_tokens": MAX_TOKENS, "session_id": session["id"],
                    "messages": pending}
            if conv.get("tools"):
                body["tools"] = conv["tools"]
            pending = []
            try:
                _, out = call("POST", f"{gateway}/v1/chat/completions", key, body)
            except RuntimeError as e:  # a history its own long answers pushed past the context: no answer
                if "context_length_exceeded" not in str(e):
                    raise
                answers.append("")
                continue
            message = out["choices"][0]["message"]
            text = message.get("content") or ""
            for c in message.get("tool_calls") or []:
                call_id = c["id"]
                text += ("\n" if text else "") + tooluse.call_text(c["function"]["name"],
                                                                    json.loads(c["function"]["arguments"]))
            answers.append(text)
    finally:
        call("DELETE", f"{gateway}/v1/sessions/{session['id']}", key)
    return answers


def template_check(tokenizer_url, conversations, expected_ids, expected_texts):
    """Renders and encodes every conversation (tools and calls included) with tokenizer-service
    (``POST /v1/internal/tokenize``) and returns the ones whose prompt or ids differ from Python's. Calls go
    as OpenAI sends them, arguments a JSON string, in every other conversation, as objects in the rest."""
    differ = []
    for i, (conv, ids, text) in enumerate(zip(conversations, expected_ids, expected_texts)):
        messages = []
        for m in conv["messages"]:
            out = {"role": m["role"], "content": m["content"]}
            if m.get("tool_calls"):
                calls = [dict(c, function=dict(c["function"], arguments=json.dumps(
                    c["function"]["arguments"], ensure_ascii=False))) for c in m["tool_calls"]] if i % 2 else m["tool_calls"]
                out = {"role": "assistant", "content": None, "tool_calls": calls}
            messages.append(out)
        body = {"messages": messages, "add_generation_prompt": False}
        if conv.get("tools"):
            body["tools"] = conv["tools"]
        _, got = call("POST", f"{tokenizer_url}/v1/internal/tokenize", "", body)
        if got["prompt"] != text or got["ids"] != ids:
            differ.append({"conversation": i, "prompt_equal": got["prompt"] == text, "ids_equal": got["ids"] == ids})
    return differ


def check_template(tokenizer_url, model_dir, conversations):
    """template_check on every test conversation against this folder's tokenizer in Python; logs the result."""
    enc = FastEncoder(load_tokenizer(os.path.join(model_dir, "tokenizer.json")))
    ids = [enc.conversation(c)[0] for c in conversations]
    texts = [chatdata.render(c) for c in conversations]
    differ = template_check(tokenizer_url, conversations, ids, texts)
    with_tools = sum(1 for c in conversations if c.get("tools"))
    log(f"chat template: tokenizer-service's prompt and ids equal Python's for "
        f"{len(conversations) - len(differ)}/{len(conversations)} conversations ({with_tools} with tools)"
        + (f"; first differences: {differ[:5]}" if differ else ""))
    return differ


def score(conversations, answers):
    tally = Tally()
    for conv, got in zip(conversations, answers):
        expected = [m for m in conv["messages"] if m["role"] == "assistant"]
        for m, answer in zip(expected, got):
            score_answer(tally, m, answer, bool(conv.get("tools")))
    return tally.scores()


def agreement(answers, pytorch):
    """Answers equal to PyTorch's, and for those that differ the smallest top-2 logit margin PyTorch saw."""
    same, total, diffs = 0, 0, []
    for got, ref in zip(answers, pytorch):
        for i, (a, r) in enumerate(zip(got, ref)):
            total += 1
            if a == r["model"]:
                same += 1
            else:
                diffs.append({"turn": i, "platform": a, "pytorch": r["model"], "margin": r["min_top2_margin"]})
    return {"same": same, "total": total, "percent": round(100.0 * same / max(1, total), 1), "differences": diffs}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gateway", help="a running gateway (e.g. ./llm up: http://localhost:8080)")
    parser.add_argument("--api-key", help="with --gateway: its API key")
    parser.add_argument("--model-dir", default=os.path.join(REPO, "models", "chat-default"))
    parser.add_argument("--limit", type=int, help="only the first N conversations")
    parser.add_argument("--template-only", action="store_true",
                        help="start tokenizer-service alone and only compare its prompts and ids with Python's")
    args = parser.parse_args(argv)
    model_dir = os.path.abspath(args.model_dir)
    model = os.path.basename(os.path.normpath(model_dir))
    with open(os.path.join(model_dir, "eval", "test-conversations.jsonl"), encoding="utf-8") as f:
        every = [json.loads(line) for line in f][:args.limit]
    conversations = every
    services = None
    if args.gateway:
        gateway, key = args.gateway.rstrip("/"), args.api_key
    else:
        log("starting the services from their jars")
        services = Services(model_dir, os.path.join(OUT, "logs"), ("tokenizer",) if args.template_only else
                            ("tokenizer", "inference", "session", "gateway"))
        gateway, key = services.gateway, services.key
        try:
            differ = check_template(services.url["tokenizer"], model_dir, every)
        except BaseException:
            services.stop()
            raise
        if args.template_only:
            services.stop()
            return 1 if differ else 0
    try:
        started = time.time()
        answers = []
        for i, conv in enumerate(conversations):
            answers.append(run_conversation(gateway, key, model, conv))
            if (i + 1) % 50 == 0:
                log(f"{i + 1}/{len(conversations)} conversations, {time.time() - started:.0f} s")
    finally:
        if services:
            services.stop()
    scores = score(conversations, answers)
    scores["conversations"] = len(conversations)
    pytorch_path = os.path.join(model_dir, "eval", "pytorch-transcripts.jsonl")
    if os.path.exists(pytorch_path):
        with open(pytorch_path, encoding="utf-8") as f:
            pytorch = [json.loads(line) for line in f][:len(conversations)]
        scores["agreement_with_pytorch"] = agreement(answers, pytorch)
    log(f"platform ({len(conversations)} conversations, {time.time() - started:.0f} s): "
        + ", ".join(f"{s} {v['exact_match']}%" for s, v in scores.items() if isinstance(v, dict) and "exact_match" in v))
    if "agreement_with_pytorch" in scores:
        a = scores["agreement_with_pytorch"]
        log(f"answers equal to PyTorch's: {a['same']}/{a['total']} ({a['percent']}%)")
    if args.limit is None:
        write_json(os.path.join(model_dir, "eval", "platform-scores.json"), scores)
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "transcripts.jsonl"), "w", encoding="utf-8") as f:
        for conv, got in zip(conversations, answers):
            users = [m["content"] for m in conv["messages"] if m["role"] in ("user", "tool")]
            f.write(json.dumps([{"user": u, "platform": a} for u, a in zip(users, got)], ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
