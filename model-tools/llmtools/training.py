"""The training stages: each trains the decoder on the prepared data and checkpoints as it goes.

Each stage checkpoints to ``<stage>/last.pt`` at every validation (atomically), keeps ``<stage>/best.pt``
(lowest validation loss), appends to ``<stage>/log.csv`` and stops early after ``patience`` validations
without improvement. Killing a stage and starting it again continues from the last checkpoint with the same
batches (batch ``i`` is drawn from a generator seeded with ``i``). ``plot`` draws every stage's log.

  pretrain   next-token prediction on every token of the training conversations (system prompts with the
             tool definitions, user turns and tool results weigh ``user_weight``); all parameters
  sft        loss on the assistant's tokens only (its answers and calls), all parameters; exported
"""

import csv
import dataclasses
import json
import math
import os
import time

import torch
from torch import nn

from .checkpoints import MODEL, build_model
from .config import SEED, Run, Stage, log
from .dataset import batch_of, packed_batch_of


def lr_at(stage: Stage, step: int):
    if step < stage.warmup:
        return stage.lr * (step + 1) / stage.warmup
    progress = min(1.0, (step - stage.warmup) / max(1, stage.steps - stage.warmup))
    return stage.lr * (stage.min_lr_frac + (1 - stage.min_lr_frac) * 0.5 * (1 + math.cos(math.pi * progress)))


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



@torch.no_grad()
def validate(model, data, limit, batch=32):
    """Validation loss over every token and over the assistant's tokens only, in one pass, on the first
    ``limit`` conversations."""
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


def train_stage(run: Run, stage: Stage, max_minutes: float):
    """Trains a stage to its last step or early stop (or for ``max_minutes``), resuming from its last.pt."""
    out = run.path(stage.name)
    os.makedirs(out, exist_ok=True)
    data = torch.load(run.path(stage.data))
    model = build_model(run, stage)
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
            val_all, val_own = validate(model, data["val"], run.val_used)
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


def plot(run: Run, out=None):
    """Training and validation loss of every stage against tokens seen (SFT stages start where
    pre-training ended). Needs matplotlib (Debian: python3-matplotlib); skipped with a note otherwise."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        log("plot: matplotlib is not installed (apt-get install python3-matplotlib); no PNG written")
        return
    out = out or run.path("loss-curve.png")  # publish copies it to docs/loss-curve.png
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    offset = 0
    ends = {}
    for stage, colour in (("pretrain", "tab:blue"), ("sft", "tab:green")):
        path = run.path(stage, "log.csv")
        if not os.path.exists(path):
            continue
        with open(path) as f:
            rows = list(csv.DictReader(f))
        if not rows:
            continue
        start = 0 if stage == "pretrain" else ends.get(run.stages[stage].init_from, offset)
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
