"""A byte-level BPE tokenizer trainer that writes a standard Hugging Face ``tokenizer.json``.

Pre-tokenization is GPT-2's byte-level scheme, the same one the tokenizers library applies for a
``ByteLevel`` pre-tokenizer with ``use_regex: true``; optionally digits are split one per token first (a
``Split`` of ``\\p{N}`` with behaviour ``isolated``). Training counts pre-tokenized words and merges the most
frequent adjacent pair until the vocabulary is full (ties broken by the pair itself, so it is deterministic).
``encode`` applies the merges by rank, as the library does, so reference prompt ids can be computed here.
"""

import collections
import json

import regex

GPT2_PATTERN = regex.compile(
    r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""")
DIGIT = regex.compile(r"\p{N}")


def bytes_to_unicode():
    """GPT-2's reversible map from bytes to printable characters."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(
        range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


BYTE_CHARS = bytes_to_unicode()


class ByteLevelBpe:
    def __init__(self, specials, vocab, merges, split_digits):
        self.specials = list(specials)
        self.vocab = vocab  # token -> id
        self.merges = merges  # list of (a, b)
        self.ranks = {pair: i for i, pair in enumerate(merges)}
        self.split_digits = split_digits

    # -- training ---------------------------------------------------------------------------------
    @classmethod
    def train(cls, texts, vocab_size: int, specials, split_digits: bool = False, exclude=frozenset()):
        """``exclude``: words (lower case, no leading space) that do not count toward any merge, so they are
        encoded with the pieces of the other words."""
        words = collections.Counter()
        probe = cls(specials, {}, [], split_digits)
        to_byte = {c: b for b, c in BYTE_CHARS.items()}
        for text in texts:
            for piece in probe.pre_tokenize(text):
                if bytes(to_byte[c] for c in piece).decode("utf-8").strip().lower() not in exclude:
                    words[tuple(piece)] += 1
        vocab = {tok: i for i, tok in enumerate(specials)}
        for b in range(256):
            vocab[BYTE_CHARS[b]] = len(vocab)
        merges = []
        words = {w: c for w, c in words.items()}
        while len(vocab) < vocab_size:
            pairs = collections.Counter()
            for word, count in words.items():
                for pair in zip(word, word[1:]):
                    pairs[pair] += count
            if not pairs:
                break
            best = min(pairs.items(), key=lambda kv: (-kv[1], kv[0]))[0]
            merged = best[0] + best[1]
            merges.append(best)
            vocab[merged] = len(vocab)
            words = {_merge_word(w, best, merged): c for w, c in words.items()}
        return cls(specials, vocab, merges, split_digits)

    # -- encoding ---------------------------------------------------------------------------------
    def pre_tokenize(self, text: str):
        chunks = [text]
        if self.split_digits:
            chunks = []
            last = 0
            for m in DIGIT.finditer(text):
                if m.start() > last:
                    chunks.append(text[last:m.start()])
                chunks.append(m.group())
                last = m.end()
            if last < len(text):
                chunks.append(text[last:])
        out = []
        for chunk in chunks:
            for piece in GPT2_PATTERN.findall(chunk):
                out.append("".join(BYTE_CHARS[b] for b in piece.encode("utf-8")))
        return out

    def encode(self, text: str):
        """Ids as the tokenizers library gives them (special tokens are matched first, whole)."""
        ids = []
        pattern = "(" + "|".join(regex.escape(s) for s in self.specials) + ")"
        for part in regex.split(pattern, text):
            if not part:
                continue
            if part in self.specials:
                ids.append(self.vocab[part])
                continue
            for piece in self.pre_tokenize(part):
                ids.extend(self.vocab[t] for t in self._bpe(piece))
        return ids

    def decode(self, ids):
        inverse = {i: t for t, i in self.vocab.items()}
        byte_of = {c: b for b, c in BYTE_CHARS.items()}
        out = bytearray()
        for i in ids:
            tok = inverse[i]
            if tok in self.specials:
                out += tok.encode("utf-8")
            else:
                out += bytes(byte_of[c] for c in tok)
        return out.decode("utf-8", errors="replace")

    def _bpe(self, piece):
        word = list(piece)
        while len(word) > 1:
            best = None
            for i, pair in enumerate(zip(word, word[1:])):
                rank = self.ranks.get(pair)
                if rank is not None and (best is None or rank < best[0]):
                    best = (rank, i)
            if best is None:
                break
            i = best[1]
            word[i:i + 2] = [word[i] + word[i + 1]]
        return word

    # -- serialisation ------------------------------------------------------------------------------
    def tokenizer_json(self) -> dict:
        byte_level = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}
        pre = byte_level
        if self.split_digits:
            pre = {"type": "Sequence", "pretokenizers": [
                {"type": "Split", "pattern": {"Regex": "\\p{N}"}, "behavior": "Isolated", "invert": False},
                byte_level,
            ]}
        return {
            "version": "1.0",
            "truncation": None,
            "padding": None,
            "added_tokens": [
                {"id": self.vocab[s], "content": s, "single_word": False, "lstrip": False, "rstrip": False,
                 "normalized": False, "special": True}
                for s in self.specials
            ],
            "normalizer": None,
            "pre_tokenizer": pre,
            "post_processor": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False,
                               "use_regex": True},
            "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
            "model": {
                "type": "BPE",
                "dropout": None,
                "unk_token": None,
                "continuing_subword_prefix": None,
                "end_of_word_suffix": None,
                "fuse_unk": False,
                "byte_fallback": False,
                "ignore_merges": False,
                "vocab": self.vocab,
                "merges": [a + " " + b for a, b in self.merges],
            },
        }

    def save(self, path):
        with open(path, "w", encoding="utf-8") as f:
            json.dump(self.tokenizer_json(), f, ensure_ascii=False, indent=1)
            f.write("\n")


def _merge_word(word, pair, merged):
    out = []
    i = 0
    while i < len(word):
        if i + 1 < len(word) and word[i] == pair[0] and word[i + 1] == pair[1]:
            out.append(merged)
            i += 2
        else:
            out.append(word[i])
            i += 1
    return tuple(out)
