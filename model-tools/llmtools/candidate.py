"""The default model's candidate: its export as model folders under the run's cache, whether its scores meet
the bars, and its publication to ../models/ when they do.

  <cache>/models/chat-default        fp32, with the shared (in-place) KV cache (export_onnx(shared_kv=True)),
                                     with eval/test-conversations.jsonl (eval/scores.json and
                                     eval/pytorch-transcripts.jsonl once scored)
  <cache>/models/chat-default-fp16   the same weights stored as float16, with the growing KV cache (the
                                     shared-buffer export is float32 only)
"""

import json
import os
import shutil

import torch

from . import chatdata, tooluse
from .checkpoints import trained_model
from .chatml import EOT, IM_END, generation_config, tokenizer_config
from .config import EXPORTED, HERE, Run, log
from .encoder import load_tokenizer
from .export import write_model_folder
from .scoring import misses

# The prompts of the candidate's reference.json.
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


def export(run: Run, stage=None, fp16=True):
    """The stage's best weights as the candidate chat-default/ (fp32) and chat-default-fp16/ under the cache."""
    stage = stage or EXPORTED
    tok = load_tokenizer(run.path("tokenizer.json"))
    eos_ids = [tok.vocab[IM_END], tok.vocab[EOT]]
    prompts = [chatdata.render(c, add_generation_prompt=True) for c in REFERENCE_CONVERSATIONS]
    variants = [("chat-default", False)] + ([("chat-default-fp16", True)] if fp16 else [])
    for name, half in variants:
        model = trained_model(run, stage)
        if half:
            model.storage_dtype = torch.float16
            for p in model.parameters():
                p.data = p.data.half()
        out = os.path.join(run.models_dir, name)
        config = tokenizer_config(model.cfg.max_position_embeddings, tooluse.CHAT_TEMPLATE)
        write_model_folder(out, model, tok, config,
                           generation_config(eos_ids), "float16" if half else "float32", prompts, 40,
                           bos_id=None, eos_ids=eos_ids, shared_kv=not half)
        log(f"exported {stage} to {os.path.normpath(out)} "
            f"({os.path.getsize(os.path.join(out, 'onnx', 'model.onnx')):,} bytes of ONNX)")
    os.makedirs(os.path.join(run.model_dir, "eval"), exist_ok=True)
    with open(run.path("test-conversations.jsonl"), encoding="utf-8") as src, open(
            os.path.join(run.model_dir, "eval", "test-conversations.jsonl"), "w", encoding="utf-8") as dst:
        dst.write(src.read())


def candidate_misses(run: Run):
    """misses() of the candidate's scores, or None when it has none."""
    path = os.path.join(run.model_dir, "eval", "scores.json")
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as f:
        return misses(json.load(f))


def report_bars(run: Run):
    missed = candidate_misses(run)
    if missed is None:
        log("bars: the candidate has no scores")
    elif missed:
        log("bars: the candidate misses:\n  " + "\n  ".join(missed))
    else:
        log("bars: the candidate meets every bar; check it through the platform, then: llmtools.train publish")


def publish(run: Run):
    """Copies the candidate folders to ../models/ when the exported stage's scores meet every bar."""
    missed = candidate_misses(run)
    if run.published is None or missed is None:
        log("publish: nothing to publish (no scores, or a smoke run)")
        return False
    if missed:
        log("publish: the candidate misses the bars, ../models is unchanged:\n  " + "\n  ".join(missed))
        return False
    for name in ("chat-default", "chat-default-fp16"):
        dst = os.path.join(run.published, name)
        shutil.rmtree(dst, ignore_errors=True)
        shutil.copytree(os.path.join(run.models_dir, name), dst)
        log(f"publish: {os.path.normpath(dst)}")
    curve = run.path("loss-curve.png")
    if os.path.exists(curve):
        shutil.copyfile(curve, os.path.join(HERE, "docs", "loss-curve.png"))
    return True
