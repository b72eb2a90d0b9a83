"""A seeded generator of short chat conversations whose answers can be checked exactly.

Skills (each assistant message carries its skill, so evaluation can score exact-match per skill):
  add, sub      two-digit addition / subtraction, worked digit by digit with the carry or borrow written out
                ("What is 23 plus 49?" -> "23 + 49: 3 + 9 = 12, 2 + 4 + 1 = 7, so 23 + 49 = 72."), so that a
                small model computes one digit per step; the whole answer, result included, is checked exactly
  recall_name   "What is my name?" one to three turns after the user said it
  recall_fact   the same for the user's city, favourite colour or favourite number
  ack           the reply to a stated fact ("Nice to meet you, Zorvik!" / "OK, I will remember that.")
  spell         "Spell the word cat." -> "c-a-t"
  reverse       "Reverse the word cat." -> "tac"
  smalltalk     greetings, thanks, goodbyes
  idk           questions outside these skills, or about a fact never stated -> "I don't know..."

Splits are disjoint where it matters: the two-digit operand pairs (unordered, so 23+45 in test means
neither 23+45 nor 45+23 nor 45-23 is ever in training) and the names (real and made-up) are partitioned
into train / validation / test pools, and each split draws only from its own pools. Same seed, same data.
"""

import random

# ---------------------------------------------------------------------------------------------------------
# Vocabularies
# ---------------------------------------------------------------------------------------------------------

REAL_NAMES = """Ada Alan Alice Amir Anna Arjun Ava Ben Bianca Boris Carla Carlos Chen Chloe Clara Daniel Dara
David Diego Elena Eli Emma Eric Erik Eva Farah Felix Fiona Frank Grace Greta Hana Hannah Hugo Ian Ida Igor Ines
Irene Isaac Ivan Jack Jana Jonas Jose Julia Kai Karim Kate Kenji Kim Lara Laura Lea Leo Lina Liam Lucas Lucy
Luis Maya Marco Maria Mark Marta Max Mia Mila Nadia Nina Noah Nora Olga Omar Oscar Otto Paula Pedro Petra Priya
Quinn Rafael Rita Rosa Ruby Sam Sara Sofia Tara Theo Tom Uma Vera Victor Wang Yara Yuki Zara Zoe Ahmed Aisha
Bruno Cyril Dmitri Elif Fatima Gustav Helga Ingrid Jamal Kofi Lars Mateo Nils Olaf Pablo Rolf Sven Tariq Ulla
Vikram Wanda Xavier Yusuf Zeynep""".split()

ONSETS = ["b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "dr", "kr", "tr", "st",
          "sh", "ch", "th", "gl", "pl", "zh", "qu", "j", "h", "w", "y"]
VOWELS = ["a", "e", "i", "o", "u", "ai", "ei", "ou", "ia", "y"]
CODAS = ["", "", "", "n", "r", "l", "s", "k", "x", "m", "th", "nd", "rt"]

CITIES = """Paris London Berlin Madrid Rome Lisbon Vienna Prague Oslo Dublin Athens Cairo Lagos Nairobi Tokyo
Seoul Delhi Mumbai Dhaka Lima Quito Bogota Havana Toronto Boston Denver Austin Miami Chicago Seattle Sydney Perth
Auckland Manila Hanoi Jakarta Bangkok Dubai Tehran Istanbul Warsaw Kyiv Riga Tallinn Helsinki Stockholm Bergen
Geneva Zurich Milan Naples Porto Seville Valencia Lyon Munich Hamburg Krakow Budapest""".split()

COLOURS = """red blue green yellow orange purple pink brown black white grey teal cyan gold silver navy
violet maroon olive beige coral indigo""".split()

WORDS = """cat dog sun moon tree book fish bird cake milk rain snow star ship lamp door frog king ring song
wind fire leaf rose salt sand home road bell coin desk duck egg farm gift hat ink jam key kite lake map nest owl
pen pig rock rope sock tent toy van vase web yak zoo apple bread chair cloud dance eagle flame glass grape horse
house juice knife lemon mango music night ocean paper piano queen river robot sheep smile stone table tiger
train water whale world zebra plant spoon candy bike boat corn drum fox goat hill iron jar lion mouse nose
pear plum seed shoe soup tail wolf yard""".split()

PLACES = """Mars Venus Atlantis Narnia Zorbia Elbonia Freedonia Wakanda Utopia Lilliput""".split()
SPORTS = ["football", "tennis", "chess", "hockey", "cricket", "rugby"]
TITLES = ["the red book", "the long song", "the old map", "that poem", "the blue play", "this story"]

# ---------------------------------------------------------------------------------------------------------
# Pools and splits
# ---------------------------------------------------------------------------------------------------------

SPLITS = ("train", "val", "test")


def _made_up_names(count: int, seed: int, avoid):
    rng = random.Random(seed)
    out, seen = [], set(n.lower() for n in avoid)
    while len(out) < count:
        syllables = rng.choice([2, 2, 2, 3])
        name = "".join(rng.choice(ONSETS) + rng.choice(VOWELS) for _ in range(syllables)) + rng.choice(CODAS)
        if not 4 <= len(name) <= 9 or name in seen:
            continue
        seen.add(name)
        out.append(name.capitalize())
    return out


def _partition(items, seed: int, val_frac: float, test_frac: float):
    items = list(items)
    random.Random(seed).shuffle(items)
    n_test = int(round(len(items) * test_frac))
    n_val = int(round(len(items) * val_frac))
    return {"test": items[:n_test], "val": items[n_test:n_test + n_val], "train": items[n_test + n_val:]}


class Pools:
    """The per-split pools of operand pairs and names (everything else is shared by all splits)."""

    def __init__(self, seed: int = 1234):
        pairs = [(a, b) for a in range(10, 100) for b in range(a, 100)]  # unordered two-digit pairs
        self.pairs = _partition(pairs, seed, 0.05, 0.10)
        real = _partition(REAL_NAMES, seed + 1, 0.10, 0.15)
        made_up = _partition(_made_up_names(3000, seed + 2, REAL_NAMES), seed + 3, 0.10, 0.10)
        self.names = {s: real[s] + made_up[s] for s in SPLITS}
        self.made_up = {s: set(made_up[s]) for s in SPLITS}

    def check_disjoint(self):
        for a in SPLITS:
            for b in SPLITS:
                if a < b:
                    assert not set(self.pairs[a]) & set(self.pairs[b]), (a, b)
                    assert not {n.lower() for n in self.names[a]} & {n.lower() for n in self.names[b]}, (a, b)


# ---------------------------------------------------------------------------------------------------------
# Turns
# ---------------------------------------------------------------------------------------------------------

FACTS = ("name", "city", "colour", "number")
ACK = "OK, I will remember that."
DONT_KNOW = "I don't know."
NOT_TOLD = "I don't know. You have not told me."


def _user(text):
    return {"role": "user", "content": text}


def _assistant(text, skill):
    return {"role": "assistant", "content": text, "skill": skill}


def _arith(rng, pools, split, op):
    a, b = rng.choice(pools.pairs[split])
    if op == "add":
        if rng.random() < 0.5:
            a, b = b, a
        q = rng.choice(["What is {a} plus {b}?", "What is {a} + {b}?", "{a} + {b} = ?", "Add {a} and {b}.",
                        "Can you add {a} and {b}?", "How much is {a} plus {b}?"]).format(a=a, b=b)
        return q, add_answer(a, b)
    a, b = max(a, b), min(a, b)
    q = rng.choice(["What is {a} minus {b}?", "What is {a} - {b}?", "{a} - {b} = ?", "Subtract {b} from {a}.",
                    "Can you subtract {b} from {a}?", "How much is {a} minus {b}?"]).format(a=a, b=b)
    return q, sub_answer(a, b)


def add_answer(a: int, b: int) -> str:
    """Units first, then tens plus the carry: "23 + 49: 3 + 9 = 12, 2 + 4 + 1 = 7, so 23 + 49 = 72."."""
    units = a % 10 + b % 10
    tens = a // 10 + b // 10 + units // 10
    return f"{a} + {b}: {a % 10} + {b % 10} = {units}, {a // 10} + {b // 10} + {units // 10} = {tens}, " \
           f"so {a} + {b} = {a + b}."


def sub_answer(a: int, b: int) -> str:
    """a >= b; units first (borrowing ten when needed), then tens minus the borrow:
    "72 - 49: 12 - 9 = 3, 7 - 1 - 4 = 2, so 72 - 49 = 23."."""
    borrow = int(a % 10 < b % 10)
    units = a % 10 + 10 * borrow
    return f"{a} - {b}: {units} - {b % 10} = {units - b % 10}, {a // 10} - {borrow} - {b // 10} = " \
           f"{a // 10 - borrow - b // 10}, so {a} - {b} = {a - b}."


def _state(rng, fact, value, echo=False):
    """The user's statement of a fact and the assistant's acknowledgement. With ``echo`` the acknowledgement
    repeats the fact ("OK, you live in Oslo.") as it always does for names, so a later recall can copy it
    from the assistant's own recent answer; the random draws are the same either way."""
    if fact == "name":
        q = rng.choice(["My name is {v}.", "I am {v}.", "Call me {v}.", "Hi, I'm {v}.", "Hello, my name is {v}."])
        return q.format(v=value), f"Nice to meet you, {value}!"
    if fact == "city":
        q = rng.choice(["I live in {v}.", "My home is in {v}.", "I am from {v}.", "My city is {v}."])
    elif fact == "colour":
        q = rng.choice(["My favourite colour is {v}.", "I like the colour {v} best.", "I love {v}."])
    else:
        q = rng.choice(["My favourite number is {v}.", "My lucky number is {v}.", "Remember the number {v}."])
    return q.format(v=value), echo_ack(fact, value) if echo else ACK


def echo_ack(fact, value):
    """The acknowledgement that repeats a city, colour or number (the recall answer's words after "OK, ")."""
    return {"city": f"OK, you live in {value}.", "colour": f"OK, your favourite colour is {value}.",
            "number": f"OK, your number is {value}."}[fact]


def _recall(rng, fact, value):
    if fact == "name":
        q = rng.choice(["What is my name?", "Do you remember my name?", "Who am I?", "What did I say my name was?"])
        return q, f"Your name is {value}."
    if fact == "city":
        q = rng.choice(["Where do I live?", "Which city do I live in?", "Where am I from?"])
        return q, f"You live in {value}."
    if fact == "colour":
        q = rng.choice(["What is my favourite colour?", "Which colour do I like best?"])
        return q, f"Your favourite colour is {value}."
    q = rng.choice(["What is my favourite number?", "What is my lucky number?", "Which number did I tell you?"])
    return q, f"Your number is {value}."


def _smalltalk(rng):
    return rng.choice([
        (rng.choice(["Hello!", "Hi!", "Hi there.", "Good morning!", "Hey!"]), "Hello! How can I help you?"),
        (rng.choice(["How are you?", "How are you today?", "How is it going?"]), "I am fine, thank you."),
        (rng.choice(["Thank you!", "Thanks.", "Thanks a lot!"]), "You are welcome."),
        (rng.choice(["Who are you?", "What are you?"]), "I am a small chat model."),
        (rng.choice(["Bye!", "Goodbye.", "See you later!"]), "Goodbye! Have a nice day."),
        (rng.choice(["Nice.", "Great!", "OK.", "Cool."]), "Glad to help."),
    ])


def _idk(rng):
    return rng.choice([
        "What is the capital of {p}?", "Who will win the next {s} game?", "What is the weather in {c} today?",
        "How old is the moon?", "What is the meaning of life?", "Who wrote {t}?", "What is {a} times {b}?",
        "What time is it?", "Where are my keys?", "What will I eat tomorrow?", "How many stars are there?",
    ]).format(p=rng.choice(PLACES), s=rng.choice(SPORTS), c=rng.choice(CITIES), t=rng.choice(TITLES),
              a=rng.randint(2, 99), b=rng.randint(2, 99)), DONT_KNOW


def _word(rng, op):
    w = rng.choice(WORDS)
    if op == "spell":
        q = rng.choice(["Spell the word {w}.", "How do you spell {w}?", "Spell {w}."]).format(w=w)
        return q, "-".join(w)
    q = rng.choice(["Reverse the word {w}.", "What is {w} backwards?", "Write {w} in reverse."]).format(w=w)
    return q, w[::-1]


def conversation(rng: random.Random, pools: Pools, split: str, echo=False, recall_heavy=False):
    """One conversation: a list of {"role", "content"} messages; assistant ones also carry "skill".
    ``echo``: acknowledgements repeat the fact (same draws, so the same conversation otherwise);
    ``recall_heavy``: two or three facts per conversation, stated more often (other draws, other data)."""
    n_turns = rng.randint(4, 6)
    facts = list(FACTS[1:])
    rng.shuffle(facts)
    if rng.random() < 0.7:  # names are the hardest to recall (never-seen names in test): ask more often
        facts.insert(0, "name")
    facts = facts[:rng.choice([2, 3, 3] if recall_heavy else [1, 2, 3, 3])]  # dense recalls: ~35% of answers
    state_rate = 0.6 if recall_heavy else 0.45
    known = {}
    due = {}  # turn index -> fact to ask about
    messages = []
    t = 0
    while t < n_turns or due:
        if t in due:
            fact = due.pop(t)
            q, a = _recall(rng, fact, known[fact])
            skill = "recall_name" if fact == "name" else "recall_fact"
        else:
            r = rng.random()
            free = [f for f in facts if f not in known]
            if free and r < state_rate:
                fact = free[0]
                value = {"name": lambda: rng.choice(pools.names[split]), "city": lambda: rng.choice(CITIES),
                         "colour": lambda: rng.choice(COLOURS), "number": lambda: str(rng.randint(1, 99))}[fact]()
                known[fact] = value
                gap = rng.randint(1, 3)
                while t + gap in due:
                    gap += 1  # a later free slot (at most 3 facts, so at most 5 turns away)
                due[t + gap] = fact
                q, a = _state(rng, fact, value, echo)
                skill = "ack"
            elif r < 0.89:
                skill = "add" if rng.random() < 0.55 else "sub"
                q, a = _arith(rng, pools, split, skill)
            elif r < 0.92:
                (q, a), skill = _word(rng, "spell"), "spell"
            elif r < 0.95:
                (q, a), skill = _word(rng, "reverse"), "reverse"
            elif r < 0.975:
                (q, a), skill = _smalltalk(rng), "smalltalk"
            elif r < 0.99:
                (q, a), skill = _idk(rng), "idk"
            else:
                unknown = [f for f in FACTS if f not in known and f not in facts]
                if unknown:
                    q, _ = _recall(rng, rng.choice(unknown), "")
                    a = NOT_TOLD
                else:
                    q, a = _idk(rng)
                skill = "idk"
        messages += [_user(q), _assistant(a, skill)]
        t += 1
    return messages


def conversations(split: str, count: int, seed: int, pools: Pools = None, echo=False, recall_heavy=False):
    pools = pools or Pools()
    rng = random.Random(f"{split}-{seed}")
    return [conversation(rng, pools, split, echo, recall_heavy) for _ in range(count)]


def render(messages, add_generation_prompt=False):
    """The ChatML text exactly as the tokenizer_config chat_template renders it."""
    out = "".join(f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in messages)
    return out + ("<|im_start|>assistant\n" if add_generation_prompt else "")
