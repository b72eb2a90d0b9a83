"""Exact-match per skill on the held-out test conversations (PyTorch), and the bars a model must meet.

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

import collections
import json
import os
import time

import torch

from . import tooluse
from .checkpoints import trained_model
from .chatml import EOT, IM_END
from .config import EXPORTED, MAX_ANSWER, Run, log
from .encoder import FastEncoder, load_tokenizer
from .export import write_json


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
        ids = self.enc.encode_text(tooluse.render(history, tools, add_generation_prompt=True))
        if ids[:len(self.ids)] != self.ids or len(ids) == len(self.ids):
            self.ids, self.past = [], self.model.empty_past(1)
        new = ids[len(self.ids):]
        out, margin = [], float("inf")
        for _ in range(min(MAX_ANSWER, self.model.cfg.max_position_embeddings - len(ids))):  # as the platform
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


def evaluate(run: Run, model, conversations, limit=None):
    """Every assistant turn of the conversations answered by the model: (scores, one transcript a conversation)."""
    tok = load_tokenizer(run.path("tokenizer.json"))
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


def test_conversations(run: Run):
    with open(run.path("test-conversations.jsonl"), encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def evaluate_stages(run: Run, stages, limit=None):
    """Scores each stage's best.pt on the test conversations (the first ``limit`` of them if given)."""
    results = {}
    for stage in stages:
        if not os.path.exists(run.path(stage, "best.pt")):
            log(f"eval: {stage} has no best.pt yet, skipped")
            continue
        convs = test_conversations(run)[:limit]
        started = time.time()
        scores, transcripts = evaluate(run, trained_model(run, stage), convs)
        scores["conversations"] = len(convs)
        log(f"eval {stage} ({len(convs)} conversations, {time.time() - started:.0f} s):\n  "
            + "\n  ".join(f"{s}: {v['exact_match']}% ({v['right']}/{v['total']})" for s, v in scores.items()
                          if isinstance(v, dict)))
        results[stage] = scores
        write_json(run.path(stage, "scores.json"), scores)
        exported = stage == EXPORTED and limit is None and os.path.isdir(os.path.join(run.model_dir, "eval"))
        if exported:  # the exported stage's scores and answers (the platform's are checked against them)
            write_json(os.path.join(run.model_dir, "eval", "scores.json"), scores)
        paths = [run.path(stage, "transcripts.jsonl")]
        if exported:
            paths.append(os.path.join(run.model_dir, "eval", "pytorch-transcripts.jsonl"))
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
