"""How users word each intent: templates per intent, some held out for the test, and systematic variation.

A template is text with slots (``{a}``, ``{b}``, ``{v}``...). ``TEMPLATES[intent]`` is ``(train, held_out)``:
training draws only the first list, the test mostly the second (``Wording``), so a held-out wording is
one the model never saw; held-out templates reuse the words of other training templates in new orders and
frames, since a model cannot know a word it never read.

``vary`` then changes the template's own words, never the slot values (a name or a number is copied as
given): lower case, capitalised or all-capitals, final punctuation dropped or doubled, contractions made or
undone, "please", a greeting or a thanks around the request, and small typos (a swapped, dropped or doubled
letter in one word). Training and test both vary; the draws come from the caller's seeded random.Random.
"""

import re

SLOT = re.compile(r"(\{\w+\})")

TEMPLATES = {
    "add": ([
        "What is {a} plus {b}?", "What is {a} + {b}?", "{a} + {b} = ?", "Add {a} and {b}.", "Can you add {a} and {b}?",
        "How much is {a} plus {b}?", "What do you get if you add {a} and {b}?", "Please work out {a} + {b}.",
        "Calculate {a} plus {b}.", "I need {a} + {b}.", "What's the sum of {a} and {b}?", "Sum {a} and {b}.",
        "{a} plus {b} is what?", "Tell me {a} + {b}.", "I have {a} apples and get {b} more. How many apples now?",
        "There are {a} birds and {b} more come. How many birds are there?", "Work out {a} plus {b} for me.",
        "Could you compute {a} + {b}?", "What is the total of {a} and {b}?", "{a}+{b}?",
    ], [
        "Tell me the sum of {a} and {b}.", "If I add {b} to {a}, what do I get?", "{a} and {b} added together?",
        "I have {a} books and buy {b} more. How many books do I have?", "Compute {a} plus {b}, please.",
        "How much do {a} and {b} make together?",
    ]),
    "sub": ([
        "What is {a} minus {b}?", "What is {a} - {b}?", "{a} - {b} = ?", "Subtract {b} from {a}.",
        "Can you subtract {b} from {a}?", "How much is {a} minus {b}?", "What do you get if you take {b} from {a}?",
        "Please work out {a} - {b}.", "Calculate {a} minus {b}.", "I need {a} - {b}.", "Take {b} away from {a}.",
        "{a} minus {b} is what?", "Tell me {a} - {b}.", "I have {a} apples and eat {b}. How many apples are left?",
        "There are {a} birds and {b} fly away. How many birds are left?", "Work out {a} minus {b} for me.",
        "Could you compute {a} - {b}?", "What is the difference between {a} and {b}?", "{a}-{b}?",
        "What is left if you subtract {b} from {a}?",
    ], [
        "If I take {b} away from {a}, what is left?", "Compute {a} minus {b}, please.", "{a} take away {b}?",
        "I have {a} books and give away {b}. How many books are left?", "From {a}, subtract {b}.",
        "How much is left when {b} is taken from {a}?",
    ]),
    "state_name": ([
        "My name is {v}.", "I am {v}.", "Call me {v}.", "Hi, I'm {v}.", "Hello, my name is {v}.", "I'm {v}.",
        "Name's {v}.", "You can call me {v}.", "This is {v}.", "Hey, I am {v}.", "My name: {v}.",
        "People call me {v}.", "Hello! I am called {v}.",
    ], [
        "Hi there, you can call me {v}.", "Hello, this is {v} here.", "My friends call me {v}.",
        "Hey! My name is {v}, nice to meet you.",
    ]),
    "state_city": ([
        "I live in {v}.", "My home is in {v}.", "I am from {v}.", "My city is {v}.", "I'm from {v}.",
        "I live in the city of {v}.", "My home town is {v}.", "I moved to {v}.", "Home for me is {v}.",
        "I am living in {v} now.",
    ], [
        "These days I live in {v}.", "My home is the city of {v}.", "I come from {v}.",
    ]),
    "state_colour": ([
        "My favourite colour is {v}.", "I like the colour {v} best.", "I love {v}.", "My favorite color is {v}.",
        "The colour I like most is {v}.", "I really like {v}.", "{v} is my favourite colour.",
        "My best colour is {v}.",
    ], [
        "The color I love is {v}.", "I like {v} the most.", "Of all colours I love {v}.",
    ]),
    "state_number": ([
        "My favourite number is {v}.", "My lucky number is {v}.", "Remember the number {v}.",
        "My favorite number is {v}.", "Please remember {v}.", "{v} is my lucky number.", "Keep the number {v} in mind.",
        "The number I like is {v}.",
    ], [
        "Remember this number: {v}.", "The number I love is {v}.", "My number is {v}, remember it.",
    ]),
    "recall_name": ([
        "What is my name?", "Do you remember my name?", "Who am I?", "What did I say my name was?", "What's my name?",
        "Tell me my name.", "Can you tell me my name?", "What am I called?", "Remind me of my name.",
        "Do you know who I am?",
    ], [
        "What name did I give you?", "Please remind me, what is my name?", "Who did I say I am?",
    ]),
    "recall_city": ([
        "Where do I live?", "Which city do I live in?", "Where am I from?", "What is my city?", "Where is my home?",
        "Do you remember where I live?", "Tell me where I live.", "What city am I from?",
    ], [
        "Which city is my home?", "Please remind me where I live.", "Where did I say I live?",
    ]),
    "recall_colour": ([
        "What is my favourite colour?", "Which colour do I like best?", "What's my favorite color?",
        "Do you remember my favourite colour?", "Tell me my favourite colour.", "What colour do I love?",
        "Which colour did I say I like?",
    ], [
        "Remind me, which color do I love?", "What colour did I tell you I like most?",
    ]),
    "recall_number": ([
        "What is my favourite number?", "What is my lucky number?", "Which number did I tell you?",
        "Do you remember my number?", "What's my favorite number?", "Tell me my number.",
        "Which number did I ask you to remember?",
    ], [
        "Remind me of the number I told you.", "What number did I say I like?",
    ]),
    "greeting": (["Hello!", "Hi!", "Hi there.", "Good morning!", "Hey!", "Hello there!", "Good evening."],
                 ["Hey there!", "Good morning to you."]),
    "how_are_you": (["How are you?", "How are you today?", "How is it going?", "How are things?", "Are you well?"],
                    ["How are you doing today?", "Is it going well?"]),
    "thanks": (["Thank you!", "Thanks.", "Thanks a lot!", "Thank you very much.", "Many thanks!"],
               ["Thanks very much!", "Thank you a lot."]),
    "who_are_you": (["Who are you?", "What are you?", "What kind of assistant are you?", "Are you a person?"],
                    ["Tell me who you are.", "What are you exactly?"]),
    "bye": (["Bye!", "Goodbye.", "See you later!", "Bye for now.", "Good night!"],
            ["See you!", "Goodbye for now."]),
    "ok": (["Nice.", "Great!", "OK.", "Cool.", "Good.", "Perfect."], ["Very nice.", "OK, great."]),
    "idk": ([
        "What is the capital of {p}?", "Who will win the next {s} game?", "How old is the moon?",
        "What is the meaning of life?", "Who wrote {t}?", "What time is it?", "Where are my keys?",
        "What will I eat tomorrow?", "How many stars are there?", "What is the population of {p}?",
        "Who is the king of {p}?", "When was {t} written?",
    ], [
        "How many people live in {p}?", "Who won the last {s} game?", "Where did I put my keys?",
    ]),
    # tool intents (answered with a call when the tool is offered, "I don't know." otherwise)
    "weather": ([
        "What is the weather in {city}?", "What's the weather like in {city}?", "How is the weather in {city} today?",
        "Is it cold in {city}?", "Is it raining in {city}?", "Tell me the weather in {city}.",
        "What is the temperature in {city}?", "Weather in {city}?", "How warm is it in {city} now?",
        "Can you check the weather for {city}?",
    ], [
        "I am going to {city}. What is the weather there?", "How hot is it in {city} today?",
        "Please check the temperature in {city}.", "What is it like outside in {city}?",
    ]),
    "multiply": ([
        "What is {a} times {b}?", "What is {a} * {b}?", "Multiply {a} by {b}.", "{a} * {b} = ?",
        "Can you multiply {a} and {b}?", "How much is {a} times {b}?", "Calculate {a} * {b}.",
        "What is {a} multiplied by {b}?",
    ], [
        "Work out {a} times {b} for me.", "If I multiply {a} by {b}, what do I get?", "Compute {a} * {b}, please.",
    ]),
    "divide": ([
        "What is {a} divided by {b}?", "What is {a} / {b}?", "Divide {a} by {b}.", "{a} / {b} = ?",
        "Can you divide {a} by {b}?", "How much is {a} divided by {b}?", "Calculate {a} / {b}.",
    ], [
        "Work out {a} divided by {b} for me.", "If I divide {a} by {b}, what do I get?",
    ]),
    "big_add": ([
        "What is {a} plus {b}?", "Add {a} and {b}.", "What is {a} + {b}?", "Calculate {a} + {b}.",
        "How much is {a} plus {b}?",
    ], [
        "Compute {a} plus {b}, please.", "Tell me the sum of {a} and {b}.",
    ]),
    "convert": ([
        "Convert {v} {src} to {dst}.", "How many {dst} is {v} {src}?", "What is {v} {src} in {dst}?",
        "Can you convert {v} {src} into {dst}?", "{v} {src} to {dst}?", "Please convert {v} {src} to {dst}.",
        "How much is {v} {src} in {dst}?", "Change {v} {src} into {dst}.",
    ], [
        "I have {v} {src}. How many {dst} is that?", "Work out {v} {src} in {dst} for me.",
        "What do {v} {src} make in {dst}?",
    ]),
}

CONTRACTIONS = [("I am", "I'm"), ("What is", "What's"), ("what is", "what's"), ("do not", "don't"),
                ("How is", "How's"), ("It is", "It's"), ("you are", "you're"), ("Where is", "Where's"),
                ("did not", "didn't"), ("Who is", "Who's")]
OPENERS = ["Hey, ", "Hi, ", "OK, ", "Quick question: ", "So, ", "Hmm, ", "Now, "]
CLOSERS = [" Thanks!", " Thank you.", " Thanks."]


class Wording:
    """Chooses a template for an intent: the training templates, or for the test the held-out ones with
    probability ``held_out`` (1 = all held out); returns the filled text and whether it was held out."""

    def __init__(self, split, held_out=0.8):
        self.split = split
        self.held_out = held_out if split == "test" else 0.0

    def say(self, rng, intent, vary_rate=0.5, **values):
        train, test = TEMPLATES[intent]
        held = rng.random() < self.held_out
        template = rng.choice(test if held else train)
        if rng.random() < vary_rate:
            template = vary(rng, template)
        return fill(template, values), held


def fill(template, values):
    return SLOT.sub(lambda m: str(values[m.group(1)[1:-1]]), template)


def vary(rng, template):
    """One to three random changes to the template's own words (slots untouched)."""
    for _ in range(rng.choice([1, 1, 2, 3])):
        template = rng.choice(VARIATIONS)(rng, template)
    return template


def _literal(template, change):
    """Applies ``change`` to the text between slots only."""
    parts = SLOT.split(template)
    return "".join(p if SLOT.fullmatch(p) else change(p) for p in parts)


def lower_case(rng, t):
    return _literal(t, str.lower)


def upper_case(rng, t):
    """All capitals (three times in ten), else sentence case (unchanged when a slot comes first)."""
    if rng.random() < 0.3:
        return _literal(t, str.upper)
    return t if t.startswith("{") else _literal(t, str.lower).capitalize()


def punctuation(rng, t):
    end = re.search(r"[.?!]+$", t)
    if not end:
        return t + rng.choice(["?", "!", "."])
    mark = end.group(0)[-1]
    return t[:end.start()] + rng.choice(["", mark * 2, mark + "!" if mark == "?" else mark * 3, " " + mark])


def contraction(rng, t):
    pairs = [(a, b) for a, b in CONTRACTIONS if a in t] + [(b, a) for a, b in CONTRACTIONS if b in t]
    if not pairs:
        return t
    a, b = rng.choice(pairs)
    return t.replace(a, b, 1)


def please(rng, t):
    if "please" in t.lower():
        return t
    if rng.random() < 0.5 and not t.startswith("{"):
        return "Please, " + t[0].lower() + t[1:] if t[0].isupper() else "please " + t
    end = re.search(r"[.?!]+$", t)
    return (t[:end.start()] + ", please" + end.group(0)) if end else t + " please"


def frame(rng, t):
    if rng.random() < 0.5 and not t.startswith("{"):
        return rng.choice(OPENERS) + (t[0].lower() + t[1:] if not t.startswith("I ") else t)
    return t + rng.choice(CLOSERS)


def typo(rng, t):
    """A swapped, dropped or doubled letter in one word of four or more letters outside the slots."""
    parts = SLOT.split(t)
    spots = [(i, m.start(), m.end()) for i, p in enumerate(parts) if not SLOT.fullmatch(p)
             for m in re.finditer(r"[A-Za-z]{4,}", p)]
    if not spots:
        return t
    i, s, e = rng.choice(spots)
    word = parts[i][s:e]
    k = rng.randint(1, len(word) - 2)
    kind = rng.choice(["swap", "drop", "double"])
    if kind == "swap":
        word = word[:k] + word[k + 1] + word[k] + word[k + 2:]
    elif kind == "drop":
        word = word[:k] + word[k + 1:]
    else:
        word = word[:k] + word[k] + word[k:]
    parts[i] = parts[i][:s] + word + parts[i][e:]
    return "".join(parts)


VARIATIONS = [lower_case, upper_case, punctuation, contraction, please, frame, typo, typo]

