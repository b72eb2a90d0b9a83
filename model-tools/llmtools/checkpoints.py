"""The default model's decoder, built fresh for a stage (from the stage it starts from) or read back from a
stage's best checkpoint (``<cache>/<stage>/best.pt``)."""

import dataclasses

import torch

from .config import MODEL_SHAPE, SEED, Run, Stage
from .llama import LlamaConfig, LlamaForCausalLM
from .lora import add_lora, merge_lora

MODEL = LlamaConfig(**MODEL_SHAPE)


def build_model(run: Run, stage: Stage, dropout=None):
    """The decoder a stage trains: seeded initial weights, or its ``init_from`` stage's best (adapters merged),
    with the stage's own adapters added when it has a LoRA rank."""
    cfg = MODEL if dropout is None else dataclasses.replace(MODEL, dropout=dropout)
    model = LlamaForCausalLM(cfg)
    model.init_weights(torch.Generator().manual_seed(SEED))
    if stage.init_from:
        src = run.path(stage.init_from, "best.pt")
        rank = run.stages[stage.init_from].lora_rank
        if rank:  # start from the source stage's weights with its adapters merged
            add_lora(model, rank, SEED)
        model.load_state_dict(torch.load(src)["model"])
        if rank:
            merge_lora(model)
            for p in model.parameters():
                p.requires_grad_(True)
    if stage.lora_rank:
        add_lora(model, stage.lora_rank, SEED)
    return model


def trained_model(run: Run, stage_name):
    """The best checkpoint of a stage as a plain decoder (LoRA merged), dropout off."""
    stage = run.stages[stage_name]
    model = build_model(run, dataclasses.replace(stage, init_from=None), dropout=0.0)
    model.load_state_dict(torch.load(run.path(stage_name, "best.pt"))["model"])
    return merge_lora(model).eval()

