"""Re-exports a model-tools decoder from its own ONNX graph with the current export code.

    /usr/bin/python3 -m llmtools.reexport ../models/chat-default

For a model whose PyTorch checkpoint is gone (checkpoints live in ignored folders) when the export improves:
the weights are read back from the fp32 graph that an earlier `export_onnx` wrote (torch.onnx names the
folded, transposed weights after their consumers, e.g. `/inner/layers.0/self_attn/MatMul` for q_proj), loaded
into `LlamaForCausalLM`, checked against the folder's `reference.json` (greedy ids exactly, first-step logits
within 1e-4, by PyTorch's full recomputation), and only then exported over `onnx/model.onnx`.

The graph is written with the shared (in-place) KV cache by default: attention as ONNX Runtime's
GroupQueryAttention, config.json's "past_present_share_buffer" set to true (`export_onnx(shared_kv=True)`);
`--no-shared-kv` writes the growing past/present graph and removes that key. Either kind of graph is read back.
Nothing else in the folder changes.
"""

import argparse
import json
import os
import sys

import onnx
import torch
from onnx import numpy_helper

from .export import export_onnx, greedy_reference, write_json
from .llama import LlamaConfig, LlamaForCausalLM

# consumer node of each weight, per layer, in the graphs torch.onnx.export writes: the first export (one product
# per projection), the lean one (q/k/v and gate/up fused into one product each, split again below) and the lean
# one with the shared KV cache (GroupQueryAttention does the two attention products, so o_proj is MatMul_1); the
# node names overlap (mlp/MatMul_1 is up_proj in the first, down_proj in the lean graph), so shapes decide, and
# where they cannot (self_attn/MatMul_1 [hidden, hidden]: k_proj of the first export with as many kv heads as
# heads, o_proj of the shared one) whether the graph has GroupQueryAttention does
_NORMS = {"input_layernorm/Mul_1": "input_layernorm.weight",
          "post_attention_layernorm/Mul_1": "post_attention_layernorm.weight"}


def _layer_weights(rest: str, w, cfg: LlamaConfig, shared_kv: bool) -> dict:
    """The parameters (name within the layer -> tensor) that the layer node `rest` consumes as `w`; shared_kv:
    the graph's attention is GroupQueryAttention."""
    if rest in _NORMS:
        return {_NORMS[rest]: w}
    if w.dim() != 2:
        return {}
    q, kv = cfg.hidden_size, cfg.num_key_value_heads * cfg.head_dim
    rows, cols = w.shape  # a MatMul's right-hand side: [in, out], the transpose of nn.Linear's weight
    t = w.t().contiguous()
    if rest == "self_attn/MatMul" and cols == q + 2 * kv:  # lean: q, k and v in one product
        return {"self_attn.q_proj.weight": t[:q], "self_attn.k_proj.weight": t[q:q + kv],
                "self_attn.v_proj.weight": t[q + kv:]}
    if rest == "mlp/MatMul" and cols == 2 * cfg.intermediate_size:  # lean: gate and up in one product
        return {"mlp.gate_proj.weight": t[:cfg.intermediate_size], "mlp.up_proj.weight": t[cfg.intermediate_size:]}
    names = {"self_attn/MatMul": "self_attn.q_proj.weight", "self_attn/MatMul_1": "self_attn.k_proj.weight",
             "self_attn/MatMul_2": "self_attn.v_proj.weight", "mlp/MatMul": "mlp.gate_proj.weight",
             "mlp/MatMul_2": "mlp.down_proj.weight"}
    o_proj = ("self_attn/MatMul_1",) if shared_kv else ("self_attn/MatMul_3", "self_attn/MatMul_5")  # lean, first
    if rest in o_proj and rows == cols == q:
        return {"self_attn.o_proj.weight": t}
    if rest == "mlp/MatMul_1":  # up_proj [hidden -> intermediate] in the first export, down_proj in the lean one
        return {"mlp.up_proj.weight" if cols == cfg.intermediate_size else "mlp.down_proj.weight": t}
    return {names[rest]: t} if rest in names else {}


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
    """Parameter name -> tensor, from the initializers and the nodes that consume them.

    The exporter stores equal tensors once (e.g. norms still all ones) and feeds the other consumers through
    Identity nodes: an Identity's output stands for its initializer.
    """
    weights = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in graph.initializer}
    shared_kv = any(node.op_type == "GroupQueryAttention" for node in graph.node)
    for node in graph.node:
        if node.op_type == "Identity" and node.input[0] in weights:
            weights[node.output[0]] = weights[node.input[0]]
    state = {}
    for node in graph.node:
        path = node.name.removeprefix("/inner/")
        for name in node.input:
            if name not in weights:
                continue
            w = weights[name]
            if node.op_type == "Gather" and w.dim() == 2:
                state["embed_tokens.weight"] = w
            elif path == "norm/Mul_1":
                state["norm.weight"] = w
            elif path == "MatMul" and not cfg.tie_word_embeddings:
                state["lm_head.weight"] = w.t().contiguous()
            elif path.startswith("layers."):
                layer, rest = path[len("layers."):].split("/", 1)
                for param, tensor in _layer_weights(rest, w, cfg, shared_kv).items():
                    state[f"layers.{layer}.{param}"] = tensor
    return state


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model_dir")
    parser.add_argument("--shared-kv", action=argparse.BooleanOptionalAction, default=True,
                        help="attention as GroupQueryAttention over one past/present buffer updated in place "
                             "(config.json: past_present_share_buffer); --no-shared-kv: the growing past/present")
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
    export_onnx(model, path, shared_kv=args.shared_kv)
    set_shared_kv(args.model_dir, args.shared_kv)
    print(f"wrote {path} ({sum(p.numel() for p in model.parameters()):,} parameters, "
          f"{'shared' if args.shared_kv else 'growing'} KV cache)")


def set_shared_kv(model_dir, shared_kv: bool):
    """config.json's "past_present_share_buffer": true for a shared-buffer graph, absent otherwise; other keys
    keep their order and values."""
    path = os.path.join(model_dir, "config.json")
    with open(path, encoding="utf-8") as f:
        config = json.load(f)
    config.pop("past_present_share_buffer", None)
    if shared_kv:
        config["past_present_share_buffer"] = True
    write_json(path, config)


if __name__ == "__main__":
    sys.exit(main())
