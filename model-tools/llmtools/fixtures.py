"""The project's small random-weight models: committed test fixtures and larger benchmark models.

    /usr/bin/python3 -m llmtools.fixtures test-models [--out ../test-models]
    /usr/bin/python3 -m llmtools.fixtures bench-models [--out ../build-models] [--only bench-30m]
    /usr/bin/python3 -m llmtools.fixtures bench-models --only bench-25m-chat

Same arguments, same files, byte for byte: every random draw comes from a seeded generator.
"""

import argparse
import json
import os
import shutil
import sys

import torch

from .bpe import ByteLevelBpe
from .chatml import EOT, IM_END, SPECIALS, generation_config, tokenizer_config
from .export import export_onnx, write_json, write_model_folder
from .llama import LlamaConfig, LlamaForCausalLM

# A small fixed corpus: the fixtures' weights are random, the tokenizer only needs plausible merges.
CORPUS = """
Once upon a time there was a little robot who loved to count. Every morning it counted the birds on the
roof: one, two, three, four, five. The robot said hello to the cat and the dog, and they played together.
What is 12 plus 34? It is 46. What is 98 minus 15? It is 83. My name is Ada and I live in Paris.
Hello! How are you today? I am fine, thank you. Can you spell the word "cat"? Sure: c, a, t.
The quick brown fox jumps over the lazy dog. She sells sea shells by the sea shore.
def add(a, b):
    return a + b
Ünïcödé tëxt, 日本語のテキスト, emoji 🙂 and more: the tokenizer falls back to bytes for all of them.
The user asked a question and the assistant answered it politely. I don't know the answer to that.
"""

REFERENCE_PROMPTS = [
    # One token: a prefill of length 1 and a first decode step over a past of length 1.
    "<|im_start|>",
    "Once upon a time",
    "Hello! How are you today?",
    "What is 12 plus 34?",
]
CHAT_PROMPT = ("<|im_start|>user\nHello! What is your name?<|im_end|>\n<|im_start|>assistant\n")


def build_tokenizer(vocab_size: int, split_digits: bool = False) -> ByteLevelBpe:
    texts = [line for line in CORPUS.splitlines() if line.strip()] * 4
    texts += [CHAT_PROMPT]
    return ByteLevelBpe.train(texts, vocab_size, SPECIALS, split_digits)


def make_model(cfg: LlamaConfig, seed: int, fp16: bool) -> LlamaForCausalLM:
    generator = torch.Generator().manual_seed(seed)
    model = LlamaForCausalLM(cfg, torch.float16 if fp16 else torch.float32)
    model.init_weights(generator)
    with torch.no_grad():
        # Like a trained model, a random one should rarely pick a special token: the references then run
        # their full length instead of stopping at an eos id.
        model.output_weight()[: len(SPECIALS)] *= 0.05
    if fp16:
        for p in model.parameters():
            p.data = p.data.half()
    return model.eval()


FIXTURES = {
    # name: (config, seed, fp16)
    "tiny-llama-gqa": (LlamaConfig(vocab_size=384, hidden_size=64, intermediate_size=160, num_hidden_layers=2,
                                   num_attention_heads=4, num_key_value_heads=2, tie_word_embeddings=True,
                                   init_std=0.35), 1, False),
    "tiny-llama-mha": (LlamaConfig(vocab_size=384, hidden_size=48, intermediate_size=128, num_hidden_layers=3,
                                   num_attention_heads=4, num_key_value_heads=4, tie_word_embeddings=False,
                                   init_std=0.35), 2, False),
    "tiny-llama-fp16": (LlamaConfig(vocab_size=384, hidden_size=64, intermediate_size=160, num_hidden_layers=2,
                                    num_attention_heads=4, num_key_value_heads=2, tie_word_embeddings=True,
                                    init_std=0.35), 3, True),
}

# Exports of a fixture's weights with attention as ONNX Runtime's GroupQueryAttention (a past/present buffer the
# engine updates in place; export_onnx(shared_kv=True)): name -> fp32 fixture. Same weights, same reference.json.
SHARED_KV_FIXTURES = {"tiny-llama-gqa-shared-kv": "tiny-llama-gqa"}

# int8 variants of fixtures (llmtools.quantize): name -> (fp32 fixture, format). No reference.json: the
# inference-service tests compare them with their fp32 source.
INT8_FIXTURES = {
    "tiny-llama-gqa-int8": ("tiny-llama-gqa", "nbits"),
    "tiny-llama-mha-int8": ("tiny-llama-mha", "nbits"),
    "tiny-llama-gqa-int8-qdq": ("tiny-llama-gqa", "qdq"),
    # int8 weights over the shared KV cache (MatMulNBits beside GroupQueryAttention), as int8 copies of the
    # default model are made now that it is exported with shared_kv=True
    "tiny-llama-gqa-shared-kv-int8": ("tiny-llama-gqa-shared-kv", "nbits"),
}

BENCH = {
    "bench-30m": (LlamaConfig(vocab_size=8192, hidden_size=512, intermediate_size=1408, num_hidden_layers=8,
                              num_attention_heads=8, num_key_value_heads=4, max_position_embeddings=1024,
                              tie_word_embeddings=True), 30),
    "bench-125m": (LlamaConfig(vocab_size=32000, hidden_size=768, intermediate_size=2048, num_hidden_layers=12,
                               num_attention_heads=12, num_key_value_heads=4, max_position_embeddings=1024,
                               tie_word_embeddings=False), 125),
}


# Random weights on the vocabulary of a real tokenizer (the default chat model's, models/chat-default): every id the
# model can pick decodes to text, so the gateway streams text as with a trained model, at the decode cost of a
# ~25M-parameter model (bench-30m's ids mostly fall outside its 579-token tokenizer and decode to nothing).
TEXT_BENCH = {
    "bench-25m-chat": (dict(hidden_size=512, intermediate_size=1408, num_hidden_layers=8, num_attention_heads=8,
                            num_key_value_heads=4, max_position_embeddings=1024, tie_word_embeddings=True,
                            # at 0.02 greedy decoding repeats one token; at 0.1 it picks varied ones
                            init_std=0.1),
                       "chat-default", 25),
}
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "generation_config.json")


def write_text_bench(out_root, name, shape, tokenizer_model, seed):
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    source = os.path.join(here, "..", "models", tokenizer_model)
    vocab = json.load(open(os.path.join(source, "config.json")))
    cfg = LlamaConfig(vocab_size=vocab["vocab_size"], **shape)
    torch.manual_seed(seed)
    model = make_model(cfg, seed, False)
    out = os.path.join(out_root, name)
    os.makedirs(out, exist_ok=True)
    export_onnx(model, os.path.join(out, "onnx", "model.onnx"))
    eos = vocab["eos_token_id"]
    write_json(os.path.join(out, "config.json"),
               model.cfg.hf_config("float32", vocab.get("bos_token_id"), eos if isinstance(eos, list) else [eos]))
    for file in TOKENIZER_FILES:
        shutil.copyfile(os.path.join(source, file), os.path.join(out, file))
    print(f"wrote {out} ({sum(p.numel() for p in model.parameters()):,} parameters, {tokenizer_model}'s tokenizer)")


def write_fixture(out_root, name, cfg, seed, fp16, with_reference=True, shared_kv=False):
    torch.manual_seed(seed)
    tokenizer = build_tokenizer(cfg.vocab_size if cfg.vocab_size <= 4096 else 1024)
    model = make_model(cfg, seed, fp16)
    eos_ids = [tokenizer.vocab[IM_END], tokenizer.vocab[EOT]]
    prompts = (REFERENCE_PROMPTS + [CHAT_PROMPT]) if with_reference else None
    out = os.path.join(out_root, name)
    write_model_folder(out, model, tokenizer, tokenizer_config(cfg.max_position_embeddings),
                       generation_config(eos_ids), "float16" if fp16 else "float32", prompts, 40,
                       bos_id=None, eos_ids=eos_ids, shared_kv=shared_kv)
    if with_reference:
        for case in json.load(open(os.path.join(out, "reference.json")))["cases"]:
            if set(case["greedy_ids"]) & set(eos_ids):
                raise SystemExit(f"{name}: reference for {case['prompt']!r} reaches an eos id; pick another seed")
    print(f"wrote {out} ({sum(p.numel() for p in model.parameters()):,} parameters)")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["test-models", "bench-models"])
    parser.add_argument("--out", help="output folder")
    parser.add_argument("--only", help="one model name")
    args = parser.parse_args(argv)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if args.what == "test-models":
        out = args.out or os.path.join(here, "..", "test-models")
        for name, (cfg, seed, fp16) in FIXTURES.items():
            if args.only in (None, name):
                write_fixture(out, name, cfg, seed, fp16)
        for name, source in SHARED_KV_FIXTURES.items():
            if args.only in (None, name):
                cfg, seed, fp16 = FIXTURES[source]
                write_fixture(out, name, cfg, seed, fp16, shared_kv=True)
        from .quantize import quantize_folder
        for name, (source, fmt) in INT8_FIXTURES.items():
            if args.only in (None, name, source):
                quantize_folder(os.path.join(out, source), os.path.join(out, name), fmt)
                print(f"wrote {os.path.join(out, name)} (int8 {fmt} of {source})")
    else:
        out = args.out or os.path.join(here, "..", "build-models")
        for name, (cfg, seed) in BENCH.items():
            if args.only in (None, name):
                write_fixture(out, name, cfg, seed, False, with_reference=False)
            if args.only in (None, name + "-shared-kv"):
                write_fixture(out, name + "-shared-kv", cfg, seed, False, with_reference=False, shared_kv=True)
        for name, (shape, tokenizer_model, seed) in TEXT_BENCH.items():
            if args.only in (None, name):
                write_text_bench(out, name, shape, tokenizer_model, seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
