"""A test model in ONNX Runtime GenAI's layout, as its model builder lays out a GroupQueryAttention decoder.

    /usr/bin/python3 -m llmtools.genai_fixture [--out ../test-models]

writes test-models/tiny-llama-gqa-genai-shared-kv:

  genai_config.json   model.decoder names the graph, its inputs and outputs and the sizes; "search" says
                      "past_present_share_buffer": true, as the builder writes it for GroupQueryAttention
  model.onnx          inputs input_ids [batch, seq] and attention_mask [batch, total] (int64) and
                      past_key_values.N.key|value [batch, kv_heads, past, head_dim]; no position_ids: rotary
                      runs inside com.microsoft.GroupQueryAttention (do_rotary=1, cos/sin caches as
                      initializers), whose seqlens_k (each row's mask sum - 1) and total_sequence_length (the
                      mask's width) the graph derives from the attention mask, as the builder's graphs do;
                      logits [batch, seq, vocab] for every position; present.N.key|value
  tokenizer.json, tokenizer_config.json, special_tokens_map.json
  reference.json      greedy ids and first-step logits of model-tools' PyTorch Llama (llama.py, full
                      recomputation, no padding) on the same weights

and test-models/tiny-llama-gqa-genai-row-lengths, the same graph taking GroupQueryAttention's seqlens_k
[batch] and total_sequence_length (scalar), int32, as inputs instead of an attention mask (as some exports
for NPUs do; genai_config.json names them under model.decoder.inputs).

The weights are test-models/tiny-llama-gqa's (fixtures.FIXTURES, same seed), so the graph is written here with
onnx.helper, node by node, and checked against an implementation it shares no code with: the reference comes
from llama.py and must equal tiny-llama-gqa's reference.json. Same arguments, same files, byte for byte.
"""

import argparse
import json
import os
import sys

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper

from .chatml import EOT, IM_END, tokenizer_config
from .export import reference_cases, write_json
from .fixtures import CHAT_PROMPT, FIXTURES, REFERENCE_PROMPTS, build_tokenizer, make_model

NAME = "tiny-llama-gqa-genai-shared-kv"
ROW_LENGTHS_NAME = "tiny-llama-gqa-genai-row-lengths"
SOURCE = "tiny-llama-gqa"
NEW_TOKENS = 40


class _Graph:
    """Nodes and initializers, each output named after its node."""

    def __init__(self):
        self.nodes, self.initializers = [], []

    def const(self, name, array):
        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def op(self, op_type, inputs, name, outputs=1, domain=None, **attrs):
        outs = [name] if outputs == 1 else [f"{name}/output_{i}" for i in range(outputs)]
        self.nodes.append(helper.make_node(op_type, inputs, outs, name=name, domain=domain, **attrs))
        return outs[0] if outputs == 1 else outs

    def rms_norm(self, x, weight, eps, name):
        # x * 1 / sqrt(mean(x^2) + eps) * weight, as llama.RMSNorm
        square = self.op("Mul", [x, x], f"{name}/square")
        mean = self.op("ReduceMean", [square], f"{name}/mean", axes=[-1], keepdims=1)
        shifted = self.op("Add", [mean, self.const(f"{name}/eps", np.array(eps, np.float32))], f"{name}/add_eps")
        root = self.op("Sqrt", [shifted], f"{name}/sqrt")
        normed = self.op("Div", [x, root], f"{name}/div")
        return self.op("Mul", [normed, self.const(f"{name}/weight", weight)], f"{name}/scale")


def _weight(t):
    return t.detach().float().numpy()


def _lengths_from_mask(g):
    """What the builder's attention-mask subgraph makes for GroupQueryAttention: seqlens_k [batch] int32 = each
    row's mask sum - 1 (its last real position: rows are right-padded), total_sequence_length int32 scalar = the
    mask's width."""
    mask_sum = g.op("ReduceSum", ["attention_mask", g.const("/model/mask/axes", np.array([1], np.int64))],
                    "/model/mask/sum", keepdims=0)
    minus_one = g.op("Sub", [mask_sum, g.const("/model/mask/one", np.array(1, np.int64))], "/model/mask/sub")
    seqlens_k = g.op("Cast", [minus_one], "/model/mask/seqlens_k", to=TensorProto.INT32)
    mask_shape = g.op("Shape", ["attention_mask"], "/model/mask/shape")
    width = g.op("Gather", [mask_shape, g.const("/model/mask/width_index", np.array(1, np.int64))],
                 "/model/mask/width", axis=0)
    return seqlens_k, g.op("Cast", [width], "/model/mask/total_sequence_length", to=TensorProto.INT32)


def build_graph(model, row_lengths_as_inputs=False) -> onnx.ModelProto:
    """row_lengths_as_inputs: seqlens_k and total_sequence_length are graph inputs, and there is no mask."""
    cfg = model.cfg
    heads, kv_heads, d = cfg.num_attention_heads, cfg.num_key_value_heads, cfg.head_dim
    g = _Graph()
    embed = _weight(model.embed_tokens.weight)  # [vocab, hidden]
    x = g.op("Gather", [g.const("model.embed_tokens.weight", embed), "input_ids"], "/model/embed_tokens")

    if row_lengths_as_inputs:
        seqlens_k, total = "seqlens_k", "total_sequence_length"
    else:
        seqlens_k, total = _lengths_from_mask(g)

    # cos/sin caches [context, head_dim / 2] for GroupQueryAttention's rotary (not interleaved: the rotate-half
    # form of llama.Rotary)
    positions = torch.arange(cfg.max_position_embeddings, dtype=torch.float32).unsqueeze(1)
    freqs = (positions * model.rotary.inv_freq.unsqueeze(0)).numpy()
    cos = g.const("/model/rotary/cos_cache", np.cos(freqs).astype(np.float32))
    sin = g.const("/model/rotary/sin_cache", np.sin(freqs).astype(np.float32))

    for i, layer in enumerate(model.layers):
        p = f"/model/layers.{i}"
        attn = layer.self_attn
        h = g.rms_norm(x, _weight(layer.input_layernorm.weight), cfg.rms_norm_eps, f"{p}/input_layernorm")
        q = g.op("MatMul", [h, g.const(f"{p}/attn/q_proj.weight", _weight(attn.q_proj.weight).T)], f"{p}/attn/q_proj")
        k = g.op("MatMul", [h, g.const(f"{p}/attn/k_proj.weight", _weight(attn.k_proj.weight).T)], f"{p}/attn/k_proj")
        v = g.op("MatMul", [h, g.const(f"{p}/attn/v_proj.weight", _weight(attn.v_proj.weight).T)], f"{p}/attn/v_proj")
        out, present_k, present_v = g.op(
            "GroupQueryAttention",
            [q, k, v, f"past_key_values.{i}.key", f"past_key_values.{i}.value", seqlens_k, total, cos, sin],
            f"{p}/attn/GroupQueryAttention", outputs=3, domain="com.microsoft",
            num_heads=heads, kv_num_heads=kv_heads, do_rotary=1, rotary_interleaved=0)
        g.nodes[-1].output[1] = f"present.{i}.key"
        g.nodes[-1].output[2] = f"present.{i}.value"
        o = g.op("MatMul", [out, g.const(f"{p}/attn/o_proj.weight", _weight(attn.o_proj.weight).T)],
                 f"{p}/attn/o_proj")
        x = g.op("Add", [x, o], f"{p}/attn/residual")
        h = g.rms_norm(x, _weight(layer.post_attention_layernorm.weight), cfg.rms_norm_eps,
                       f"{p}/post_attention_layernorm")
        mlp = layer.mlp
        gate = g.op("MatMul", [h, g.const(f"{p}/mlp/gate_proj.weight", _weight(mlp.gate_proj.weight).T)],
                    f"{p}/mlp/gate_proj")
        up = g.op("MatMul", [h, g.const(f"{p}/mlp/up_proj.weight", _weight(mlp.up_proj.weight).T)],
                  f"{p}/mlp/up_proj")
        silu = g.op("Mul", [gate, g.op("Sigmoid", [gate], f"{p}/mlp/sigmoid")], f"{p}/mlp/silu")
        act = g.op("Mul", [silu, up], f"{p}/mlp/act")
        down = g.op("MatMul", [act, g.const(f"{p}/mlp/down_proj.weight", _weight(mlp.down_proj.weight).T)],
                    f"{p}/mlp/down_proj")
        x = g.op("Add", [x, down], f"{p}/mlp/residual")
    x = g.rms_norm(x, _weight(model.norm.weight), cfg.rms_norm_eps, "/model/norm")
    g.nodes.append(helper.make_node(
        "MatMul", [x, g.const("lm_head.weight", _weight(model.output_weight()).T)], ["logits"], name="/lm_head"))

    kv_past = ["batch_size", kv_heads, "past_sequence_length", d]
    kv_present = ["batch_size", kv_heads, "total_sequence_length", d]
    inputs = [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch_size", "sequence_length"])]
    if row_lengths_as_inputs:
        inputs += [helper.make_tensor_value_info("seqlens_k", TensorProto.INT32, ["batch_size"]),
                   helper.make_tensor_value_info("total_sequence_length", TensorProto.INT32, [])]
    else:
        inputs.append(helper.make_tensor_value_info("attention_mask", TensorProto.INT64,
                                                    ["batch_size", "total_sequence_length"]))
    outputs = [helper.make_tensor_value_info("logits", TensorProto.FLOAT,
                                             ["batch_size", "sequence_length", cfg.vocab_size])]
    for i in range(cfg.num_hidden_layers):
        for kind in ("key", "value"):
            inputs.append(helper.make_tensor_value_info(f"past_key_values.{i}.{kind}", TensorProto.FLOAT, kv_past))
            outputs.append(helper.make_tensor_value_info(f"present.{i}.{kind}", TensorProto.FLOAT, kv_present))
    graph = helper.make_graph(g.nodes, "main_graph", inputs, outputs, g.initializers)
    proto = helper.make_model(graph, opset_imports=[helper.make_operatorsetid("", 14),
                                                    helper.make_operatorsetid("com.microsoft", 1)],
                              ir_version=7, producer_name="llm-platform model-tools", producer_version="1")
    onnx.checker.check_model(proto)
    return proto


def genai_config(cfg, eos_ids, row_lengths_as_inputs) -> dict:
    """genai_config.json as ONNX Runtime GenAI's model builder writes it for a GroupQueryAttention decoder."""
    lengths = ({"seqlens_k": "seqlens_k", "total_sequence_length": "total_sequence_length"}
               if row_lengths_as_inputs else {"attention_mask": "attention_mask"})
    return {
        "model": {
            "bos_token_id": None,
            "context_length": cfg.max_position_embeddings,
            "decoder": {
                "session_options": {"log_id": "onnxruntime-genai", "provider_options": []},
                "filename": "model.onnx",
                "head_size": cfg.head_dim,
                "hidden_size": cfg.hidden_size,
                "inputs": {
                    "input_ids": "input_ids",
                    **lengths,
                    "past_key_names": "past_key_values.%d.key",
                    "past_value_names": "past_key_values.%d.value",
                },
                "outputs": {
                    "logits": "logits",
                    "present_key_names": "present.%d.key",
                    "present_value_names": "present.%d.value",
                },
                "num_attention_heads": cfg.num_attention_heads,
                "num_hidden_layers": cfg.num_hidden_layers,
                "num_key_value_heads": cfg.num_key_value_heads,
            },
            "eos_token_id": list(eos_ids),
            "pad_token_id": 0,
            "type": "llama",
            "vocab_size": cfg.vocab_size,
        },
        "search": {
            "do_sample": False,
            "max_length": cfg.max_position_embeddings,
            "num_beams": 1,
            "past_present_share_buffer": True,
            "repetition_penalty": 1.0,
            "temperature": 1.0,
            "top_p": 1.0,
        },
    }


def write(out_root, name, row_lengths_as_inputs):
    cfg, seed, fp16 = FIXTURES[SOURCE]
    torch.manual_seed(seed)
    tokenizer = build_tokenizer(cfg.vocab_size)
    model = make_model(cfg, seed, fp16)
    eos_ids = [tokenizer.vocab[IM_END], tokenizer.vocab[EOT]]
    out = os.path.join(out_root, name)
    os.makedirs(out, exist_ok=True)
    onnx.save(build_graph(model, row_lengths_as_inputs), os.path.join(out, "model.onnx"))
    write_json(os.path.join(out, "genai_config.json"), genai_config(cfg, eos_ids, row_lengths_as_inputs))
    tokenizer.save(os.path.join(out, "tokenizer.json"))
    tok_config = tokenizer_config(cfg.max_position_embeddings)
    write_json(os.path.join(out, "tokenizer_config.json"), tok_config)
    write_json(os.path.join(out, "special_tokens_map.json"), {
        k: tok_config[k] for k in ("bos_token", "eos_token", "pad_token", "unk_token")
        if tok_config.get(k) is not None})
    cases = reference_cases(model, tokenizer, REFERENCE_PROMPTS + [CHAT_PROMPT], NEW_TOKENS)
    source = os.path.join(out_root, SOURCE, "reference.json")
    if os.path.isfile(source):
        expected = [c["greedy_ids"] for c in json.load(open(source))["cases"]]
        if expected != [c["greedy_ids"] for c in cases]:
            raise SystemExit(f"{name}: the reference differs from {source}: not {SOURCE}'s weights")
    write_json(os.path.join(out, "reference.json"), {
        "generator": f"model-tools (PyTorch {torch.__version__.split('+')[0].split('a')[0]}), llama.py greedy by "
                     f"full recomputation on {SOURCE}'s weights, float32, CPU",
        "cases": cases,
    })
    print(f"wrote {out} ({sum(p.numel() for p in model.parameters()):,} parameters, GenAI layout)")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", help="output folder (default ../test-models)")
    args = parser.parse_args(argv)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = args.out or os.path.join(here, "..", "test-models")
    write(out, NAME, False)
    write(out, ROW_LENGTHS_NAME, True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
