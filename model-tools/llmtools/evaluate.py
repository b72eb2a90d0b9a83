"""Exact-match per skill on the held-out test conversations, the export of the default model, loss curves.

    /usr/bin/python3 -m llmtools.evaluate [--stage sft] [--limit N] [--smoke]

Evaluation is multi-turn and greedy, as the platform serves a chat: for every assistant turn the history so
far (system prompt and tools, the user's turns, tool results, and the model's OWN earlier answers, not the
reference ones) is rendered with the chat template, tokenized, and the model generates until <|im_end|> (at
most 64 tokens, KV cache). An answer is right when its text equals the reference exactly. A tool result in
the history is the reference one (the result of the call the model should have made).

Scores, each ``{"exact_match", "right", "total"}``:
  <skill>                      every answer of that skill (chatdata's list)
  <skill> (held-out wording)   only those whose user turn used a template training never saw
  recall_name: <source>        name recalls by the pool the name came from (names.Pools)
  tool: correct call           turns that need a call: exactly one call, name and arguments equal (JSON)
  tool: no call when none needed   every other answer in a conversation that offers tools: no <tool_call>
  tool: answer from result     the answer after the tool's result, exact
"""

import argparse
import collections
import csv
import json
import os
import sys
import time

import regex
import torch

from . import chatdata, tooluse
from . import train as T
from .export import write_json, write_model_folder
from .fixtures import EOT, IM_END, generation_config, tokenizer_config
from .train import FastEncoder, load_tokenizer, log, trained_model

MAX_NEW = 64
REFERENCE_CONVERSATIONS = [
    {"tools": None, "messages": [{"role": "user", "content": "What is 23 plus 45?"}]},
    {"tools": None, "messages": [
        {"role": "user", "content": "My name is Anastasia."},
        {"role": "assistant", "content": "Nice to meet you, Anastasia!"},
        {"role": "user", "content": "What is my name?"}]},
    {"tools": [tooluse.TOOLS["get_weather"], tooluse.TOOLS["calculate"]],
     "messages": [{"role": "user", "content": "What is the weather in Oslo?"}]},
    {"tools": None, "messages": [{"role": "user", "content": "Hello!"}]},
]


def encode_text(enc, text):
    """Like ByteLevelBpe.encode (special tokens matched whole first), with the encoder's piece cache."""
    pattern = "(" + "|".join(regex.escape(s) for s in enc.tok.specials) + ")"
    ids = []
    for part in regex.split(pattern, text):
        if part:
            ids += enc.encode(part)
    return ids


class Chat:
    """One conversation's token ids and KV cache. Each turn the whole history is rendered and tokenized again
    (as the platform does); when the cached ids are a prefix of the new ones only the rest is prefilled."""

    def __init__(self, model, enc, tok, eos_ids):
        self.model, self.enc, self.tok, self.eos_ids = model, enc, tok, eos_ids
        self.ids = []  # the ids whose keys/values are in self.past
        self.past = model.empty_past(1)  # per layer [1, kv_heads, len(ids), head_dim]

    @torch.no_grad()
    def reply(self, history, tools=None):
        """The model's greedy answer to the rendered history: (its text before the first eos, the smallest
        gap between the best and the second-best logit over the steps that chose it, eos step included)."""
        ids = encode_text(self.enc, tooluse.render(history, tools, add_generation_prompt=True))
        if ids[:len(self.ids)] != self.ids or len(ids) == len(self.ids):
            self.ids, self.past = [], self.model.empty_past(1)
        new = ids[len(self.ids):]
        out, margin = [], float("inf")
        for _ in range(min(MAX_NEW, self.model.cfg.max_position_embeddings - len(ids))):  # as the platform
            start = len(self.ids)
            x = torch.tensor([new])
            mask = torch.ones((1, start + len(new)), dtype=torch.long)
            logits, self.past = self.model(x, mask, torch.arange(start, start + len(new)).unsqueeze(0), self.past)
            self.ids += new
            top = torch.topk(logits[0, -1].float(), 2)
            margin = min(margin, float(top.values[0] - top.values[1]))
            nxt = int(top.indices[0])
            if nxt in self.eos_ids:
                break
            out.append(nxt)
            new = [nxt]
        return self.tok.decode(out), margin


def reference_text(m):
    """The text the assistant should write: its content, or its call as the template renders it."""
    if m.get("tool_calls"):
        c = m["tool_calls"][0]["function"]
        return tooluse.call_text(c["name"], c["arguments"])
    return m["content"]


class Tally:
    def __init__(self):
        self.right, self.total = collections.Counter(), collections.Counter()

    def add(self, key, ok):
        self.total[key] += 1
        self.right[key] += bool(ok)

    def scores(self):
        return {k: {"exact_match": round(100.0 * self.right[k] / self.total[k], 1), "right": self.right[k],
                    "total": self.total[k]} for k in sorted(self.total)}


def score_answer(tally, m, answer, offers_tools):
    """Adds one answer to the per-skill and tool tallies; returns whether it equals the reference."""
    expected = reference_text(m)
    ok = answer == expected
    skill = m["skill"]
    tally.add(skill, ok)
    tally.add("all", ok)
    if m.get("wording") == "held-out":
        tally.add(f"{skill} (held-out wording)", ok)
    if skill == "recall_name" and m.get("source"):
        tally.add(f"recall_name: {m['source']}", ok)
    if skill == "tool_call":
        c = m["tool_calls"][0]["function"]
        tally.add("tool: correct call", tooluse.parse_calls(answer) == [(c["name"], c["arguments"])])
    elif offers_tools:
        tally.add("tool: no call when none needed", "<tool_call>" not in answer)
    if skill == "tool_answer":
        tally.add("tool: answer from result", ok)
    return ok


def evaluate(model, conversations, limit=None):
    tok = load_tokenizer()
    enc = FastEncoder(tok)
    eos_ids = {tok.vocab[IM_END], tok.vocab[EOT]}
    tally = Tally()
    transcripts = []
    for conv in conversations[:limit]:
        chat = Chat(model, enc, tok, eos_ids)
        history, lines = [], []
        for m in conv["messages"]:
            if m["role"] != "assistant":
                history.append({"role": m["role"], "content": m["content"]})
                continue
            answer, margin = chat.reply(history, conv.get("tools"))
            ok = score_answer(tally, m, answer, bool(conv.get("tools")))
            lines.append({"user": next(h["content"] for h in reversed(history) if h["role"] != "assistant"),
                          "model": answer, "expected": reference_text(m), "ok": ok, "skill": m["skill"],
                          "min_top2_margin": round(margin, 4)})
            # a call the model wrote renders exactly as the same call given as tool_calls
            history.append({"role": "assistant", "content": answer})
        transcripts.append(lines)
    return tally.scores(), transcripts


def test_conversations():
    with open(os.path.join(T.CACHE, "test-conversations.jsonl"), encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def evaluate_stages(stages, limit=None):
    """Scores each stage's best.pt on the test conversations (the first ``limit`` of them if given)."""
    results = {}
    for stage in stages:
        if not os.path.exists(os.path.join(T.CACHE, stage, "best.pt")):
            log(f"eval: {stage} has no best.pt yet, skipped")
            continue
        convs = test_conversations()[:limit]
        started = time.time()
        scores, transcripts = evaluate(trained_model(stage), convs)
        scores["conversations"] = len(convs)
        log(f"eval {stage} ({len(convs)} conversations, {time.time() - started:.0f} s):\n  "
            + "\n  ".join(f"{s}: {v['exact_match']}% ({v['right']}/{v['total']})" for s, v in scores.items()
                          if isinstance(v, dict)))
        results[stage] = scores
        write_json(os.path.join(T.CACHE, stage, "scores.json"), scores)
        exported = stage == T.EXPORTED and limit is None and os.path.isdir(os.path.join(T.MODEL_DIR, "eval"))
        if exported:  # the exported stage's scores and answers (the platform's are checked against them)
            write_json(os.path.join(T.MODEL_DIR, "eval", "scores.json"), scores)
        paths = [os.path.join(T.CACHE, stage, "transcripts.jsonl")]
        if exported:
            paths.append(os.path.join(T.MODEL_DIR, "eval", "pytorch-transcripts.jsonl"))
        for path in paths:
            with open(path, "w", encoding="utf-8") as f:
                for t in transcripts:
                    f.write(json.dumps(t, ensure_ascii=False) + "\n")
    return results


# The bars on the held-out test (exact match, %): publish refuses a model below any of them.
BARS = {"recall_name": 95.0, "add": 98.0, "sub": 98.0, "tool: correct call": 95.0,
        "tool: no call when none needed": 95.0, "tool: answer from result": 95.0}
WORDING_BAR = 90.0  # every "<skill> (held-out wording)" score


def misses(scores):
    """The scores below their bar, as "name: value < bar" lines (empty: the model meets every bar)."""
    out = [f"{k}: {scores.get(k, {}).get('exact_match', 0.0)} < {bar}" for k, bar in BARS.items()
           if scores.get(k, {}).get("exact_match", 0.0) < bar]
    out += [f"{k}: {v['exact_match']} < {WORDING_BAR}" for k, v in scores.items()
            if k.endswith("(held-out wording)") and v["exact_match"] < WORDING_BAR]
    return out


def candidate_misses():
    """misses() of the candidate's scores, or None when it has none."""
    path = os.path.join(T.MODEL_DIR, "eval", "scores.json")
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as f:
        return misses(json.load(f))


def report_bars():
    missed = candidate_misses()
    if missed is None:
        log("bars: the candidate has no scores")
    elif missed:
        log("bars: the candidate misses:\n  " + "\n  ".join(missed))
    else:
        log("bars: the candidate meets every bar; check it through the platform, then: llmtools.train publish")


def publish():
    """Copies the candidate folders to ../models/ when the exported stage's scores meet every bar."""
    import shutil
    missed = candidate_misses()
    if T.PUBLISHED is None or missed is None:
        log("publish: nothing to publish (no scores, or a smoke run)")
        return False
    if missed:
        log("publish: the candidate misses the bars, ../models is unchanged:\n  " + "\n  ".join(missed))
        return False
    for name in ("chat-default", "chat-default-fp16"):
        dst = os.path.join(T.PUBLISHED, name)
        shutil.rmtree(dst, ignore_errors=True)
        shutil.copytree(os.path.join(T.MODELS_DIR, name), dst)
        log(f"publish: {os.path.normpath(dst)}")
    curve = os.path.join(T.CACHE, "loss-curve.png")
    if os.path.exists(curve):
        shutil.copyfile(curve, os.path.join(T.HERE, "docs", "loss-curve.png"))
    return True


def model_tokenizer_config(max_length):
    """The fixtures' tokenizer_config with the tool-aware chat template."""
    return dict(tokenizer_config(max_length), chat_template=tooluse.CHAT_TEMPLATE)


def export(stage=None, fp16=True):
    """The stage's best weights as the candidate chat-default/ (fp32) and chat-default-fp16/ under the cache."""
    stage = stage or T.EXPORTED
    tok = load_tokenizer()
    eos_ids = [tok.vocab[IM_END], tok.vocab[EOT]]
    prompts = [chatdata.render(c, add_generation_prompt=True) for c in REFERENCE_CONVERSATIONS]
    variants = [("chat-default", False)] + ([("chat-default-fp16", True)] if fp16 else [])
    for name, half in variants:
        model = trained_model(stage)
        if half:
            model.storage_dtype = torch.float16
            for p in model.parameters():
                p.data = p.data.half()
        out = os.path.join(T.MODELS_DIR, name)
        write_model_folder(out, model, tok, model_tokenizer_config(model.cfg.max_position_embeddings),
                           generation_config(eos_ids), "float16" if half else "float32", prompts, 40,
                           bos_id=None, eos_ids=eos_ids)
        log(f"exported {stage} to {os.path.normpath(out)} "
            f"({os.path.getsize(os.path.join(out, 'onnx', 'model.onnx')):,} bytes of ONNX)")
    os.makedirs(os.path.join(T.MODEL_DIR, "eval"), exist_ok=True)
    with open(os.path.join(T.CACHE, "test-conversations.jsonl"), encoding="utf-8") as src, open(
            os.path.join(T.MODEL_DIR, "eval", "test-conversations.jsonl"), "w", encoding="utf-8") as dst:
        dst.write(src.read())


def plot(cache=None, out=None):
    """Training and validation loss of every stage against tokens seen (SFT stages start where
    pre-training ended). Needs matplotlib (Debian: python3-matplotlib); skipped with a note otherwise."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        log("plot: matplotlib is not installed (apt-get install python3-matplotlib); no PNG written")
        return
    cache = cache or T.CACHE
    out = out or os.path.join(cache, "loss-curve.png")  # publish copies it to docs/loss-curve.png
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    offset = 0
    ends = {}
    for stage, colour in (("pretrain", "tab:blue"), ("sft", "tab:green")):
        path = os.path.join(cache, stage, "log.csv")
        if not os.path.exists(path):
            continue
        with open(path) as f:
            rows = list(csv.DictReader(f))
        if not rows:
            continue
        start = 0 if stage == "pretrain" else ends.get(T.STAGES[stage].init_from, offset)
        tokens = [(start + int(r["tokens"])) / 1e6 for r in rows]
        axes[0].plot(tokens, [float(r["val_loss_all"]) for r in rows], color=colour, marker="o", markersize=3,
                     label=f"{stage} val (all)")
        axes[1].plot(tokens, [float(r["val_loss_assistant"]) for r in rows], color=colour, marker="o",
                     markersize=3, label=f"{stage} val (assistant)")
        axes[1 if stage != "pretrain" else 0].plot(tokens, [float(r["train_loss"]) for r in rows], color=colour,
                                                   linestyle="--", label=f"{stage} train")
        ends[stage] = start + int(rows[-1]["tokens"])
        if stage == "pretrain":
            offset = int(rows[-1]["tokens"])
    axes[0].set_title("loss on every token")
    axes[1].set_title("loss on assistant tokens")
    for ax in axes:
        ax.set_xlabel("tokens seen (millions)")
        ax.set_ylabel("cross-entropy (nats)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.tight_layout()
    os.makedirs(os.path.dirname(out), exist_ok=True)
    fig.savefig(out, dpi=80)
    log(f"plot: wrote {os.path.normpath(out)}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stage", action="append", help="stage(s) to score (default: all that exist)")
    parser.add_argument("--limit", type=int, help="score only the first N test conversations")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--smoke", action="store_true", help="the smoke run's cache (.cache/default-model-smoke)")
    args = parser.parse_args(argv)
    if args.smoke:
        T.configure_smoke()
    torch.set_num_threads(args.threads)
    evaluate_stages(args.stage or list(T.STAGES), args.limit)
    return 0


if __name__ == "__main__":
    sys.exit(main())
