#!/usr/bin/env python3
"""Token ids and assistant masks of a chat model's held-out conversations, for Int8Quality.java's loss.

    /usr/bin/python3 conversation_ids.py <model-dir> <out.jsonl> [count]

Reads <model-dir>/eval/test-conversations.jsonl (models/chat-default has it) and tokenizes each conversation the
way model-tools trained it (ChatML segments; mask 1 on the assistant's content and its <|im_end|>), with the model's
own tokenizer.json through model-tools' byte-level BPE. One JSON object {"ids", "mask"} a line.
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "model-tools"))
from llmtools.bpe import ByteLevelBpe  # noqa: E402

IM_START, IM_END = "<|im_start|>", "<|im_end|>"


def main(model_dir, out, count=100):
    with open(os.path.join(model_dir, "tokenizer.json"), encoding="utf-8") as f:
        data = json.load(f)
    specials = [t["content"] for t in data["added_tokens"]]
    merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in data["model"]["merges"]]
    split_digits = "p{N}" in json.dumps(data.get("pre_tokenizer"))  # digits one per token
    tok = ByteLevelBpe(specials, data["model"]["vocab"], merges, split_digits)
    with open(os.path.join(model_dir, "eval", "test-conversations.jsonl"), encoding="utf-8") as src, \
            open(out, "w", encoding="utf-8") as dst:
        for line in list(src)[:count]:
            ids, mask = [], []
            for m in json.loads(line)["messages"]:
                own = 1 if m["role"] == "assistant" else 0
                for text, flag in ((IM_START, 0), (m["role"] + "\n", 0), (m["content"], own), (IM_END, own),
                                   ("\n", 0)):
                    piece = tok.encode(text)
                    ids += piece
                    mask += [flag] * len(piece)
            dst.write(json.dumps({"ids": ids, "mask": mask}) + "\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 100)
