"""The default model's tokenizer: trained on its conversations, read back from tokenizer.json, and a fast encoder
that also marks the tokens the assistant writes (the training loss mask)."""

import json

import regex

from . import chatdata, tooluse
from .bpe import ByteLevelBpe
from .chatml import SPECIALS
from .config import SEED, VOCAB


class FastEncoder:
    """bpe.ByteLevelBpe.encode with a per-piece cache (the same ids, much faster on repetitive data)."""

    def __init__(self, tok: ByteLevelBpe):
        self.tok = tok
        self.cache = {}
        self.special_ids = {s: tok.vocab[s] for s in tok.specials}

    def encode(self, text):
        if text in self.special_ids:
            return [self.special_ids[text]]
        ids = []
        for piece in self.tok.pre_tokenize(text):
            hit = self.cache.get(piece)
            if hit is None:
                hit = self.cache[piece] = [self.tok.vocab[t] for t in self.tok._bpe(piece)]
            ids.extend(hit)
        return ids

    def encode_text(self, text):
        """Like ByteLevelBpe.encode (special tokens matched whole first), with the piece cache."""
        pattern = "(" + "|".join(regex.escape(s) for s in self.tok.specials) + ")"
        ids = []
        for part in regex.split(pattern, text):
            if part:
                ids += self.encode(part)
        return ids

    def conversation(self, conversation):
        """(ids, mask): mask is 1 on the tokens the assistant writes (its answers, calls and <|im_end|>)."""
        ids, mask = [], []
        for text, own in tooluse.segments(conversation["messages"], conversation.get("tools")):
            for part in split_specials(text):
                piece = self.encode(part)
                ids += piece
                mask += [int(own)] * len(piece)
        return ids, mask


def split_specials(text):
    """The text cut before and after each special token (they are encoded whole, never merged)."""
    out, rest = [], text
    while rest:
        hits = [(rest.find(s), s) for s in SPECIALS if s in rest]
        if not hits:
            out.append(rest)
            break
        at, special = min(hits)
        if at:
            out.append(rest[:at])
        out.append(special)
        rest = rest[at + len(special):]
    return out


def train_tokenizer(pools, n_conversations):
    """Names and cities do not count toward the merges: a value is then spelled with the pieces of ordinary
    words, held-out values the same way as training ones, so the model learns to copy pieces it knows rather
    than one rare token per training name (the first version's tokenizer had merges for its pool's names)."""
    texts = []
    for conv in chatdata.conversations("train", n_conversations, SEED + 7, pools):
        for text, _ in tooluse.segments(conv["messages"], conv["tools"]):
            texts += [t for t in split_specials(text) if t not in SPECIALS]
    values = pools.names["train"] + pools.cities["train"]  # the only ones its conversations hold
    exclude = {w.lower() for v in values for w in regex.findall(r"\p{L}+", v)}
    return ByteLevelBpe.train(texts, VOCAB, SPECIALS, split_digits=True, exclude=exclude)


def load_tokenizer(path):
    """A tokenizer.json written by train_tokenizer (the run's, or a model folder's)."""
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    model = data["model"]
    merges = [tuple(m.split(" ")) for m in model["merges"]]
    return ByteLevelBpe(SPECIALS, model["vocab"], merges, split_digits=True)
