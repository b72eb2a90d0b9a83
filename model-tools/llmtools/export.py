"""Writes a model folder laid out like one from the Hugging Face hub, and its reference outputs.

  <dir>/onnx/model.onnx          inputs input_ids, attention_mask, position_ids, past_key_values.{i}.key|value
                                 outputs logits (last position: [batch, 1, vocab]), present.{i}.key|value;
                                 dynamic batch, sequence and past axes
  <dir>/config.json, generation_config.json, tokenizer.json, tokenizer_config.json, special_tokens_map.json
  <dir>/reference.json           PyTorch greedy ids and first-step logits for fixed prompts
"""

import json
import os

import onnx
import torch

from .llama import LlamaForCausalLM

OPSET = 14


def write_json(path, obj):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False, indent=2)
        f.write("\n")


def export_onnx(model: LlamaForCausalLM, path: str, shared_kv: bool = False):
    """torch.onnx.export with the optimum names; the result is checked with onnx.checker.

    shared_kv: attention as ONNX Runtime's GroupQueryAttention (com.microsoft), whose past and present may be one
    buffer sized for the whole context, updated in place; rows are right-padded (config.json then says
    "past_present_share_buffer": true, ONNX Runtime GenAI's name for it). float32 only.
    """
    if shared_kv and model.storage_dtype != torch.float32:
        raise ValueError("the shared-buffer export is float32 only")
    cfg = model.cfg
    layers = cfg.num_hidden_layers
    past_names, present_names = [], []
    for i in range(layers):
        past_names += [f"past_key_values.{i}.key", f"past_key_values.{i}.value"]
        present_names += [f"present.{i}.key", f"present.{i}.value"]
    batch, seq, past_len = 2, 3, 4
    input_ids = torch.zeros((batch, seq), dtype=torch.int64)
    attention_mask = torch.ones((batch, past_len + seq), dtype=torch.int64)
    position_ids = torch.arange(past_len, past_len + seq, dtype=torch.int64).unsqueeze(0).repeat(batch, 1)
    past = [torch.zeros((batch, cfg.num_key_value_heads, past_len, cfg.head_dim), dtype=model.storage_dtype)
            for _ in range(2 * layers)]

    class Wrapper(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, position_ids, *past):
            logits, presents = self.inner(input_ids, attention_mask, position_ids, list(past), last_logits=True)
            return (logits, *presents)

    dynamic = {
        "input_ids": {0: "batch_size", 1: "sequence_length"},
        "attention_mask": {0: "batch_size", 1: "total_sequence_length"},
        "position_ids": {0: "batch_size", 1: "sequence_length"},
        "logits": {0: "batch_size"},  # [batch, 1, vocab]: the last position's only
    }
    for name in past_names:
        dynamic[name] = {0: "batch_size", 2: "past_sequence_length"}
    for name in present_names:
        dynamic[name] = {0: "batch_size", 2: "total_sequence_length"}
    os.makedirs(os.path.dirname(path), exist_ok=True)
    model.shared_kv_export = shared_kv
    try:
        with torch.no_grad():
            torch.onnx.export(
                Wrapper(model).eval(),
                (input_ids, attention_mask, position_ids, *past),
                path,
                input_names=["input_ids", "attention_mask", "position_ids", *past_names],
                output_names=["logits", *present_names],
                dynamic_axes=dynamic,
                opset_version=OPSET,
                # Folding would turn the float16 initializers' up-casts into float32 copies.
                do_constant_folding=model.storage_dtype == torch.float32,
                custom_opsets={"com.microsoft": 1} if shared_kv else None,
            )
    finally:
        model.shared_kv_export = False  # a failed export must not leave the model tracing GroupQueryAttention
    proto = onnx.load(path)
    # The exporter names the producer with its own version string; pin it so files are byte-identical
    # wherever they are regenerated with the same toolchain.
    proto.producer_name = "llm-platform model-tools"
    proto.producer_version = "1"
    # The exporter leaves the last-position slice's length symbolic; declare it, so that a runtime can size its
    # logits buffer from the graph.
    logits = next(o for o in proto.graph.output if o.name == "logits")
    logits.type.tensor_type.shape.dim[1].Clear()
    logits.type.tensor_type.shape.dim[1].dim_value = 1
    onnx.checker.check_model(proto)
    onnx.save(proto, path)


@torch.no_grad()
def greedy_reference(model: LlamaForCausalLM, prompt_ids, new_tokens: int):
    """Greedy ids by full recomputation each step (no KV cache) and the prefill's last-position logits.

    Also returns the smallest margin between the best and second-best logit over all steps: a random
    model whose margins are tiny would make exact-id parity depend on rounding.
    """
    ids = list(prompt_ids)
    first_logits = None
    min_margin = float("inf")
    for _ in range(new_tokens):
        x = torch.tensor([ids], dtype=torch.int64)
        mask = torch.ones_like(x)
        pos = torch.arange(len(ids), dtype=torch.int64).unsqueeze(0)
        logits, _ = model(x, mask, pos, model.empty_past(1))
        last = logits[0, -1].float()
        if first_logits is None:
            first_logits = last.tolist()
        top2 = torch.topk(last, 2).values
        min_margin = min(min_margin, float(top2[0] - top2[1]))
        ids.append(int(torch.argmax(last)))
    return ids[len(prompt_ids):], first_logits, min_margin


def reference_cases(model: LlamaForCausalLM, tokenizer, prompts, new_tokens: int):
    """reference.json's "cases": per prompt, its ids, the greedy continuation (greedy_reference) as ids and text,
    the smallest top-2 margin and the prefill's last-position logits, rounded as they are written."""
    cases = []
    for prompt in prompts:
        prompt_ids = tokenizer.encode(prompt)
        greedy, logits, margin = greedy_reference(model, prompt_ids, new_tokens)
        cases.append({
            "prompt": prompt,
            "prompt_ids": prompt_ids,
            "greedy_ids": greedy,
            "text": tokenizer.decode(greedy),
            "min_top2_margin": round(margin, 6),
            "first_step_logits": [round(v, 7) for v in logits],
        })
    return cases


def write_model_folder(out_dir, model, tokenizer, tokenizer_config, generation_config, dtype_name,
                       reference_prompts, new_tokens, bos_id, eos_ids, shared_kv=False):
    os.makedirs(out_dir, exist_ok=True)
    export_onnx(model, os.path.join(out_dir, "onnx", "model.onnx"), shared_kv)
    config = model.cfg.hf_config(dtype_name, bos_id, eos_ids)
    if shared_kv:
        config["past_present_share_buffer"] = True
    write_json(os.path.join(out_dir, "config.json"), config)
    write_json(os.path.join(out_dir, "generation_config.json"), generation_config)
    tokenizer.save(os.path.join(out_dir, "tokenizer.json"))
    write_json(os.path.join(out_dir, "tokenizer_config.json"), tokenizer_config)
    write_json(os.path.join(out_dir, "special_tokens_map.json"), {
        k: tokenizer_config[k] for k in ("bos_token", "eos_token", "pad_token", "unk_token")
        if tokenizer_config.get(k) is not None})
    if reference_prompts is None:
        return
    write_json(os.path.join(out_dir, "reference.json"), {
        "generator": f"model-tools (PyTorch {torch.__version__.split('+')[0].split('a')[0]}), greedy by full "
                     f"recomputation, {dtype_name}, CPU",
        "cases": reference_cases(model, tokenizer, reference_prompts, new_tokens),
    })
