"""A seeded generator of short chat conversations whose answers can be checked exactly.

A conversation is ``{"tools": [...] or None, "messages": [...]}``; each assistant message carries its
``skill`` (and ``wording``: whether the user's turn before it used a held-out template), so evaluation
scores exact-match per skill:

  add, sub        two-digit addition / subtraction, worked digit by digit with the carry or borrow written out
                  ("What is 23 plus 49?" -> "23 + 49: 3 + 9 = 12, 2 + 4 + 1 = 7, so 23 + 49 = 72.")
  ack             the reply to a stated fact, repeating it ("Nice to meet you, Zorvik!", "OK, you live in Oslo.")
  recall_name     "What is my name?" one to three turns after the user said it (``source``: the name's pool)
  recall_fact     the same for the user's city, favourite colour or number
  smalltalk       greetings, thanks, goodbyes
  idk             questions it cannot answer, or about a fact never stated -> "I don't know..."
  tool_call       weather, a product, a quotient, a sum of big numbers or a unit conversion, when the tool
                  for it is offered: the answer is the call, ``<tool_call>{"name": ..., "arguments": ...}``
  tool_answer     after the tool's result: the answer made from it ("It is 12 degrees and cloudy in Oslo.")
  no_tool         the same questions when their tool is not offered -> "I don't know."

Every other answer in a conversation that offers tools must not call one. Splits are disjoint where it
matters: operand pairs, names, cities (``names.Pools``) and, for the test, most user turns use held-out
templates (``wording.Wording``). Same seed, same data.
"""

import json
import random

from . import tooluse
from .names import Pools  # noqa: F401  (the pools every split draws from)
from .wording import Wording

COLOURS = """red blue green yellow orange purple pink brown black white grey teal cyan gold silver navy
violet maroon olive beige coral indigo lavender turquoise magenta crimson amber""".split()
PLACES = """Mars Venus Atlantis Narnia Zorbia Elbonia Freedonia Wakanda Utopia Lilliput""".split()
SPORTS = ["football", "tennis", "chess", "hockey", "cricket", "rugby"]
TITLES = ["the red book", "the long song", "the old map", "that poem", "the blue play", "this story"]
SYSTEM_PROMPTS = ["You are a helpful assistant.", "You are a small chat model. Answer briefly.",
                  "Be friendly and short.", "You are a helpful assistant with tools."]

FACTS = ("name", "city", "colour", "number")
DONT_KNOW = "I don't know."
NOT_TOLD = "I don't know. You have not told me."
SMALLTALK = {"greeting": "Hello! How can I help you?", "how_are_you": "I am fine, thank you.",
             "thanks": "You are welcome.", "who_are_you": "I am a small chat model.",
             "bye": "Goodbye! Have a nice day.", "ok": "Glad to help."}


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


def ack(fact, value):
    return {"name": f"Nice to meet you, {value}!", "city": f"OK, you live in {value}.",
            "colour": f"OK, your favourite colour is {value}.", "number": f"OK, your number is {value}."}[fact]


def recall(fact, value):
    return {"name": f"Your name is {value}.", "city": f"You live in {value}.",
            "colour": f"Your favourite colour is {value}.", "number": f"Your number is {value}."}[fact]


def _assistant(text, skill, held, **extra):
    return dict({"role": "assistant", "content": text, "skill": skill,
                 "wording": "held-out" if held else "seen"}, **extra)


class Conversations:
    """Draws conversations of one split. ``tools_rate``: share of conversations that offer tools."""

    def __init__(self, pools, split, tools_rate=0.5):
        self.pools, self.split, self.tools_rate = pools, split, tools_rate
        self.wording = Wording(split)

    def value(self, rng, fact):
        return {"name": lambda: rng.choice(self.pools.names[self.split]),
                "city": lambda: rng.choice(self.pools.cities[self.split]),
                "colour": lambda: rng.choice(COLOURS), "number": lambda: str(rng.randint(1, 999))}[fact]()

    def say(self, rng, intent, **values):
        return self.wording.say(rng, intent, **values)

    def arithmetic(self, rng, op):
        a, b = rng.choice(self.pools.pairs[self.split])
        if op == "add":
            if rng.random() < 0.5:
                a, b = b, a
            q, held = self.say(rng, "add", a=a, b=b)
            return q, _assistant(add_answer(a, b), "add", held)
        a, b = max(a, b), min(a, b)
        q, held = self.say(rng, "sub", a=a, b=b)
        return q, _assistant(sub_answer(a, b), "sub", held)

    def tool_turn(self, rng, tools):
        """A question for a tool: the user's text, the call's name and arguments, and the tool's result."""
        intents = ["weather", "weather", "multiply", "divide", "big_add", "convert", "convert"]
        offered = [i for i in intents if tooluse.TOOL_OF[i] in tools]
        intent = rng.choice(offered if offered and rng.random() < 0.75 else intents)
        if intent == "weather":
            city = rng.choice(self.pools.cities[self.split])
            q, held = self.say(rng, intent, city=city)
            args, result = {"city": city}, tooluse.weather_result(rng, city)
        elif intent == "convert":
            src, dst = rng.choice(tooluse.UNIT_PAIRS)
            if rng.random() < 0.5:
                src, dst = dst, src
            v = rng.randint(1, 500) if rng.random() < 0.7 else rng.randint(1, 200) + 0.5
            q, held = self.say(rng, intent, v=v, src=rng.choice(tooluse.UNIT_WORDS[src]),
                               dst=rng.choice(tooluse.UNIT_WORDS[dst]))
            args = {"value": v, "from_unit": src, "to_unit": dst}
            result = {"value": tooluse.convert(v, src, dst), "unit": dst}
        else:
            if intent == "multiply":
                a, b, op = rng.randint(11, 999), rng.randint(2, 99), "*"
            elif intent == "divide":
                b = rng.randint(2, 50)
                a, op = (b * rng.randint(2, 99) if rng.random() < 0.7 else rng.randint(10, 999)), "/"
            else:
                a, b, op = rng.randint(100, 9999), rng.randint(100, 9999), "+"
            q, held = self.say(rng, intent, a=a, b=b)
            args = {"expression": f"{a} {op} {b}"}
            result = {"result": tooluse.calculate(args["expression"])}
        name = tooluse.TOOL_OF[intent]
        if name not in tools:
            return [{"role": "user", "content": q}, _assistant(DONT_KNOW, "no_tool", held)]
        call = {"role": "assistant", "content": "", "skill": "tool_call", "wording": "held-out" if held else "seen",
                "tool_calls": [{"type": "function", "function": {"name": name, "arguments": args}}]}
        return [{"role": "user", "content": q}, call, {"role": "tool", "content": tooluse.tojson(result)},
                _assistant(tooluse.answer_from_result(name, args, result), "tool_answer", held)]

    def conversation(self, rng):
        tools = []
        if rng.random() < self.tools_rate:
            tools = rng.sample(sorted(tooluse.TOOLS), rng.randint(1, 3))
        messages = []
        if rng.random() < 0.2:
            messages.append({"role": "system", "content": rng.choice(SYSTEM_PROMPTS)})
        n_turns = rng.randint(5, 7)
        facts = list(FACTS[1:])
        rng.shuffle(facts)
        if rng.random() < 0.7:  # names are the hardest to recall: ask more often
            facts.insert(0, "name")
        facts = facts[:rng.choice([2, 3, 3])]
        known, due, t = {}, {}, 0  # due: turn index -> fact to ask about
        while t < n_turns or due:
            r = rng.random()
            free = [f for f in facts if f not in known]
            if t in due:
                fact = due.pop(t)
                q, held = self.say(rng, "recall_" + fact)
                extra = {"source": self.pools.name_source[known[fact]]} if fact == "name" else {}
                turn = [{"role": "user", "content": q},
                        _assistant(recall(fact, known[fact]), "recall_name" if fact == "name" else "recall_fact",
                                   held, **extra)]
            elif free and r < 0.5:
                fact = free[0]
                known[fact] = self.value(rng, fact)
                gap = rng.randint(1, 3)
                while t + gap in due:
                    gap += 1
                due[t + gap] = fact
                q, held = self.say(rng, "state_" + fact, v=known[fact])
                turn = [{"role": "user", "content": q}, _assistant(ack(fact, known[fact]), "ack", held)]
            elif r < 0.72:
                q, a = self.arithmetic(rng, "add" if rng.random() < 0.55 else "sub")
                turn = [{"role": "user", "content": q}, a]
            elif r < 0.9:
                turn = self.tool_turn(rng, tools)
            elif r < 0.95:
                intent = rng.choice(sorted(SMALLTALK))
                q, held = self.say(rng, intent)
                turn = [{"role": "user", "content": q}, _assistant(SMALLTALK[intent], "smalltalk", held)]
            else:
                unknown = [f for f in FACTS if f not in known and f not in facts]
                if unknown and rng.random() < 0.5:
                    q, held = self.say(rng, "recall_" + rng.choice(unknown))
                    answer = NOT_TOLD
                else:
                    q, held = self.say(rng, "idk", p=rng.choice(PLACES), s=rng.choice(SPORTS), t=rng.choice(TITLES))
                    answer = DONT_KNOW
                turn = [{"role": "user", "content": q}, _assistant(answer, "idk", held)]
            messages += turn
            t += 1
        return {"tools": [tooluse.TOOLS[n] for n in tools] or None, "messages": messages}


def conversations(split: str, count: int, seed: int, pools: Pools = None, tools_rate=0.5):
    pools = pools or Pools()
    rng = random.Random(f"{split}-{seed}")
    gen = Conversations(pools, split, tools_rate)
    return [gen.conversation(rng) for _ in range(count)]


def render(conversation, add_generation_prompt=False):
    """The text exactly as the model's chat_template renders the conversation (``tooluse.CHAT_TEMPLATE``)."""
    return tooluse.render(conversation["messages"], conversation.get("tools"), add_generation_prompt)


def dumps(conversation):
    return json.dumps(conversation, ensure_ascii=False)
