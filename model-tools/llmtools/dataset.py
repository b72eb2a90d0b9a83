"""The prepare stage's data and the batches training draws from it.

``prepare`` writes ``<cache>/data.pt``: per split, every conversation's token ids end to end (int16), the
assistant mask (bool) and the offsets where each conversation starts; the test conversations also as
``test-conversations.jsonl``. ``batch_of`` and ``packed_batch_of`` read it back as tensors.
"""

import os

import torch

from . import chatdata
from .config import CONTEXT, MAX_ANSWER, SEED, Run, log
from .encoder import FastEncoder, train_tokenizer
from .names import Pools


def prepare(run: Run):
    """Pools, conversations, tokenizer, token ids into data.pt, the test conversations into a JSONL file."""
    os.makedirs(run.cache, exist_ok=True)
    pools = Pools(SEED)
    pools.check_disjoint()
    log("training the tokenizer")
    tok = train_tokenizer(pools, run.n_tokenizer)
    tok.save(run.path("tokenizer.json"))
    enc = FastEncoder(tok)
    for conv in chatdata.conversations("val", 50, 99, pools):  # segment-wise == whole text
        assert enc.conversation(conv)[0] == tok.encode(chatdata.render(conv))
    data = {}
    for split, count in (("train", run.n_train), ("val", run.n_val), ("test", run.n_test)):
        convs = chatdata.conversations(split, count, SEED, pools)
        rows = [enc.conversation(c) for c in convs]
        fits = [len(r[0]) + MAX_ANSWER <= CONTEXT for r in rows]  # rare: three tools and many turns
        convs = [c for c, ok in zip(convs, fits) if ok]
        rows = [r for r, ok in zip(rows, fits) if ok]
        if len(convs) < count:
            log(f"{split}: left out {count - len(convs)} conversations longer than the context")
        lengths = torch.tensor([len(r[0]) for r in rows])
        data[split] = {
            "ids": torch.tensor([i for r in rows for i in r[0]], dtype=torch.int16),
            "mask": torch.tensor([i for r in rows for i in r[1]], dtype=torch.bool),
            "offsets": torch.cat([torch.zeros(1, dtype=torch.long), lengths.cumsum(0)]),
        }
        log(f"{split}: {len(convs)} conversations, {int(lengths.sum()):,} tokens, "
            f"mean {lengths.float().mean():.0f}, max {int(lengths.max())}")
        if split == "test":
            with open(run.path("test-conversations.jsonl"), "w", encoding="utf-8") as f:
                for c in convs:
                    f.write(chatdata.dumps(c) + "\n")
    tmp = run.path("data.pt.tmp")
    torch.save(data, tmp)
    os.replace(tmp, run.path("data.pt"))


def batch_of(split_data, indices):
    """Right-padded [batch, max_len] ids, loss masks for 'all' and 'assistant'; one conversation a row."""
    offs = split_data["offsets"]
    rows = [(int(offs[i]), int(offs[i + 1])) for i in indices]
    width = max(e - s for s, e in rows)
    ids = torch.zeros((len(rows), width), dtype=torch.long)
    real = torch.zeros((len(rows), width), dtype=torch.bool)
    own = torch.zeros((len(rows), width), dtype=torch.bool)
    for r, (s, e) in enumerate(rows):
        ids[r, :e - s] = split_data["ids"][s:e].long()
        real[r, :e - s] = True
        own[r, :e - s] = split_data["mask"][s:e]
    return ids, real, own


def packed_batch_of(split_data, generator, rows, width):
    """``rows`` rows of ``width`` tokens filled with randomly drawn whole conversations, first fit, so that
    almost no compute goes to padding. Returns ids, positions (restarting at 0 for each conversation),
    segment ids (1, 2, ... per conversation, 0 = padding), and the real / assistant masks, all [rows, width]."""
    offs = split_data["offsets"]
    n = len(offs) - 1
    ids = torch.zeros((rows, width), dtype=torch.long)
    pos = torch.zeros((rows, width), dtype=torch.long)
    seg = torch.zeros((rows, width), dtype=torch.long)
    real = torch.zeros((rows, width), dtype=torch.bool)
    own = torch.zeros((rows, width), dtype=torch.bool)
    fill = [0] * rows
    misses, segment = 0, 0
    while misses < 8:
        i = int(torch.randint(n, (1,), generator=generator))
        s, e = int(offs[i]), int(offs[i + 1])
        length = min(e - s, width)
        row = next((r for r in range(rows) if fill[r] + length <= width), None)
        if row is None:
            misses += 1
            continue
        segment += 1
        a = fill[row]
        ids[row, a:a + length] = split_data["ids"][s:s + length].long()
        pos[row, a:a + length] = torch.arange(length)
        seg[row, a:a + length] = segment
        real[row, a:a + length] = True
        own[row, a:a + length] = split_data["mask"][s:s + length]
        fill[row] += length
    return ids, pos, seg, real, own
