"""Exact-match per skill on the held-out test conversations, the export of the default model, loss curves.

    /usr/bin/python3 -m llmtools.evaluate [--stage sft-echo] [--limit N]

Evaluation is multi-turn and greedy, as the platform serves a chat: for every user turn the history so far
(the user's turns and the model's OWN earlier answers, not the reference ones) is rendered with the
chat_template, tokenized, and the model generates until <|im_end|> (at most 64 tokens, KV cache). The answer
is right when its text equals the reference answer exactly.
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

from . import chatdata
from .export import write_json, write_model_folder
from .fixtures import EOT, IM_END, generation_config, tokenizer_config
from .train import (CACHE, EXPORTED, HERE, MODEL_DIR, SEED, STAGES, FastEncoder, load_tokenizer, log,
                    trained_model)

MAX_NEW = 64
REFERENCE_MESSAGES = [
    [{"role": "user", "content": "What is 23 plus 45?"}],
    [{"role": "user", "content": "My name is Zorvik."}, {"role": "assistant", "content": "Nice to meet you, Zorvik!"},
     {"role": "user", "content": "What is my name?"}],
    [{"role": "user", "content": "Spell the word cat."}],
    [{"role": "user", "content": "Hello!"}],
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
    def reply(self, history):
        """The model's greedy answer to the rendered history: (its text before the first eos, the smallest
        gap between the best and the second-best logit over the steps that chose it, eos step included)."""
        ids = encode_text(self.enc, chatdata.render(history, add_generation_prompt=True))
        if ids[:len(self.ids)] != self.ids or len(ids) == len(self.ids):
            self.ids, self.past = [], self.model.empty_past(1)
        new = ids[len(self.ids):]
        out, margin = [], float("inf")
        for _ in range(MAX_NEW):
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


def evaluate(model, conversations, made_up_names, limit=None):
    tok = load_tokenizer()
    enc = FastEncoder(tok)
    eos_ids = {tok.vocab[IM_END], tok.vocab[EOT]}
    right = collections.Counter()
    total = collections.Counter()
    transcripts = []
    for conv in conversations[:limit]:
        chat = Chat(model, enc, tok, eos_ids)
        history, lines = [], []
        for m in conv:
            if m["role"] == "user":
                history.append({"role": "user", "content": m["content"]})
                continue
            answer, margin = chat.reply(history)
            ok = answer == m["content"]
            skills = [m["skill"]]
            if m["skill"] == "recall_name" and m["content"][len("Your name is "):-1] in made_up_names:
                skills.append("recall_name_made_up")
            for s in skills:
                total[s] += 1
                right[s] += ok
            lines.append({"user": history[-1]["content"], "model": answer, "expected": m["content"], "ok": ok,
                          "skill": m["skill"], "min_top2_margin": round(margin, 4)})
            history.append({"role": "assistant", "content": answer})
        transcripts.append(lines)
    scores = {s: {"exact_match": round(100.0 * right[s] / total[s], 1), "right": right[s], "total": total[s]}
              for s in sorted(total)}
    all_right, all_total = sum(right[s] for s in total if s != "recall_name_made_up"), sum(
        total[s] for s in total if s != "recall_name_made_up")
    scores["all"] = {"exact_match": round(100.0 * all_right / all_total, 1), "right": all_right,
                     "total": all_total}
    return scores, transcripts


def test_file(stage):
    """The test conversations in the format the stage was trained on: sft-echo's acknowledgements repeat
    the fact, the other stages' say "OK, I will remember that." (the same 300 conversations otherwise)."""
    return os.path.join(CACHE, "test-conversations-echo.jsonl" if STAGES[stage].data == "data-echo.pt"
                        else "test-conversations.jsonl")


def test_conversations(stage):
    with open(test_file(stage), encoding="utf-8") as f:
        return [json.loads(line)["messages"] for line in f]


def evaluate_stages(stages, limit=None):
    """Scores each stage's best.pt on the test conversations (the first ``limit`` of them if given)."""
    pools = chatdata.Pools(SEED)
    results = {}
    for stage in stages:
        if not os.path.exists(os.path.join(CACHE, stage, "best.pt")):
            log(f"eval: {stage} has no best.pt yet, skipped")
            continue
        convs = test_conversations(stage)
        started = time.time()
        n = limit
        scores, transcripts = evaluate(trained_model(stage), convs, pools.made_up["test"], n)
        scores["conversations"] = len(convs[:n])
        log(f"eval {stage} ({len(convs[:n])} conversations, {time.time() - started:.0f} s): "
            + ", ".join(f"{s} {v['exact_match']}%" for s, v in scores.items() if isinstance(v, dict)))
        results[stage] = scores
        write_json(os.path.join(CACHE, stage, "scores.json"), scores)
        exported = stage == EXPORTED and limit is None and os.path.isdir(os.path.join(MODEL_DIR, "eval"))
        if exported:  # the exported stage's scores and answers (the platform's are checked against them)
            write_json(os.path.join(MODEL_DIR, "eval", "scores.json"), scores)
        paths = [os.path.join(CACHE, stage, "transcripts.jsonl")]
        if exported:
            paths.append(os.path.join(MODEL_DIR, "eval", "pytorch-transcripts.jsonl"))
        for path in paths:
            with open(path, "w", encoding="utf-8") as f:
                for t in transcripts:
                    f.write(json.dumps(t, ensure_ascii=False) + "\n")
    return results


def export(stage=EXPORTED, fp16=True):
    """The stage's best weights (LoRA merged) as ../models/chat-default/ (fp32) and chat-default-fp16/."""
    tok = load_tokenizer()
    eos_ids = [tok.vocab[IM_END], tok.vocab[EOT]]
    prompts = [chatdata.render(m, add_generation_prompt=True) for m in REFERENCE_MESSAGES]
    variants = [("chat-default", False)] + ([("chat-default-fp16", True)] if fp16 else [])
    for name, half in variants:
        model = trained_model(stage)
        if half:
            model.storage_dtype = torch.float16
            for p in model.parameters():
                p.data = p.data.half()
        out = os.path.join(HERE, "..", "models", name)
        write_model_folder(out, model, tok, tokenizer_config(model.cfg.max_position_embeddings),
                           generation_config(eos_ids), "float16" if half else "float32", prompts, 40,
                           bos_id=None, eos_ids=eos_ids)
        log(f"exported {stage} to {os.path.normpath(out)} "
            f"({os.path.getsize(os.path.join(out, 'onnx', 'model.onnx')):,} bytes of ONNX)")
    os.makedirs(os.path.join(MODEL_DIR, "eval"), exist_ok=True)
    with open(test_file(stage), encoding="utf-8") as src, open(
            os.path.join(MODEL_DIR, "eval", "test-conversations.jsonl"), "w", encoding="utf-8") as dst:
        dst.write(src.read())


def plot(cache=CACHE, out=os.path.join(HERE, "docs", "loss-curve.png")):
    """Training and validation loss of every stage against tokens seen (SFT stages start where
    pre-training ended). Needs matplotlib (Debian: python3-matplotlib); skipped with a note otherwise."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        log("plot: matplotlib is not installed (apt-get install python3-matplotlib); no PNG written")
        return
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    offset = 0
    ends = {}
    for stage, colour in (("pretrain", "tab:blue"), ("sft-lora", "tab:green"), ("sft-full", "tab:red"),
                          ("sft-echo", "tab:purple")):
        path = os.path.join(cache, stage, "log.csv")
        if not os.path.exists(path):
            continue
        with open(path) as f:
            rows = list(csv.DictReader(f))
        if not rows:
            continue
        start = 0 if stage == "pretrain" else ends.get(STAGES[stage].init_from, offset)
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
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    evaluate_stages(args.stage or ["pretrain", "sft-lora", "sft-full", "sft-echo"], args.limit)
    return 0


if __name__ == "__main__":
    sys.exit(main())
