"""The project's default chat model, end to end: data, tokenizer, pre-training, fine-tuning, export, scores.

    /usr/bin/python3 -m llmtools.train default-model          # every stage; each resumes where it stopped
    /usr/bin/python3 -m llmtools.train prepare|pretrain|sft|plot|export|eval|publish
    /usr/bin/python3 -m llmtools.train default-model --smoke  # the whole pipeline on a tiny budget

Everything lives under ``.cache/default-model/`` (git-ignored; ``--smoke``: ``.cache/default-model-smoke/``),
the export's candidate folders too (``models/chat-default``, ``models/chat-default-fp16``); ``publish`` copies
them to ``../models/`` (run it alone, after checking the candidate through the platform) and only when their
scores meet the issue's bars (``evaluate.BARS``). Each
training stage checkpoints to ``<stage>/last.pt`` at every validation (atomically), keeps ``<stage>/best.pt``
(lowest validation loss), appends to ``<stage>/log.csv`` and stops early after ``patience`` validations
without improvement. Killing a stage and starting it again continues from the last checkpoint with the same
batches (batch ``i`` is drawn from a generator seeded with ``i``).

  pretrain   next-token prediction on every token of the training conversations (system prompts with the
             tool definitions, user turns and tool results weigh ``user_weight``); all parameters
  sft        loss on the assistant's tokens only (its answers and calls), all parameters; exported
"""

import argparse
import csv
import dataclasses
import json
import math
import os
import random
import sys
import time

import regex
import torch
from torch import nn

from . import chatdata, tooluse
from .bpe import ByteLevelBpe
from .fixtures import SPECIALS
from .llama import LlamaConfig, LlamaForCausalLM
from .names import Pools

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CACHE = os.path.join(HERE, ".cache", "default-model")
PUBLISHED = os.path.join(HERE, "..", "models")  # what the platform serves; written only by publish
MODELS_DIR = os.path.join(CACHE, "models")  # the export's candidate chat-default and chat-default-fp16
MODEL_DIR = os.path.join(MODELS_DIR, "chat-default")

SEED = 1234
VOCAB = 1024
CONTEXT = 1024
N_TRAIN, N_VAL, N_TEST = 40000, 256, 300
N_TOKENIZER = 5000  # training conversations the tokenizer is trained on
EXPORTED = "sft"  # the stage exported as ../models/chat-default
MAX_ANSWER = 64  # tokens an answer may take beyond a conversation (evaluation)
VAL_USED = 128  # validation conversations scored at each check (CPU time is scarce)

MODEL = LlamaConfig(vocab_size=VOCAB, hidden_size=160, intermediate_size=448, num_hidden_layers=5,
                    num_attention_heads=5, num_key_value_heads=5, max_position_embeddings=CONTEXT,
                    tie_word_embeddings=True, init_std=0.02, dropout=0.0)


@dataclasses.dataclass
class Stage:
    name: str
    loss: str  # "all" or "assistant"
    steps: int
    batch: int
    lr: float
    warmup: int
    min_lr_frac: float = 0.1
    weight_decay: float = 0.1
    clip: float = 1.0
    eval_every: int = 100
    patience: int = 6
    init_from: str = None  # stage whose best.pt starts this one
    lora_rank: int = 0
    full: bool = True
    pack: int = 0  # > 0: each batch is `batch` rows of this many tokens, conversations packed end to end
    user_weight: float = 1.0  # loss "all": weight of the tokens the assistant does not write (theirs is 1)
    data: str = "data.pt"  # the prepared conversations under CACHE
    seed_offset: int = 500000  # batch i is drawn from a generator seeded with SEED * 1000 + i + seed_offset


STAGES = {
    "pretrain": Stage("pretrain", "all", steps=900, batch=4, pack=CONTEXT, user_weight=0.3, lr=2e-3, warmup=50,
                      eval_every=50, patience=6, seed_offset=0),
    "sft": Stage("sft", "assistant", steps=200, batch=4, pack=CONTEXT, lr=1e-3, warmup=10, eval_every=50,
                 init_from="pretrain"),
}

# --smoke: the same pipeline on a tiny budget, to prove it runs end to end (its scores mean nothing)
SMOKE = {"n_train": 3000, "n_tokenizer": 1000, "n_test": 40, "steps": {"pretrain": 40, "sft": 20},
         "eval_every": 20}


def configure_smoke():
    """Points the pipeline at .cache/default-model-smoke/ with a tiny budget (export included)."""
    global CACHE, MODEL_DIR, MODELS_DIR, PUBLISHED, N_TRAIN, N_TEST, N_TOKENIZER, VAL_USED
    CACHE = os.path.join(HERE, ".cache", "default-model-smoke")
    MODELS_DIR = os.path.join(CACHE, "models")
    MODEL_DIR = os.path.join(MODELS_DIR, "chat-default")
    PUBLISHED = None  # a smoke model is never published
    N_TRAIN, N_TEST, N_TOKENIZER, VAL_USED = SMOKE["n_train"], SMOKE["n_test"], SMOKE["n_tokenizer"], 32
    for name, steps in SMOKE["steps"].items():
        STAGES[name] = dataclasses.replace(STAGES[name], steps=steps, eval_every=SMOKE["eval_every"],
                                           warmup=min(STAGES[name].warmup, steps // 4))


def log(*args):
    print(time.strftime("%H:%M:%S"), *args, flush=True)


# ---------------------------------------------------------------------------------------------------------
# Tokenizer and data
# ---------------------------------------------------------------------------------------------------------

class FastEncoder:
    """bpe.ByteLevelBpe.encode with a per-piece cache (the same ids, much faster on repetitive data)."""

    def __init__(self, tok: ByteLevelBpe):
        self.tok = tok
        self.cache = {}
        self.special_ids = {s: tok.vocab[s] for s in tok.specials}

    def encode(self, text):
        if text in self.special_ids:
            return [self.special_ids[text]]
        ids = []
        for piece in self.tok.pre_tokenize(text):
            hit = self.cache.get(piece)
            if hit is None:
                hit = self.cache[piece] = [self.tok.vocab[t] for t in self.tok._bpe(piece)]
            ids.extend(hit)
        return ids

    def conversation(self, conversation):
        """(ids, mask): mask is 1 on the tokens the assistant writes (its answers, calls and <|im_end|>)."""
        ids, mask = [], []
        for text, own in tooluse.segments(conversation["messages"], conversation.get("tools")):
            for part in _split_specials(text):
                piece = self.encode(part)
                ids += piece
                mask += [int(own)] * len(piece)
        return ids, mask


def _split_specials(text):
    """The text cut before and after each special token (they are encoded whole, never merged)."""
    out, rest = [], text
    while rest:
        hits = [(rest.find(s), s) for s in SPECIALS if s in rest]
        if not hits:
            out.append(rest)
            break
        at, special = min(hits)
        if at:
            out.append(rest[:at])
        out.append(special)
        rest = rest[at + len(special):]
    return out


def train_tokenizer(pools):
    """Names and cities do not count toward the merges: a value is then spelled with the pieces of ordinary
    words, held-out values the same way as training ones, so the model learns to copy pieces it knows rather
    than one rare token per training name (the first version's tokenizer had merges for its pool's names)."""
    texts = []
    for conv in chatdata.conversations("train", N_TOKENIZER, SEED + 7, pools):
        for text, _ in tooluse.segments(conv["messages"], conv["tools"]):
            texts += [t for t in _split_specials(text) if t not in SPECIALS]
    values = pools.names["train"] + pools.cities["train"]  # the only ones its conversations hold
    exclude = {w.lower() for v in values for w in regex.findall(r"\p{L}+", v)}
    return ByteLevelBpe.train(texts, VOCAB, SPECIALS, split_digits=True, exclude=exclude)


def load_tokenizer(path=None):
    with open(path or os.path.join(CACHE, "tokenizer.json"), encoding="utf-8") as f:
        data = json.load(f)
    model = data["model"]
    merges = [tuple(m.split(" ")) for m in model["merges"]]
    return ByteLevelBpe(SPECIALS, model["vocab"], merges, split_digits=True)


def prepare(args):
    os.makedirs(CACHE, exist_ok=True)
    pools = Pools(SEED)
    pools.check_disjoint()
    log("training the tokenizer")
    tok = train_tokenizer(pools)
    tok.save(os.path.join(CACHE, "tokenizer.json"))
    enc = FastEncoder(tok)
    for conv in chatdata.conversations("val", 50, 99, pools):  # segment-wise == whole text
        assert enc.conversation(conv)[0] == tok.encode(chatdata.render(conv))
    data = {}
    for split, count in (("train", N_TRAIN), ("val", N_VAL), ("test", N_TEST)):
        convs = chatdata.conversations(split, count, SEED, pools)
        rows = [enc.conversation(c) for c in convs]
        fits = [len(r[0]) + MAX_ANSWER <= CONTEXT for r in rows]  # rare: three tools and many turns
        convs = [c for c, ok in zip(convs, fits) if ok]
        rows = [r for r, ok in zip(rows, fits) if ok]
        if len(convs) < count:
            log(f"{split}: left out {count - len(convs)} conversations longer than the context")
        lengths = torch.tensor([len(r[0]) for r in rows])
        data[split] = {
            "ids": torch.tensor([i for r in rows for i in r[0]], dtype=torch.int16),
            "mask": torch.tensor([i for r in rows for i in r[1]], dtype=torch.bool),
            "offsets": torch.cat([torch.zeros(1, dtype=torch.long), lengths.cumsum(0)]),
        }
        log(f"{split}: {len(convs)} conversations, {int(lengths.sum()):,} tokens, "
            f"mean {lengths.float().mean():.0f}, max {int(lengths.max())}")
        if split == "test":
            with open(os.path.join(CACHE, "test-conversations.jsonl"), "w", encoding="utf-8") as f:
                for c in convs:
                    f.write(chatdata.dumps(c) + "\n")
    tmp = os.path.join(CACHE, "data.pt.tmp")
    torch.save(data, tmp)
    os.replace(tmp, os.path.join(CACHE, "data.pt"))


def batch_of(split_data, indices):
    """Right-padded [batch, max_len] ids, loss masks for 'all' and 'assistant'; one conversation a row."""
    offs = split_data["offsets"]
    rows = [(int(offs[i]), int(offs[i + 1])) for i in indices]
    width = max(e - s for s, e in rows)
    ids = torch.zeros((len(rows), width), dtype=torch.long)
    real = torch.zeros((len(rows), width), dtype=torch.bool)
    own = torch.zeros((len(rows), width), dtype=torch.bool)
    for r, (s, e) in enumerate(rows):
        ids[r, :e - s] = split_data["ids"][s:e].long()
        real[r, :e - s] = True
        own[r, :e - s] = split_data["mask"][s:e]
    return ids, real, own


def packed_batch_of(split_data, generator, rows, width):
    """``rows`` rows of ``width`` tokens filled with randomly drawn whole conversations, first fit, so that
    almost no compute goes to padding. Returns ids, positions (restarting at 0 for each conversation),
    segment ids (1, 2, ... per conversation, 0 = padding), and the real / assistant masks, all [rows, width]."""
    offs = split_data["offsets"]
    n = len(offs) - 1
    ids = torch.zeros((rows, width), dtype=torch.long)
    pos = torch.zeros((rows, width), dtype=torch.long)
    seg = torch.zeros((rows, width), dtype=torch.long)
    real = torch.zeros((rows, width), dtype=torch.bool)
    own = torch.zeros((rows, width), dtype=torch.bool)
    fill = [0] * rows
    misses, segment = 0, 0
    while misses < 8:
        i = int(torch.randint(n, (1,), generator=generator))
        s, e = int(offs[i]), int(offs[i + 1])
        length = min(e - s, width)
        row = next((r for r in range(rows) if fill[r] + length <= width), None)
        if row is None:
            misses += 1
            continue
        segment += 1
        a = fill[row]
        ids[row, a:a + length] = split_data["ids"][s:s + length].long()
        pos[row, a:a + length] = torch.arange(length)
        seg[row, a:a + length] = segment
        real[row, a:a + length] = True
        own[row, a:a + length] = split_data["mask"][s:s + length]
        fill[row] += length
    return ids, pos, seg, real, own


def loss_of(model, ids, real, own, mode, user_weight=1.0, pos=None, seg=None):
    """Weighted mean next-token cross-entropy over the targets the mode selects: "assistant" scores the
    assistant's tokens only; "all" scores every token, those the assistant does not write with
    ``user_weight``. Right padding never attends back; packed rows (seg) never attend across conversations
    and never predict one conversation's first token from the one before."""
    b, s = ids.shape
    if pos is None:
        pos = torch.arange(s).unsqueeze(0).expand(b, s)
    logits, _ = model(ids, torch.ones_like(ids), pos, model.empty_past(b), segment_ids=seg)
    targets = ids[:, 1:]
    weight = own.float() if mode == "assistant" else own.float() + user_weight * (real & ~own).float()
    weight = weight[:, 1:]
    if seg is not None:
        weight = weight * (seg[:, 1:] == seg[:, :-1]).float()
    losses = nn.functional.cross_entropy(logits[:, :-1].reshape(-1, logits.shape[-1]).float(),
                                         targets.reshape(-1), reduction="none").view(b, s - 1)
    return (losses * weight).sum() / weight.sum(), int(real.sum())


# ---------------------------------------------------------------------------------------------------------
# LoRA
# ---------------------------------------------------------------------------------------------------------

class LoraLinear(nn.Module):
    """A frozen linear layer plus a trainable low-rank update; ``weight`` is the merged matrix, so the
    decoder (which reads ``layer.weight``) runs it unchanged."""

    def __init__(self, base: nn.Linear, rank: int, alpha: float, generator):
        super().__init__()
        self.base = base
        base.weight.requires_grad_(False)
        out_f, in_f = base.weight.shape
        self.lora_a = nn.Parameter(torch.randn((rank, in_f), generator=generator) / math.sqrt(in_f))
        self.lora_b = nn.Parameter(torch.zeros((out_f, rank)))
        self.scale = alpha / rank

    @property
    def weight(self):
        return self.base.weight + (self.lora_b @ self.lora_a) * self.scale


LORA_TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


def add_lora(model, rank):
    generator = torch.Generator().manual_seed(SEED)
    for p in model.parameters():
        p.requires_grad_(False)
    for layer in model.layers:
        for parent in (layer.self_attn, layer.mlp):
            for name in LORA_TARGETS:
                if hasattr(parent, name):
                    setattr(parent, name, LoraLinear(getattr(parent, name), rank, 2.0 * rank, generator))


def merge_lora(model):
    for layer in model.layers:
        for parent in (layer.self_attn, layer.mlp):
            for name in LORA_TARGETS:
                mod = getattr(parent, name, None)
                if isinstance(mod, LoraLinear):
                    merged = nn.Linear(mod.base.in_features, mod.base.out_features, bias=False)
                    with torch.no_grad():
                        merged.weight.copy_(mod.weight)
                    setattr(parent, name, merged)
    return model


# ---------------------------------------------------------------------------------------------------------
# Training
# ---------------------------------------------------------------------------------------------------------

def lr_at(stage: Stage, step: int):
    if step < stage.warmup:
        return stage.lr * (step + 1) / stage.warmup
    progress = min(1.0, (step - stage.warmup) / max(1, stage.steps - stage.warmup))
    return stage.lr * (stage.min_lr_frac + (1 - stage.min_lr_frac) * 0.5 * (1 + math.cos(math.pi * progress)))


def build_model(stage: Stage, dropout=None):
    cfg = MODEL if dropout is None else dataclasses.replace(MODEL, dropout=dropout)
    model = LlamaForCausalLM(cfg)
    model.init_weights(torch.Generator().manual_seed(SEED))
    if stage.init_from:
        src = os.path.join(CACHE, stage.init_from, "best.pt")
        rank = STAGES[stage.init_from].lora_rank
        if rank:  # start from the source stage's weights with its adapters merged
            add_lora(model, rank)
        model.load_state_dict(torch.load(src)["model"])
        if rank:
            merge_lora(model)
            for p in model.parameters():
                p.requires_grad_(True)
    if stage.lora_rank:
        add_lora(model, stage.lora_rank)
    return model


@torch.no_grad()
def validate(model, data, batch=32, limit=VAL_USED):
    """Validation loss over every token and over the assistant's tokens only, in one pass."""
    model.eval()
    sums = {"all": 0.0, "assistant": 0.0}
    counts = {"all": 0, "assistant": 0}
    n = min(limit, len(data["offsets"]) - 1)
    for start in range(0, n, batch):
        ids, real, own = batch_of(data, range(start, min(n, start + batch)))
        b, s = ids.shape
        pos = torch.arange(s).unsqueeze(0).expand(b, s)
        logits, _ = model(ids, torch.ones_like(ids), pos, model.empty_past(b))
        losses = nn.functional.cross_entropy(logits[:, :-1].reshape(-1, logits.shape[-1]).float(),
                                             ids[:, 1:].reshape(-1), reduction="none").view(b, s - 1)
        for mode, select in (("all", real[:, 1:]), ("assistant", own[:, 1:])):
            sums[mode] += float((losses * select).sum())
            counts[mode] += int(select.sum())
    model.train()
    return sums["all"] / counts["all"], sums["assistant"] / counts["assistant"]


def atomic_save(obj, path):
    torch.save(obj, path + ".tmp")
    os.replace(path + ".tmp", path)


def train_stage(stage: Stage, max_minutes: float):
    out = os.path.join(CACHE, stage.name)
    os.makedirs(out, exist_ok=True)
    data = torch.load(os.path.join(CACHE, stage.data))
    model = build_model(stage)
    params = [p for p in model.parameters() if p.requires_grad]
    decay = [p for p in params if p.dim() >= 2]
    no_decay = [p for p in params if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": stage.weight_decay},
                             {"params": no_decay, "weight_decay": 0.0}], lr=stage.lr, betas=(0.9, 0.95))
    state = {"step": 0, "best": float("inf"), "bad": 0, "seconds": 0.0, "tokens": 0, "done": False}
    last = os.path.join(out, "last.pt")
    if os.path.exists(last):
        ck = torch.load(last)
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["opt"])
        state = ck["state"]
        log(f"{stage.name}: resumed at step {state['step']}")
    if state["done"]:
        log(f"{stage.name}: already finished")
        return
    log_path = os.path.join(out, "log.csv")
    rows = []
    if os.path.exists(log_path):
        with open(log_path) as f:
            rows = [r for r in csv.DictReader(f) if int(r["step"]) <= state["step"]]
    fields = ["step", "tokens", "seconds", "lr", "train_loss", "val_loss", "val_loss_all", "val_loss_assistant"]
    with open(log_path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        w.writerows(rows)
    trainable = sum(p.numel() for p in params)
    total = sum(p.numel() for p in model.parameters())
    log(f"{stage.name}: {trainable:,} trainable of {total:,} parameters, loss on {stage.loss} tokens")
    with open(os.path.join(out, "params.json"), "w") as f:
        json.dump({"trainable": trainable, "total": total, "stage": dataclasses.asdict(stage),
                   "model": dataclasses.asdict(MODEL)}, f, indent=2)
    n_train = len(data["train"]["offsets"]) - 1
    model.train()
    started = time.time()
    base_seconds = state["seconds"]
    running, running_n = 0.0, 0
    while state["step"] < stage.steps:
        step = state["step"]
        g = torch.Generator().manual_seed(SEED * 1000 + step + stage.seed_offset)
        torch.manual_seed(SEED * 7 + step)  # dropout masks
        if stage.pack:
            ids, pos, seg, real, own = packed_batch_of(data["train"], g, stage.batch, stage.pack)
        else:
            indices = torch.randint(n_train, (stage.batch,), generator=g).tolist()
            (ids, real, own), pos, seg = batch_of(data["train"], indices), None, None
        lr = lr_at(stage, step)
        for group in opt.param_groups:
            group["lr"] = lr
        loss, tokens = loss_of(model, ids, real, own, stage.loss, stage.user_weight, pos, seg)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, stage.clip)
        opt.step()
        running += float(loss)
        running_n += 1
        state["step"] += 1
        state["tokens"] += tokens
        if state["step"] % stage.eval_every == 0 or state["step"] == stage.steps:
            state["seconds"] = base_seconds + time.time() - started
            val_all, val_own = validate(model, data["val"])
            val = val_all if stage.loss == "all" else val_own
            with open(log_path, "a", newline="") as f:
                csv.DictWriter(f, fieldnames=fields).writerow({
                    "step": state["step"], "tokens": state["tokens"], "seconds": round(state["seconds"], 1),
                    "lr": f"{lr:.6g}", "train_loss": f"{running / running_n:.4f}", "val_loss": f"{val:.4f}",
                    "val_loss_all": f"{val_all:.4f}", "val_loss_assistant": f"{val_own:.4f}"})
            log(f"{stage.name} step {state['step']}/{stage.steps} train {running / running_n:.4f} "
                f"val {val:.4f} (all {val_all:.4f}, assistant {val_own:.4f}) lr {lr:.2e} "
                f"{state['tokens'] / max(1e-9, state['seconds']):.0f} tok/s, {state['seconds'] / 60:.1f} min")
            running, running_n = 0.0, 0
            if val < state["best"] - 1e-4:
                state["best"], state["bad"] = val, 0
                atomic_save({"model": model.state_dict(), "step": state["step"], "val": val},
                            os.path.join(out, "best.pt"))
            else:
                state["bad"] += 1
            stop = state["bad"] >= stage.patience
            if stop:
                log(f"{stage.name}: early stop, no improvement for {stage.patience} validations")
            state["done"] = stop or state["step"] >= stage.steps
            atomic_save({"model": model.state_dict(), "opt": opt.state_dict(), "state": state}, last)
            if stop:
                break
            if max_minutes and (time.time() - started) / 60 > max_minutes:
                log(f"{stage.name}: --max-minutes reached; run again to resume")
                return
    log(f"{stage.name}: finished at step {state['step']}, best val {state['best']:.4f}, "
        f"{state['seconds'] / 60:.1f} min")


def trained_model(stage_name):
    """The best checkpoint of a stage as a plain decoder (LoRA merged), dropout off."""
    stage = STAGES[stage_name]
    model = build_model(dataclasses.replace(stage, init_from=None), dropout=0.0)
    model.load_state_dict(torch.load(os.path.join(CACHE, stage_name, "best.pt"))["model"])
    return merge_lora(model).eval()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["default-model", "prepare", "pretrain", "sft", "export", "eval", "plot",
                                         "publish"])
    parser.add_argument("--max-minutes", type=float, default=0, help="stop a training stage after this long")
    parser.add_argument("--stage", default=EXPORTED, help="for eval/export: which stage's best.pt")
    parser.add_argument("--threads", type=int, default=1, help="1 is fastest on a busy 2-core machine")
    parser.add_argument("--smoke", action="store_true", help="tiny budget into .cache/default-model-smoke/")
    args = parser.parse_args(argv)
    if args.smoke:
        configure_smoke()
    torch.set_num_threads(args.threads)
    random.seed(SEED)
    what = args.what
    if what in ("prepare", "default-model") and not os.path.exists(os.path.join(CACHE, "data.pt")):
        prepare(args)
    if what in STAGES:
        train_stage(STAGES[what], args.max_minutes)
    if what == "default-model":
        for stage in STAGES:
            train_stage(STAGES[stage], 0)
    if what in ("plot", "default-model"):
        from .evaluate import plot
        plot()
    if what in ("export", "default-model"):
        from .evaluate import export
        export(args.stage)
    if what in ("eval", "default-model"):
        from .evaluate import evaluate_stages
        evaluate_stages([args.stage])
    if what == "default-model":
        from .evaluate import report_bars
        report_bars()
    if what == "publish":
        from .evaluate import publish
        return 0 if publish() else 1
    return 0


if __name__ == "__main__":  # run as llmtools.train, the module evaluate imports (one set of settings)
    from llmtools import train
    sys.exit(train.main())
