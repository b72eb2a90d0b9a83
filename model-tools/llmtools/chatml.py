"""ChatML as every model here writes it: the special tokens, the plain chat template, and the tokenizer_config.json
and generation_config.json a model folder carries (the fixtures' and, with tooluse's template, the default model's).
"""

PAD, EOT, IM_START, IM_END = "<|pad|>", "<|endoftext|>", "<|im_start|>", "<|im_end|>"
SPECIALS = [PAD, EOT, IM_START, IM_END]  # ids 0..3 of every tokenizer made here

# ChatML, as Qwen and many others render it (tooluse.CHAT_TEMPLATE adds tools and renders the same without them).
CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)


def tokenizer_config(max_length: int, chat_template: str = CHAT_TEMPLATE) -> dict:
    return {
        "add_bos_token": False,
        "add_eos_token": False,
        "bos_token": None,
        "eos_token": IM_END,
        "pad_token": PAD,
        "unk_token": None,
        "chat_template": chat_template,
        "clean_up_tokenization_spaces": False,
        "model_max_length": max_length,
        "tokenizer_class": "PreTrainedTokenizerFast",
        "added_tokens_decoder": {
            str(i): {"content": s, "lstrip": False, "normalized": False, "rstrip": False,
                     "single_word": False, "special": True}
            for i, s in enumerate(SPECIALS)
        },
    }


def generation_config(eos_ids) -> dict:
    return {"bos_token_id": None, "eos_token_id": list(eos_ids), "pad_token_id": 0, "do_sample": False,
            "max_new_tokens": 256}
