"""What the clients send: a workload hands each client one conversation at a time, a generator that yields the next
request's messages (or completion prompt) and is sent the answer's text back (None after a failure).

- `Questions`: short arithmetic questions, distinct numbers each time (the default; what the default model knows).
- `SyntheticPrompts`: random words, calibrated to about `--input-len` prompt tokens (`calibrate`).
- `Conversations`: a JSONL file replayed turn by turn.
"""
import json
import random
import threading

WORDS = ("the time river stone light garden number window paper music winter answer market table bright quiet "
         "small green early travel friend letter story morning simple mountain yellow kitchen reason summer "
         "picture corner circle market engine silver forest button planet lesson orange").split()


class Questions:
    description = "arithmetic questions (two-digit numbers)"

    def conversation(self, rng):
        a, b = rng.randint(10, 99), rng.randint(10, 99)
        op = rng.choice(("plus", "minus"))
        yield [{"role": "user", "content": f"What is {a} {op} {b}?"}]


class SyntheticPrompts:
    """Random words, `words` of them; a fresh draw each request so that no two prompts share a prefix cache entry
    beyond the chat template's first tokens."""

    def __init__(self, words, target_tokens=None):
        self.words = max(1, words)
        self.target_tokens = target_tokens
        self.description = f"random words ({self.words} words, ~{target_tokens} prompt tokens)"

    def conversation(self, rng):
        yield [{"role": "user", "content": random_text(rng, self.words)}]


def random_text(rng, words):
    return " ".join(rng.choice(WORDS) for _ in range(words))


def calibrate(prompt_tokens_of, target, checks=4):
    """The number of random words whose prompt is about `target` tokens, chat template included.

    `prompt_tokens_of(words)` sends one prompt of that many random words and returns usage.prompt_tokens. Two sizes
    give the template's overhead and tokens per word (a straight line); `checks` more draws at the estimate (words
    differ in tokens, so one draw is not enough) correct it once by their mean. Returns (words, [(words,
    prompt_tokens), …] measured)."""
    w1 = max(2, target // 8)
    w2 = max(w1 + 8, target // 2)
    t1, t2 = prompt_tokens_of(w1), prompt_tokens_of(w2)
    per_word = max((t2 - t1) / (w2 - w1), 1e-3)
    overhead = t1 - per_word * w1
    words = max(1, round((target - overhead) / per_word))
    checks = [prompt_tokens_of(words) for _ in range(checks)]
    measured = [(w1, t1), (w2, t2)] + [(words, t) for t in checks]
    words = max(1, words + round((target - sum(checks) / len(checks)) / per_word))
    return words, measured


class Conversations:
    """A JSONL file, one conversation a line: {"messages": [...]} with OpenAI chat messages. Each user message is a
    turn: the request holds every message before it too. The assistant message that follows a turn in the file is
    the history of the next turn; where the file has none, the model's own answer is. Clients take conversations in
    file order, starting again at the top when all are taken; a failed turn ends its conversation."""

    def __init__(self, path):
        self.items = load_conversations(path)
        self.turns = sum(sum(1 for m in c if m.get("role") == "user") for c in self.items)
        self.description = f"{len(self.items)} conversations, {self.turns} turns ({path})"
        self.lock = threading.Lock()
        self.next = 0

    def conversation(self, rng):
        with self.lock:
            messages = self.items[self.next % len(self.items)]
            self.next += 1
        history = []
        for i, message in enumerate(messages):
            if message.get("role") == "assistant":
                continue  # placed after its turn below
            history.append(message)
            if message.get("role") != "user":
                continue
            answer = yield list(history)
            if answer is None:
                return
            recorded = messages[i + 1] if i + 1 < len(messages) and messages[i + 1].get("role") == "assistant" else None
            history.append(recorded if recorded is not None else {"role": "assistant", "content": answer})


def load_conversations(path):
    items = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                messages = json.loads(line)["messages"]
            except (ValueError, KeyError, TypeError) as e:
                raise ValueError(f"{path}:{n}: not a {{\"messages\": [...]}} line ({e})") from None
            if not isinstance(messages, list) or not any(m.get("role") == "user" for m in messages):
                raise ValueError(f"{path}:{n}: a conversation needs at least one user message")
            items.append(messages)
    if not items:
        raise ValueError(f"{path}: no conversation")
    return items


def as_completion_prompt(messages):
    """The text /v1/completions gets for a turn: the messages' contents, one a line."""
    return "\n".join(m.get("content") or "" for m in messages if isinstance(m.get("content"), str))


def new_rng(seed, worker):
    return random.Random(f"{seed}/{worker}")
