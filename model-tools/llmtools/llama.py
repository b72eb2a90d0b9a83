"""A Llama-architecture decoder in plain PyTorch.

RMSNorm, rotary position embeddings (rotate-half form, as in Hugging Face's LlamaModel), SwiGLU MLP,
grouped-query attention (kv_heads <= heads) and tied or untied embeddings.

The forward pass takes and returns the tensors of the Hugging Face / optimum decoder layout, so that it
exports to ONNX as is:
  input_ids       [batch, seq]                 int64
  attention_mask  [batch, past_len + seq]      int64 (1 = attend, 0 = padding)
  position_ids    [batch, seq]                 int64
  past (k, v)     [batch, kv_heads, past_len, head_dim] per layer
returns logits [batch, seq, vocab] and present (k, v) [batch, kv_heads, past_len + seq, head_dim].

With ``storage_dtype=torch.float16`` the weights, the KV cache and the logits are float16 at the
boundary while the arithmetic runs in float32 (PyTorch 1.13 has no float16 matmul on CPU): the exported
graph holds float16 initializers and casts them up where they are used.
"""

import dataclasses
import json
import math

import torch
from torch import nn


@dataclasses.dataclass(frozen=True)
class LlamaConfig:
    vocab_size: int = 384
    hidden_size: int = 64
    intermediate_size: int = 128
    num_hidden_layers: int = 2
    num_attention_heads: int = 4
    num_key_value_heads: int = 2
    max_position_embeddings: int = 512
    rms_norm_eps: float = 1e-5
    rope_theta: float = 10000.0
    tie_word_embeddings: bool = True
    init_std: float = 0.02
    dropout: float = 0.0

    def __post_init__(self):
        if self.hidden_size % self.num_attention_heads:
            raise ValueError("hidden_size must be a multiple of num_attention_heads")
        if self.num_attention_heads % self.num_key_value_heads:
            raise ValueError("num_attention_heads must be a multiple of num_key_value_heads")

    @property
    def head_dim(self) -> int:
        return self.hidden_size // self.num_attention_heads

    def hf_config(self, dtype: str, bos_id: int, eos_ids) -> dict:
        """config.json as transformers writes it for LlamaForCausalLM."""
        eos = eos_ids[0] if len(eos_ids) == 1 else list(eos_ids)
        return {
            "architectures": ["LlamaForCausalLM"],
            "model_type": "llama",
            "hidden_size": self.hidden_size,
            "intermediate_size": self.intermediate_size,
            "num_hidden_layers": self.num_hidden_layers,
            "num_attention_heads": self.num_attention_heads,
            "num_key_value_heads": self.num_key_value_heads,
            "head_dim": self.head_dim,
            "vocab_size": self.vocab_size,
            "max_position_embeddings": self.max_position_embeddings,
            "rms_norm_eps": self.rms_norm_eps,
            "rope_theta": self.rope_theta,
            "hidden_act": "silu",
            "tie_word_embeddings": self.tie_word_embeddings,
            "attention_bias": False,
            "bos_token_id": bos_id,
            "eos_token_id": eos,
            "torch_dtype": dtype,
            "use_cache": True,
        }

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), indent=2, sort_keys=True)


class RMSNorm(nn.Module):
    def __init__(self, size: int, eps: float):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(size))
        self.eps = eps

    def forward(self, x):
        variance = x.pow(2).mean(-1, keepdim=True)
        return x * torch.rsqrt(variance + self.eps) * self.weight.float()


def rotate_half(x, half: int):
    """(x1, x2) -> (-x2, x1) over the last axis; ``half`` is a Python int, so the export slices at constants."""
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


class _Reshape(torch.autograd.Function):
    """``x.reshape(x.shape[:keep] + tail)``, exported as one Reshape with a constant shape (0 keeps a dim).

    Written as ``view(b, s, ...)`` the exporter computes every dynamic size at run time (Shape, Gather,
    Unsqueeze, Concat per reshape): hundreds of tiny nodes per decode step, whose dispatch cost rivals the
    matrix products of a small model. ``tail`` may hold one -1.
    """

    @staticmethod
    def forward(ctx, x, keep: int, tail):
        ctx.shape = x.shape
        return x.reshape(*x.shape[:keep], *tail)

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.shape), None, None

    @staticmethod
    def symbolic(g, x, keep: int, tail):
        shape = [0] * keep + list(tail)
        if -1 not in shape:
            shape[keep - 1] = -1  # torch 1.13's export asserts on a shape with 0s and no -1
        return g.op("Reshape", x, g.op("Constant", value_t=torch.tensor(shape, dtype=torch.int64)))


class _GroupQueryAttention(torch.autograd.Function):
    """Attention with the KV cache, exported as ONNX Runtime's ``com.microsoft.GroupQueryAttention``.

    q [batch, seq, heads * d], k and v [batch, seq, kv_heads * d] (rotary applied), past [batch, kv_heads, past, d],
    seqlens_k [batch] int32 (each row's total length - 1), total int32 scalar (the longest row's total); returns
    the attention output [batch, seq, heads * d] and the presents. In ONNX Runtime each row attends to its own
    total length only, and where the past and present are one buffer (bound to the same memory, sized for the
    whole context) the new keys and values are written into it at each row's length: the cache is updated in
    place instead of copied into a new present every step. Rows are right-padded: row b's tokens sit at
    0..seqlens_k[b]. ``forward`` is the same attention for the rows without padding that the exporter traces.
    """

    @staticmethod
    def forward(ctx, q, k, v, past_k, past_v, seqlens_k, total, heads: int, kv_heads: int):
        b, s, _ = q.shape
        d = past_k.shape[3]
        present_k = torch.cat((past_k, k.reshape(b, s, kv_heads, d).transpose(1, 2)), dim=2)
        present_v = torch.cat((past_v, v.reshape(b, s, kv_heads, d).transpose(1, 2)), dim=2)
        groups = heads // kv_heads
        qh = q.reshape(b, s, heads, d).transpose(1, 2)
        kh = present_k.repeat_interleave(groups, dim=1)
        vh = present_v.repeat_interleave(groups, dim=1)
        t = present_k.shape[2]
        causal = torch.arange(t).unsqueeze(0) <= torch.arange(s).unsqueeze(1) + (t - s)
        scores = torch.matmul(qh, kh.transpose(2, 3)) / math.sqrt(d) + (~causal).float() * -1e9
        out = torch.matmul(torch.softmax(scores, dim=-1), vh)
        return out.transpose(1, 2).reshape(b, s, heads * d), present_k, present_v

    @staticmethod
    def symbolic(g, q, k, v, past_k, past_v, seqlens_k, total, heads: int, kv_heads: int):
        return g.op("com.microsoft::GroupQueryAttention", q, k, v, past_k, past_v, seqlens_k, total,
                    num_heads_i=heads, kv_num_heads_i=kv_heads, outputs=3)


class _Width(torch.autograd.Function):
    """``x.shape[1]`` as an int32 scalar, exported as Shape -> Gather -> Cast (traced, it would be a constant)."""

    @staticmethod
    def forward(ctx, x):
        return torch.tensor(x.shape[1], dtype=torch.int32)

    @staticmethod
    def symbolic(g, x):
        dim = g.op("Gather", g.op("Shape", x), g.op("Constant", value_t=torch.tensor(1, dtype=torch.int64)), axis_i=0)
        return g.op("Cast", dim, to_i=6)  # TensorProto.INT32


@dataclasses.dataclass(frozen=True)
class SharedKvInputs:
    """What GroupQueryAttention takes instead of an additive mask: seqlens_k [batch] and total, int32."""
    seqlens_k: torch.Tensor
    total: torch.Tensor


def _reshape(x, keep: int, *tail):
    if torch.onnx.is_in_onnx_export():
        return _Reshape.apply(x, keep, tail)
    return x.reshape(*x.shape[:keep], *tail)


class Rotary(nn.Module):
    def __init__(self, head_dim: int, theta: float):
        super().__init__()
        inv_freq = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.float32) / head_dim))
        self.register_buffer("inv_freq", inv_freq, persistent=False)

    def forward(self, position_ids):
        # [batch, seq, head_dim / 2]
        freqs = position_ids.float().unsqueeze(-1) * self.inv_freq
        emb = torch.cat((freqs, freqs), dim=-1)
        # [batch, 1, seq, head_dim]
        return emb.cos().unsqueeze(1), emb.sin().unsqueeze(1)


class Attention(nn.Module):
    def __init__(self, cfg: LlamaConfig):
        super().__init__()
        self.heads = cfg.num_attention_heads
        self.kv_heads = cfg.num_key_value_heads
        self.head_dim = cfg.head_dim
        self.q_proj = nn.Linear(cfg.hidden_size, self.heads * self.head_dim, bias=False)
        self.k_proj = nn.Linear(cfg.hidden_size, self.kv_heads * self.head_dim, bias=False)
        self.v_proj = nn.Linear(cfg.hidden_size, self.kv_heads * self.head_dim, bias=False)
        self.o_proj = nn.Linear(self.heads * self.head_dim, cfg.hidden_size, bias=False)
        self.dropout = nn.Dropout(cfg.dropout)

    def forward(self, x, cos, sin, mask_bias, past_k, past_v, storage_dtype):
        """mask_bias: [batch, 1, groups * seq, total] (see LlamaForCausalLM.forward)."""
        heads, kv_heads, d = self.heads, self.kv_heads, self.head_dim
        groups = heads // kv_heads
        # one matrix product for q, k and v (the exporter folds the concatenated weight into a constant)
        w = _as(torch.cat((self.q_proj.weight, self.k_proj.weight, self.v_proj.weight)), torch.float32)
        q, k, v = torch.nn.functional.linear(x, w).split((heads * d, kv_heads * d, kv_heads * d), dim=-1)
        q = _reshape(q, 2, heads, d).transpose(1, 2)
        k = _reshape(k, 2, kv_heads, d).transpose(1, 2)
        v = _reshape(v, 2, kv_heads, d).transpose(1, 2)
        q = q * cos + rotate_half(q, d // 2) * sin
        k = k * cos + rotate_half(k, d // 2) * sin
        if isinstance(mask_bias, SharedKvInputs):
            out, present_k, present_v = _GroupQueryAttention.apply(
                _reshape(q.transpose(1, 2), 2, heads * d), _reshape(k.transpose(1, 2), 2, kv_heads * d),
                _reshape(v.transpose(1, 2), 2, kv_heads * d), past_k, past_v, mask_bias.seqlens_k,
                mask_bias.total, heads, kv_heads)
            return _linear(out, self.o_proj), present_k, present_v
        # present: [batch, kv_heads, past_len + seq, head_dim], in the storage dtype
        present_k = torch.cat((past_k, _as(k, storage_dtype)), dim=2)
        present_v = torch.cat((past_v, _as(v, storage_dtype)), dim=2)
        k_all = _as(present_k, torch.float32)
        v_all = _as(present_v, torch.float32)
        # Grouped-query attention without repeating the kv heads: the `groups` query heads that share a kv
        # head become rows of one product, [batch, kv_heads, groups * seq, head_dim] x [.., head_dim, total].
        # Head h = kv * groups + g, as Hugging Face's repeat_kv pairs them.
        q = _reshape(q, 1, kv_heads, -1, d)
        scores = torch.matmul(q, k_all.transpose(2, 3)) / math.sqrt(d) + mask_bias
        probs = self.dropout(torch.softmax(scores, dim=-1))
        out = _reshape(torch.matmul(probs, v_all), 1, heads, -1, d).transpose(1, 2)
        return _linear(_reshape(out, 2, heads * d), self.o_proj), present_k, present_v


def _as(x, dtype):
    """x in dtype; no Cast node when it already is (a no-op Cast still copies the tensor in ONNX Runtime)."""
    return x if x.dtype == dtype else x.to(dtype)


class Mlp(nn.Module):
    def __init__(self, cfg: LlamaConfig):
        super().__init__()
        self.gate_proj = nn.Linear(cfg.hidden_size, cfg.intermediate_size, bias=False)
        self.up_proj = nn.Linear(cfg.hidden_size, cfg.intermediate_size, bias=False)
        self.down_proj = nn.Linear(cfg.intermediate_size, cfg.hidden_size, bias=False)

    def forward(self, x):
        # gate and up in one matrix product
        w = _as(torch.cat((self.gate_proj.weight, self.up_proj.weight)), torch.float32)
        gate, up = torch.nn.functional.linear(x, w).chunk(2, dim=-1)
        return _linear(gate * torch.sigmoid(gate) * up, self.down_proj)


class Block(nn.Module):
    def __init__(self, cfg: LlamaConfig):
        super().__init__()
        self.input_layernorm = RMSNorm(cfg.hidden_size, cfg.rms_norm_eps)
        self.self_attn = Attention(cfg)
        self.post_attention_layernorm = RMSNorm(cfg.hidden_size, cfg.rms_norm_eps)
        self.mlp = Mlp(cfg)
        self.dropout = nn.Dropout(cfg.dropout)

    def forward(self, x, cos, sin, mask_bias, past_k, past_v, storage_dtype):
        attn, pk, pv = self.self_attn(
            self.input_layernorm(x), cos, sin, mask_bias, past_k, past_v, storage_dtype)
        x = x + self.dropout(attn)
        x = x + self.dropout(self.mlp(self.post_attention_layernorm(x)))
        return x, pk, pv


def _linear(x, layer: nn.Linear):
    return torch.nn.functional.linear(x, _as(layer.weight, torch.float32))


class LlamaForCausalLM(nn.Module):
    def __init__(self, cfg: LlamaConfig, storage_dtype=torch.float32):
        super().__init__()
        self.cfg = cfg
        self.storage_dtype = storage_dtype
        self.embed_tokens = nn.Embedding(cfg.vocab_size, cfg.hidden_size)
        self.layers = nn.ModuleList(Block(cfg) for _ in range(cfg.num_hidden_layers))
        self.norm = RMSNorm(cfg.hidden_size, cfg.rms_norm_eps)
        self.lm_head = None if cfg.tie_word_embeddings else nn.Linear(
            cfg.hidden_size, cfg.vocab_size, bias=False)
        self.rotary = Rotary(cfg.head_dim, cfg.rope_theta)
        self.dropout = nn.Dropout(cfg.dropout)
        # set by export_onnx(shared_kv=True) while it traces: attention as GroupQueryAttention
        self.shared_kv_export = False

    def init_weights(self, generator: torch.Generator):
        """Normal(0, init_std) for matrices, ones for norms; output projections scaled by depth (GPT-2)."""
        for name, p in self.named_parameters():
            if p.dim() == 1:
                nn.init.ones_(p)
                continue
            std = self.cfg.init_std
            if name.endswith("o_proj.weight") or name.endswith("down_proj.weight"):
                std = std / math.sqrt(2 * self.cfg.num_hidden_layers)
            with torch.no_grad():
                p.copy_(torch.randn(p.shape, generator=generator) * std)

    def output_weight(self):
        return self.embed_tokens.weight if self.lm_head is None else self.lm_head.weight

    def forward(self, input_ids, attention_mask, position_ids, past, segment_ids=None, last_logits=False):
        """past: a flat list [k0, v0, k1, v1, ...]; returns (logits, flat list of presents).

        segment_ids [batch, seq] (training only, no past): several sequences packed in one row; a token attends
        only to earlier tokens of its own segment (0 = padding). Not part of the exported graph.
        last_logits: logits [batch, 1, vocab] of the last position only (the exported graph: generation needs
        no other, and the output projection of every prompt position is a large share of a prefill's work)."""
        b, s = input_ids.shape
        past_len = past[0].shape[2]
        x = self.dropout(self.embed_tokens.weight.float()[input_ids])
        cos, sin = self.rotary(position_ids)
        groups = self.cfg.num_attention_heads // self.cfg.num_key_value_heads
        if self.shared_kv_export:
            # ONNX Runtime's GroupQueryAttention: lengths instead of a mask (right-padded rows)
            mask_bias = SharedKvInputs((attention_mask.sum(dim=1) - 1).to(torch.int32), _Width.apply(attention_mask))
            groups = 1
        elif segment_ids is None:
            mask_bias = _mask_bias(attention_mask, s, past_len)
        else:
            mask_bias = _segment_mask_bias(segment_ids)
        if groups > 1:
            # rows g * seq + i of a kv head's grouped scores belong to query position i
            mask_bias = mask_bias.repeat(1, 1, groups, 1)
        presents = []
        for i, layer in enumerate(self.layers):
            x, pk, pv = layer(x, cos, sin, mask_bias, past[2 * i], past[2 * i + 1], self.storage_dtype)
            presents += [pk, pv]
        if last_logits:
            x = x[:, -1:, :]
        x = self.norm(x)
        logits = torch.matmul(x, _as(self.output_weight(), torch.float32).t())
        return _as(logits, self.storage_dtype), presents

    def empty_past(self, batch: int):
        shape = (batch, self.cfg.num_key_value_heads, 0, self.cfg.head_dim)
        return [torch.zeros(shape, dtype=self.storage_dtype) for _ in range(2 * self.cfg.num_hidden_layers)]


def _mask_bias(attention_mask, seq: int, past_len):
    """Additive bias [batch, 1, seq, past_len + seq]: 0 where a query may attend, a large negative elsewhere.

    Query i sits at cache index past_len + i and sees keys 0..past_len + i that the mask marks as real.
    """
    total = attention_mask.shape[1]
    q_index = torch.arange(seq, device=attention_mask.device).unsqueeze(1) + past_len
    k_index = torch.arange(total, device=attention_mask.device).unsqueeze(0)
    causal = k_index <= q_index  # [seq, total]
    allowed = causal.unsqueeze(0) & attention_mask.bool().unsqueeze(1)  # [batch, seq, total]
    bias = (~allowed).float() * torch.tensor(-1e9)
    return bias.unsqueeze(1)


def _segment_mask_bias(segment_ids):
    """Additive bias [batch, 1, seq, seq] for packed rows: causal, and only within a segment."""
    s = segment_ids.shape[1]
    causal = torch.ones((s, s), dtype=torch.bool, device=segment_ids.device).tril()
    same = segment_ids.unsqueeze(2) == segment_ids.unsqueeze(1)  # [batch, seq, seq]
    bias = (~(same & causal)).float() * torch.tensor(-1e9)
    return bias.unsqueeze(1)
