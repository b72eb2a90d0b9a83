"""Re-exports a model-tools decoder from its own ONNX graph with the current export code.

    /usr/bin/python3 -m llmtools.reexport ../models/chat-default

For a model whose PyTorch checkpoint is gone (checkpoints live in ignored folders) when the export improves:
the weights are read back from the fp32 graph that an earlier `export_onnx` wrote (torch.onnx names the
folded, transposed weights after their consumers, e.g. `/inner/layers.0/self_attn/MatMul` for q_proj), loaded
into `LlamaForCausalLM`, checked against the folder's `reference.json` (greedy ids exactly, first-step logits
within 1e-4, by PyTorch's full recomputation), and only then exported over `onnx/model.onnx`. Nothing else in
the folder changes.
"""

import argparse
import json
import os
import sys

import onnx
import torch
from onnx import numpy_helper

from .export import export_onnx, greedy_reference
from .llama import LlamaConfig, LlamaForCausalLM

# consumer node of each weight in the graph torch.onnx.export wrote before the lean export (per layer)
_LAYER_WEIGHTS = {
    "input_layernorm/Mul_1": "input_layernorm.weight",
    "self_attn/MatMul": "self_attn.q_proj.weight",
    "self_attn/MatMul_1": "self_attn.k_proj.weight",
    "self_attn/MatMul_2": "self_attn.v_proj.weight",
    "self_attn/MatMul_5": "self_attn.o_proj.weight",
    "post_attention_layernorm/Mul_1": "post_attention_layernorm.weight",
    "mlp/MatMul": "mlp.gate_proj.weight",
    "mlp/MatMul_1": "mlp.up_proj.weight",
    "mlp/MatMul_2": "mlp.down_proj.weight",
}


def config_of(model_dir) -> LlamaConfig:
    with open(os.path.join(model_dir, "config.json"), encoding="utf-8") as f:
        c = json.load(f)
    if c.get("torch_dtype", "float32") != "float32":
        raise SystemExit("only float32 graphs can be read back")
    return LlamaConfig(vocab_size=c["vocab_size"], hidden_size=c["hidden_size"],
                       intermediate_size=c["intermediate_size"], num_hidden_layers=c["num_hidden_layers"],
                       num_attention_heads=c["num_attention_heads"], num_key_value_heads=c["num_key_value_heads"],
                       max_position_embeddings=c["max_position_embeddings"], rms_norm_eps=c["rms_norm_eps"],
                       rope_theta=c["rope_theta"], tie_word_embeddings=c["tie_word_embeddings"])


def state_from_graph(graph, cfg: LlamaConfig) -> dict:
    """Parameter name -> tensor, from the initializers and the nodes that consume them."""
    weights = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in graph.initializer}
    consumer = {}
    for node in graph.node:
        for name in node.input:
            if name in weights:
                consumer.setdefault(name, node)
    state = {}
    for name, node in consumer.items():
        path = node.name.removeprefix("/inner/")
        w = weights[name]
        if node.op_type == "Gather" and w.dim() == 2:
            state["embed_tokens.weight"] = w
        elif path == "norm/Mul_1":
            state["norm.weight"] = w
        elif path == "MatMul" and not cfg.tie_word_embeddings:
            state["lm_head.weight"] = w.t()
        elif path.startswith("layers."):
            layer, rest = path[len("layers."):].split("/", 1)
            if rest in _LAYER_WEIGHTS:
                param = _LAYER_WEIGHTS[rest]
                state[f"layers.{layer}.{param}"] = w if param.endswith("layernorm.weight") else w.t()
    return state


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model_dir")
    args = parser.parse_args(argv)
    path = os.path.join(args.model_dir, "onnx", "model.onnx")
    cfg = config_of(args.model_dir)
    model = LlamaForCausalLM(cfg)
    state = state_from_graph(onnx.load(path).graph, cfg)
    expected = {k for k in model.state_dict()}
    if set(state) != expected:
        raise SystemExit(f"weights not found in the graph: {sorted(expected - set(state))}; "
                         f"unexpected: {sorted(set(state) - expected)}")
    model.load_state_dict(state)
    model.eval()
    with open(os.path.join(args.model_dir, "reference.json"), encoding="utf-8") as f:
        cases = json.load(f)["cases"]
    for case in cases:
        ids, logits, _ = greedy_reference(model, case["prompt_ids"], len(case["greedy_ids"]))
        diff = max(abs(a - b) for a, b in zip(logits, case["first_step_logits"]))
        if ids != case["greedy_ids"] or diff > 1e-4:
            raise SystemExit(f"the weights read back do not reproduce reference.json (ids equal: "
                             f"{ids == case['greedy_ids']}, max logit difference {diff:.2e}); nothing written")
        print(f"reference case of {len(case['prompt_ids'])} prompt tokens: ids equal, max logit difference {diff:.1e}")
    export_onnx(model, path)
    print(f"wrote {path} ({sum(p.numel() for p in model.parameters()):,} parameters)")


if __name__ == "__main__":
    sys.exit(main())
