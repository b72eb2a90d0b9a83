"""Checks of the default-model pipeline that need no trained weights.

    cd model-tools && /usr/bin/python3 -m unittest discover -s tests -t .
"""

import collections
import dataclasses
import json
import random
import re
import unittest

import torch

from llmtools import chatdata, names, tooluse, wording
from llmtools.bpe import ByteLevelBpe
from llmtools.chatml import SPECIALS
from llmtools.checkpoints import MODEL
from llmtools.config import STAGES
from llmtools.dataset import packed_batch_of
from llmtools.encoder import FastEncoder
from llmtools.llama import LlamaConfig, LlamaForCausalLM
from llmtools.lora import add_lora, merge_lora
from llmtools.scoring import BARS, Tally, misses, score_answer
from llmtools.training import lr_at

POOLS = names.Pools(1234)
TRAIN = chatdata.conversations("train", 2000, 1234, POOLS)
TEST = chatdata.conversations("test", 300, 1234, POOLS)


def assistant_messages(convs):
    return [m for c in convs for m in c["messages"] if m["role"] == "assistant"]


def operand_pairs(convs):
    pairs = set()
    for m in assistant_messages(convs):
        if m["skill"] in ("add", "sub"):
            a, b = map(int, re.findall(r"\d+", m["content"])[:2])
            pairs.add((min(a, b), max(a, b)))
    return pairs


def recalled_names(convs):
    return {m["content"][len("Your name is "):-1] for m in assistant_messages(convs) if m["skill"] == "recall_name"}


def user_texts(convs):
    return [m["content"] for c in convs for m in c["messages"] if m["role"] == "user"]


class PoolsTest(unittest.TestCase):
    def test_pools_are_disjoint_ignoring_case(self):
        POOLS.check_disjoint()

    def test_names_are_broad(self):
        train, test = POOLS.names["train"], POOLS.names["test"]
        self.assertGreater(len([n for n in train if POOLS.name_source[n] == "real"]), 1500)
        self.assertGreater(len(train), 15000)
        for pool in (train, test):
            self.assertTrue(any("-" in n for n in pool) and any("'" in n for n in pool))
            self.assertTrue(any(n.islower() for n in pool) or any(n[1:] != n[1:].lower() for n in pool))
            lengths = {len(n) for n in pool}
            self.assertLessEqual(min(lengths), 3)
            self.assertGreaterEqual(max(lengths), 12)
        self.assertTrue(any(not n.isascii() for n in train))

    def test_test_sources_are_pools_and_generators_training_never_saw(self):
        train_sources = {POOLS.name_source[n] for n in POOLS.names["train"] + POOLS.names["val"]}
        test_sources = collections.Counter(POOLS.name_source[n] for n in POOLS.names["test"])
        self.assertEqual(set(test_sources) & train_sources, {"real"})  # real: held-out names of seen languages
        self.assertLess(test_sources["real"], 0.2 * sum(test_sources.values()))
        for group in names.HELD_OUT_GROUPS:
            self.assertIn(group, names.given_name_groups())

    def test_cities_are_split_and_multi_word_ones_kept_whole(self):
        self.assertIn("Rio de Janeiro", names.cities())
        self.assertGreater(len(POOLS.cities["test"]), 50)


class SplitsTest(unittest.TestCase):
    def test_test_conversations_use_only_test_pairs_names_and_cities(self):
        self.assertTrue(operand_pairs(TEST) <= set(POOLS.pairs["test"]))
        self.assertFalse(operand_pairs(TRAIN) & operand_pairs(TEST))
        test_names = recalled_names(TEST)
        self.assertGreater(len(test_names), 100)
        self.assertTrue(test_names <= set(POOLS.names["test"]))
        self.assertFalse(test_names & (recalled_names(TRAIN) | set(POOLS.names["train"])))
        train_text = " ".join(user_texts(TRAIN)).lower()
        # never as a whole word either (a part of a hyphenated name may be a test name; a short one may
        # equal a typo such as "thi")
        for name in (n for n in test_names if len(n) >= 5):
            self.assertIsNone(re.search(rf"(?<![\w'-]){re.escape(name.lower())}(?![\w'-])", train_text), name)
        calls = [m["tool_calls"][0]["function"] for m in assistant_messages(TEST) if m["skill"] == "tool_call"]
        cities = {c["arguments"]["city"] for c in calls if c["name"] == "get_weather"}
        self.assertTrue(cities and cities <= set(POOLS.cities["test"]))

    def test_generation_is_deterministic(self):
        self.assertEqual(chatdata.conversations("val", 30, 7, POOLS), chatdata.conversations("val", 30, 7, POOLS))

    def test_worked_answers(self):
        self.assertEqual(chatdata.add_answer(23, 49), "23 + 49: 3 + 9 = 12, 2 + 4 + 1 = 7, so 23 + 49 = 72.")
        self.assertEqual(chatdata.add_answer(81, 42), "81 + 42: 1 + 2 = 3, 8 + 4 + 0 = 12, so 81 + 42 = 123.")
        self.assertEqual(chatdata.sub_answer(72, 49), "72 - 49: 12 - 9 = 3, 7 - 1 - 4 = 2, so 72 - 49 = 23.")
        self.assertEqual(chatdata.sub_answer(45, 42), "45 - 42: 5 - 2 = 3, 4 - 0 - 4 = 0, so 45 - 42 = 3.")

    def test_every_recall_follows_its_statement_and_acknowledgement(self):
        for conv in TRAIN[:300]:
            said = []
            for m in conv["messages"]:
                if m["role"] != "assistant":
                    continue
                if m["skill"] in ("recall_name", "recall_fact"):
                    value = re.match(r"(Your name is|You live in|Your favourite colour is|Your number is) (.*)\.$",
                                     m["content"]).group(2)
                    self.assertTrue(any(value in s for s in said), (m, said))
                said.append(m["content"])

    def test_the_mix_of_skills(self):
        skills = collections.Counter(m["skill"] for m in assistant_messages(TRAIN))
        total = sum(skills.values())
        for skill in ("add", "sub", "ack", "recall_name", "recall_fact", "tool_call", "tool_answer", "no_tool",
                      "smalltalk", "idk"):
            self.assertGreater(skills[skill] / total, 0.02, skill)
        test_skills = collections.Counter(m["skill"] for m in assistant_messages(TEST))
        self.assertGreaterEqual(test_skills["tool_call"], 100)
        self.assertGreaterEqual(test_skills["recall_name"], 150)


class WordingTest(unittest.TestCase):
    def test_training_never_uses_a_held_out_template(self):
        rng = random.Random(0)
        w = wording.Wording("train")
        for intent, (train, held_out) in wording.TEMPLATES.items():
            self.assertTrue(train and held_out, intent)
            self.assertFalse(set(train) & set(held_out), intent)
            values = dict(a=12, b=34, v="Xy", city="Oslo", p="Mars", s="chess", t="this story", src="km", dst="mi")
            for _ in range(50):
                text, held = w.say(rng, intent, vary_rate=0.0, **values)
                self.assertFalse(held)
                self.assertIn(text, {wording.fill(t, values) for t in train})

    def test_test_wordings_are_mostly_held_out(self):
        held = [m["wording"] == "held-out" for m in assistant_messages(TEST)]
        self.assertGreater(sum(held) / len(held), 0.7)
        self.assertTrue(all(m["wording"] == "seen" for m in assistant_messages(TRAIN)))

    def test_variations_keep_slot_values(self):
        rng = random.Random(3)
        seen = set()
        for _ in range(500):
            template = "Hi, I am {v}. What is {a} plus {b}?"
            varied = wording.vary(rng, template)
            seen.add(varied)
            text = wording.fill(varied, {"v": "McKenzie-O'Neil", "a": 23, "b": 49})
            self.assertIn("McKenzie-O'Neil", text)
            self.assertRegex(text, r"\b23\b.*\b49\b")
        self.assertGreater(len(seen), 50)
        joined = " ".join(seen)
        for probe in ("hi, i am", "HI, I AM", "I'm", "please", "Thanks", "??"):
            self.assertIn(probe, joined)


class ToolUseTest(unittest.TestCase):
    def jinja(self):
        try:
            from jinja2.sandbox import ImmutableSandboxedEnvironment
        except ImportError:
            self.skipTest("python3-jinja2 is not installed")
        env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                            extensions=["jinja2.ext.loopcontrols"])
        env.filters["tojson"] = lambda x, indent=None: json.dumps(x, ensure_ascii=False, indent=indent)
        return env.from_string(tooluse.CHAT_TEMPLATE)

    def test_the_template_renders_as_its_python_twin(self):
        template = self.jinja()
        convs = TRAIN[:200] + TEST[:100]
        self.assertTrue(any(c["tools"] for c in convs) and any(not c["tools"] for c in convs))
        for conv in convs:
            for generation in (False, True):
                got = template.render(messages=conv["messages"], tools=conv["tools"],
                                      add_generation_prompt=generation)
                self.assertEqual(got, chatdata.render(conv, generation))

    def test_openai_shaped_calls_and_no_tools_render_as_plain_chatml(self):
        template = self.jinja()
        messages = [{"role": "user", "content": "Weather in Oslo?"},
                    {"role": "assistant", "content": None, "tool_calls": [{"id": "c1", "type": "function", "function": {
                        "name": "get_weather", "arguments": "{\"city\": \"Oslo\"}"}}]},
                    {"role": "tool", "tool_call_id": "c1", "content": "{\"temperature\": 3}"},
                    {"role": "tool", "tool_call_id": "c2", "content": "{}"}]
        got = template.render(messages=messages, tools=[tooluse.TOOLS["get_weather"]], add_generation_prompt=True)
        self.assertIn('<|im_start|>assistant\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Oslo"}}\n'
                      '</tool_call><|im_end|>\n<|im_start|>user\n<tool_response>\n{"temperature": 3}\n'
                      '</tool_response>\n<tool_response>\n{}\n</tool_response><|im_end|>\n<|im_start|>assistant\n', got)
        self.assertEqual(got, tooluse.render(messages, [tooluse.TOOLS["get_weather"]], True))
        plain = [{"role": "system", "content": "S"}, {"role": "user", "content": "U"},
                 {"role": "assistant", "content": "A"}]
        self.assertEqual(template.render(messages=plain, add_generation_prompt=True),
                         "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nU<|im_end|>\n"
                         "<|im_start|>assistant\nA<|im_end|>\n<|im_start|>assistant\n")

    def test_calls_decisions_and_answers(self):
        for conv in TRAIN[:500]:
            offered = {t["function"]["name"] for t in conv["tools"] or []}
            msgs = conv["messages"]
            for i, m in enumerate(msgs):
                if m.get("skill") == "tool_call":
                    call = m["tool_calls"][0]["function"]
                    self.assertIn(call["name"], offered)
                    self.assertEqual(msgs[i + 1]["role"], "tool")
                    result = json.loads(msgs[i + 1]["content"])
                    self.assertEqual(msgs[i + 2]["content"],
                                     tooluse.answer_from_result(call["name"], call["arguments"], result))
                    self.assertEqual(tooluse.parse_calls(tooluse.call_text(call["name"], call["arguments"])),
                                     [(call["name"], call["arguments"])])
                if m.get("skill") == "no_tool":
                    self.assertEqual(m["content"], chatdata.DONT_KNOW)
        self.assertEqual(tooluse.calculate("347 * 29"), 10063)
        self.assertEqual(tooluse.calculate("10 / 4"), 2.5)
        self.assertEqual(tooluse.convert(100, "celsius", "fahrenheit"), 212)
        self.assertEqual(tooluse.convert(10, "mi", "km"), 16.09)
        self.assertEqual(tooluse.parse_calls('<tool_call>\n{"name": "x", "arguments": {\n</tool_call>'),
                         [(None, '{"name": "x", "arguments": {')])

    def test_tool_scores(self):
        conv = next(c for c in TEST if any(m.get("skill") == "tool_call" for m in c["messages"]))
        tally = Tally()
        for m in conv["messages"]:
            if m["role"] == "assistant":
                score_answer(tally, m, "<tool_call>\n{}\n</tool_call>" if m["skill"] != "tool_call" else
                             tooluse.call_text(m["tool_calls"][0]["function"]["name"],
                                               m["tool_calls"][0]["function"]["arguments"]), True)
        scores = tally.scores()
        self.assertEqual(scores["tool: correct call"]["exact_match"], 100.0)
        self.assertEqual(scores["tool: no call when none needed"]["exact_match"], 0.0)
        self.assertEqual(scores["tool: answer from result"]["exact_match"], 0.0)


class BarsTest(unittest.TestCase):
    def test_a_model_is_published_only_when_every_bar_is_met(self):
        def score(v):
            return {"exact_match": v, "right": 0, "total": 1}

        scores = {k: score(100.0) for k in BARS}
        scores["ack (held-out wording)"] = score(90.0)
        self.assertEqual(misses(scores), [])
        scores["recall_name"] = score(94.9)
        scores["idk (held-out wording)"] = score(80.0)
        self.assertEqual(misses(scores), ["recall_name: 94.9 < 95.0", "idk (held-out wording): 80.0 < 90.0"])
        del scores["tool: correct call"]
        self.assertIn("tool: correct call: 0.0 < 95.0", misses(scores))


class TokenizerTest(unittest.TestCase):
    def test_segment_encoding_equals_whole_text_encoding_and_masks_assistant_tokens(self):
        texts = []
        for c in TRAIN[:200]:
            texts += [text for text, _ in tooluse.segments(c["messages"], c["tools"])]
        tok = ByteLevelBpe.train([t.replace("<|im_start|>", "").replace("<|im_end|>", "") for t in texts], 600,
                                 SPECIALS, split_digits=True)
        enc = FastEncoder(tok)
        for c in TRAIN[:30] + TEST[:30]:
            ids, mask = enc.conversation(c)
            self.assertEqual(ids, tok.encode(chatdata.render(c)))
            own = tok.decode([i for i, m in zip(ids, mask) if m])
            expected = "".join((m["content"] or tooluse.call_text(m["tool_calls"][0]["function"]["name"],
                                                                   m["tool_calls"][0]["function"]["arguments"]))
                               + "<|im_end|>" for m in c["messages"] if m["role"] == "assistant")
            self.assertEqual(own, expected)
        self.assertTrue(all(len(tok.encode(d)) == 1 for d in "0123456789"))

    def test_excluded_words_get_no_merges_of_their_own(self):
        texts = ["My name is Anastasia and I like tea."] * 50 + ["Anastasia"] * 50
        plain = ByteLevelBpe.train(texts, 400, SPECIALS)
        self.assertEqual(len(plain.encode(" Anastasia")), 1)  # frequent enough to become one token
        excluding = ByteLevelBpe.train(texts, 400, SPECIALS, exclude={"anastasia"})
        self.assertGreater(len(excluding.encode(" Anastasia")), 4)
        self.assertEqual(len(excluding.encode(" tea")), 1)  # the other words still merge


class TrainingPartsTest(unittest.TestCase):
    def test_lora_merge_gives_the_same_logits(self):
        cfg = LlamaConfig(vocab_size=64, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                          num_attention_heads=4, num_key_value_heads=2)
        model = LlamaForCausalLM(cfg)
        model.init_weights(torch.Generator().manual_seed(0))
        add_lora(model, 4, seed=1234)
        trainable = [n for n, p in model.named_parameters() if p.requires_grad]
        self.assertTrue(trainable and all("lora_" in n for n in trainable))
        with torch.no_grad():
            for n, p in model.named_parameters():
                if n.endswith("lora_b"):
                    p.normal_(0, 0.1)
        ids = torch.randint(0, 64, (2, 7), generator=torch.Generator().manual_seed(1))
        pos = torch.arange(7).unsqueeze(0).expand(2, 7)
        before, _ = model.eval()(ids, torch.ones_like(ids), pos, model.empty_past(2))
        merge_lora(model)
        self.assertFalse(any("lora_" in n for n, _ in model.named_parameters()))
        after, _ = model(ids, torch.ones_like(ids), pos, model.empty_past(2))
        self.assertTrue(torch.allclose(before, after, atol=1e-5))

    def test_packed_rows_give_each_conversation_its_own_logits(self):
        lengths = [30, 50, 20, 70, 40, 25]
        gen = torch.Generator().manual_seed(0)
        data = {"ids": torch.randint(4, 64, (sum(lengths),), generator=gen).to(torch.int16),
                "mask": torch.rand(sum(lengths), generator=gen) < 0.4,
                "offsets": torch.cat([torch.zeros(1, dtype=torch.long), torch.tensor(lengths).cumsum(0)])}
        cfg = LlamaConfig(vocab_size=64, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                          num_attention_heads=4, num_key_value_heads=2)
        model = LlamaForCausalLM(cfg)
        model.init_weights(torch.Generator().manual_seed(0))
        ids, pos, seg, real, own = packed_batch_of(data, torch.Generator().manual_seed(5), 2, 128)
        self.assertGreater(int(real.sum()), 200)  # little padding
        packed, _ = model.eval()(ids, torch.ones_like(ids), pos, model.empty_past(2), segment_ids=seg)
        segments = 0
        for r in range(2):
            for s in seg[r].unique().tolist():
                if s == 0:
                    continue
                where = (seg[r] == s).nonzero().flatten()
                alone = ids[r, where].unsqueeze(0)
                ref, _ = model(alone, torch.ones_like(alone), torch.arange(len(where)).unsqueeze(0),
                               model.empty_past(1))
                self.assertTrue(torch.allclose(ref[0], packed[r, where], atol=1e-5))
                segments += 1
        self.assertGreaterEqual(segments, 4)

    def test_schedule_warms_up_then_decays_to_the_floor(self):
        stage = dataclasses.replace(STAGES["pretrain"], steps=1000, warmup=100, lr=1e-3, min_lr_frac=0.1)
        self.assertAlmostEqual(lr_at(stage, 0), 1e-5)
        self.assertAlmostEqual(lr_at(stage, 99), 1e-3)
        self.assertLess(lr_at(stage, 500), lr_at(stage, 200))
        self.assertAlmostEqual(lr_at(stage, 1000), 1e-4)

    def test_the_model_fits_the_budget(self):
        model = LlamaForCausalLM(MODEL)
        self.assertLessEqual(sum(p.numel() for p in model.parameters()), 10_000_000)
        self.assertLessEqual(MODEL.vocab_size, 1024)


if __name__ == "__main__":
    unittest.main()
