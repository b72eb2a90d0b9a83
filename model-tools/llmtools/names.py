"""Pools of values the default chat model must copy (names, cities), split so that the test draws only from
pools and generators that training never saw.

Names come from two kinds of source, each split three ways:
  real      given names of many languages (``data/given-names.txt``, one group per language or region).
            Whole groups are held out for the test (``HELD_OUT_GROUPS``: languages training never saw); the
            names of the other groups are partitioned train / validation / test.
  made-up   generators. Training uses six (syllables, a letter Markov chain over the training names, random
            letters, mixed case, rare-letter strings, hyphen and apostrophe compounds); the test uses four
            others (another syllable scheme, all-capitals and all-lowercase strings, a Markov chain over the
            held-out languages, compounds of held-out names), validation the training ones.
Every test name differs from every training and validation name, ignoring case (``Pools.check_disjoint``), and
no name is also a city.

Cities (``data/cities.txt``) are partitioned train / validation / test the same way.
"""

import collections
import os
import random
import string

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
SPLITS = ("train", "val", "test")
HELD_OUT_GROUPS = ("Finnish", "Vietnamese", "Hawaiian and Polynesian and Maori", "Yoruba and Igbo and Hausa",
                   "Hungarian and Romanian and Baltic")


def given_name_groups():
    """{group: [names]} from data/given-names.txt, in file order; a name keeps only its first group."""
    groups, seen, group = collections.OrderedDict(), set(), None
    with open(os.path.join(DATA, "given-names.txt"), encoding="utf-8") as f:
        for line in f:
            if line.startswith("# ") and not line.startswith("# Real") and not line.startswith("# llmtools"):
                group = line[2:].strip()
                groups[group] = []
            elif group and not line.startswith("#"):
                for name in line.split():
                    if name.lower() not in seen:
                        seen.add(name.lower())
                        groups[group].append(name)
    return groups


def cities():
    with open(os.path.join(DATA, "cities.txt"), encoding="utf-8") as f:
        words = [w for line in f if not line.startswith("#") for w in line.split()]
    return list(dict.fromkeys(w.replace("_", " ") for w in words))


def partition(items, seed, val_frac, test_frac):
    items = sorted(items)
    random.Random(seed).shuffle(items)
    n_test, n_val = round(len(items) * test_frac), round(len(items) * val_frac)
    return {"test": items[:n_test], "val": items[n_test:n_test + n_val], "train": items[n_test + n_val:]}


# ---------------------------------------------------------------------------------------------------------
# Generators of made-up names: each takes a random.Random and returns one name
# ---------------------------------------------------------------------------------------------------------

ONSETS = ["b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "dr", "kr", "tr", "st",
          "sh", "ch", "th", "gl", "pl", "zh", "qu", "j", "h", "w", "y"]
VOWELS = ["a", "e", "i", "o", "u", "ai", "ei", "ou", "ia", "y"]
CODAS = ["", "", "", "n", "r", "l", "s", "k", "x", "m", "th", "nd", "rt"]
PREFIXES = ["O'", "D'", "Mc", "Mac", "De", "Van", "Al-", "Ben-"]


def syllables(rng):
    n = rng.choice([1, 2, 2, 2, 3, 3, 4])
    return ("".join(rng.choice(ONSETS) + rng.choice(VOWELS) for _ in range(n)) + rng.choice(CODAS)).capitalize()


def random_letters(rng):
    return "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(2, 12))).capitalize()


def mixed_case(rng):
    return "".join(rng.choice(string.ascii_letters) for _ in range(rng.randint(2, 10)))


def rare_letters(rng):
    letters = "xqzjkvwyfbgph" * 3 + string.ascii_lowercase
    return "".join(rng.choice(letters) for _ in range(rng.randint(3, 9))).capitalize()


class Markov:
    """An order-2 letter chain over a list of names: new names that look like the list's language."""

    def __init__(self, names):
        self.next = collections.defaultdict(list)
        for name in names:
            padded = "^^" + name.lower() + "$"
            for i in range(2, len(padded)):
                self.next[padded[i - 2:i]].append(padded[i])

    def __call__(self, rng):
        out = "^^"
        while len(out) < 16:
            c = rng.choice(self.next[out[-2:]])
            if c == "$":
                break
            out += c
        return out[2:].capitalize()


def compound(parts):
    """Two names joined by a hyphen, or a prefix such as O' or Mc before one, from a generator of parts."""
    def make(rng):
        if rng.random() < 0.6:
            return parts(rng) + "-" + parts(rng)
        return rng.choice(PREFIXES) + parts(rng)
    return make


TEST_ONSETS = ["", "k", "h", "m", "n", "t", "w", "l", "p", "ng", "wh", "r"]
TEST_VOWELS = ["a", "e", "i", "o", "u", "aa", "ee", "oo", "ae", "ao"]


def open_syllables(rng):
    return "".join(rng.choice(TEST_ONSETS) + rng.choice(TEST_VOWELS) for _ in range(rng.randint(2, 5))).capitalize()


def one_case(rng):
    word = "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(3, 10)))
    return word.upper() if rng.random() < 0.5 else word


class Pools:
    """Per-split pools: ``names[split]``, ``name_source[name]`` (which pool it came from), ``cities[split]``,
    and the operand pairs of the arithmetic (``pairs[split]``, unordered two-digit pairs)."""

    def __init__(self, seed=1234, made_up_per_generator=3000):
        groups = given_name_groups()
        seen_groups = [n for g, ns in groups.items() if g not in HELD_OUT_GROUPS for n in ns]
        held_out = [n for g in HELD_OUT_GROUPS for n in groups[g]]
        real = partition(seen_groups, seed + 1, 0.05, 0.10)
        self.name_source = {}
        self.names = {s: [] for s in SPLITS}

        city_names = {c.lower() for c in cities()}  # Charlotte, Sofia, Victoria...: never a name

        def add(split, source, names):
            taken = city_names | {n.lower() for s in SPLITS for n in self.names[s]}
            for name in names:
                if name.lower() not in taken:
                    taken.add(name.lower())
                    self.names[split].append(name)
                    self.name_source[name] = source

        # the test's own pools first, then training and validation take only what the test does not hold
        add("test", "real (held-out language)", held_out)
        add("test", "real", real["test"])
        rng = random.Random(seed + 2)
        test_generators = {"made-up (open syllables)": open_syllables, "made-up (one case)": one_case,
                           "made-up (held-out language)": Markov(held_out),
                           "made-up (held-out compound)": compound(lambda r: r.choice(held_out))}
        for source, gen in test_generators.items():
            add("test", source, [gen(rng) for _ in range(300)])
        train_generators = {"made-up (syllables)": syllables, "made-up (markov)": Markov(real["train"]),
                            "made-up (letters)": random_letters, "made-up (mixed case)": mixed_case,
                            "made-up (rare letters)": rare_letters,
                            "made-up (compound)": compound(lambda r: r.choice(real["train"]) if r.random() < 0.5
                                                           else syllables(r))}
        add("val", "real", real["val"])
        for source, gen in train_generators.items():
            add("val", source, [gen(rng) for _ in range(40)])
        add("train", "real", real["train"])
        for source, gen in train_generators.items():
            add("train", source, [gen(rng) for _ in range(made_up_per_generator)])
        self.cities = partition(cities(), seed + 3, 0.05, 0.2)
        pairs = [(a, b) for a in range(10, 100) for b in range(a, 100)]
        self.pairs = partition(pairs, seed, 0.05, 0.10)

    def check_disjoint(self):
        for a in SPLITS:
            for b in SPLITS:
                if a < b:
                    assert not set(self.pairs[a]) & set(self.pairs[b]), (a, b)
                    assert not {n.lower() for n in self.names[a]} & {n.lower() for n in self.names[b]}, (a, b)
                    assert not set(self.cities[a]) & set(self.cities[b]), (a, b)
