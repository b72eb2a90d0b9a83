"""Low-rank adapters on the decoder's linear layers, and their merge back into plain weights."""

import math

import torch
from torch import nn

LORA_TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


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


def add_lora(model, rank, seed):
    """Freezes every parameter and wraps each target layer in a LoraLinear (A drawn from ``seed``, B zero)."""
    generator = torch.Generator().manual_seed(seed)
    for p in model.parameters():
        p.requires_grad_(False)
    for layer in model.layers:
        for parent in (layer.self_attn, layer.mlp):
            for name in LORA_TARGETS:
                if hasattr(parent, name):
                    setattr(parent, name, LoraLinear(getattr(parent, name), rank, 2.0 * rank, generator))


def merge_lora(model):
    """Replaces each LoraLinear with a plain linear layer holding its merged weight."""
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
