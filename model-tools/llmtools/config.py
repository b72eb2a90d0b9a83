"""The default chat model's settings: where its files live, how much data it is made of, the decoder's shape and
the training stages.

``DEFAULT`` is the real run (``.cache/default-model/``, published to ``../models/``); ``smoke()`` is the same
pipeline on a tiny budget (``.cache/default-model-smoke/``, never published). Every step of the pipeline is given
the ``Run`` it works for instead of reading module globals, so one process can hold both.

This is the bottom layer of ``llmtools``: it imports nothing from the package (the decoder's shape is
``llama.LlamaConfig``'s fields as a dict; ``checkpoints.MODEL`` builds it).
"""

import dataclasses
import os
import time

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # model-tools/

SEED = 1234
VOCAB = 1024
CONTEXT = 1024
EXPORTED = "sft"  # the stage exported as ../models/chat-default
MAX_ANSWER = 64  # tokens an answer may take beyond a conversation (evaluation)

# llama.LlamaConfig's fields
MODEL_SHAPE = dict(vocab_size=VOCAB, hidden_size=160, intermediate_size=448, num_hidden_layers=5,
                   num_attention_heads=5, num_key_value_heads=5, max_position_embeddings=CONTEXT,
                   tie_word_embeddings=True, init_std=0.02, dropout=0.0)


@dataclasses.dataclass(frozen=True)
class Stage:
    name: str
    loss: str  # "all" or "assistant"
    steps: int
    batch: int
    lr: float
    warmup: int
    min_lr_frac: float = 0.1
    weight_decay: float = 0.1
    clip: float = 1.0
    eval_every: int = 100
    patience: int = 6
    init_from: str = None  # stage whose best.pt starts this one
    lora_rank: int = 0
    full: bool = True
    pack: int = 0  # > 0: each batch is `batch` rows of this many tokens, conversations packed end to end
    user_weight: float = 1.0  # loss "all": weight of the tokens the assistant does not write (theirs is 1)
    data: str = "data.pt"  # the prepared conversations under the run's cache
    seed_offset: int = 500000  # batch i is drawn from a generator seeded with SEED * 1000 + i + seed_offset


STAGES = {
    "pretrain": Stage("pretrain", "all", steps=900, batch=4, pack=CONTEXT, user_weight=0.3, lr=2e-3, warmup=50,
                      eval_every=50, patience=6, seed_offset=0),
    "sft": Stage("sft", "assistant", steps=200, batch=4, pack=CONTEXT, lr=1e-3, warmup=10, eval_every=50,
                 init_from="pretrain"),
}


@dataclasses.dataclass(frozen=True)
class Run:
    """One run of the pipeline: its cache folder, where it publishes, its data sizes and its stages."""

    cache: str
    published: str = None  # what the platform serves (../models); None: never published
    n_train: int = 40000
    n_val: int = 256
    n_test: int = 300
    n_tokenizer: int = 5000  # training conversations the tokenizer is trained on
    val_used: int = 128  # validation conversations scored at each check (CPU time is scarce)
    stages: dict = dataclasses.field(default_factory=lambda: dict(STAGES))

    def path(self, *parts):
        """A file or folder under the cache."""
        return os.path.join(self.cache, *parts)

    @property
    def models_dir(self):
        """The export's candidate chat-default and chat-default-fp16."""
        return self.path("models")

    @property
    def model_dir(self):
        return os.path.join(self.models_dir, "chat-default")


DEFAULT = Run(cache=os.path.join(HERE, ".cache", "default-model"), published=os.path.join(HERE, "..", "models"))

# --smoke: the same pipeline on a tiny budget, to prove it runs end to end (its scores mean nothing)
SMOKE = {"n_train": 3000, "n_tokenizer": 1000, "n_test": 40, "val_used": 32,
         "steps": {"pretrain": 40, "sft": 20}, "eval_every": 20}


def smoke() -> Run:
    """The pipeline pointed at .cache/default-model-smoke/ with a tiny budget (export included)."""
    stages = {name: dataclasses.replace(stage, steps=SMOKE["steps"][name], eval_every=SMOKE["eval_every"],
                                        warmup=min(stage.warmup, SMOKE["steps"][name] // 4))
              for name, stage in STAGES.items()}
    return Run(cache=os.path.join(HERE, ".cache", "default-model-smoke"), published=None,
               n_train=SMOKE["n_train"], n_test=SMOKE["n_test"], n_tokenizer=SMOKE["n_tokenizer"],
               val_used=SMOKE["val_used"], stages=stages)


def log(*args):
    """The pipeline's progress line: the time, then the message."""
    print(time.strftime("%H:%M:%S"), *args, flush=True)
