"""Checks of the default-model pipeline that need no trained weights.

    cd model-tools && /usr/bin/python3 -m unittest discover -s tests -t .
"""

import dataclasses
import re
import unittest

import torch

from llmtools import chatdata
from llmtools.bpe import ByteLevelBpe
from llmtools.fixtures import SPECIALS
from llmtools.llama import LlamaConfig, LlamaForCausalLM
from llmtools.train import STAGES, FastEncoder, add_lora, lr_at, merge_lora, packed_batch_of

POOLS = chatdata.Pools(1234)


def operand_pairs(messages):
    pairs = set()
    for m in messages:
        if m.get("skill") in ("add", "sub"):
            a, b = map(int, re.findall(r"\d+", m["content"])[:2])
            pairs.add((min(a, b), max(a, b)))
    return pairs


class SplitsTest(unittest.TestCase):
    def test_pools_are_disjoint(self):
        POOLS.check_disjoint()

    def test_test_conversations_use_only_test_pairs_and_names(self):
        train = chatdata.conversations("train", 3000, 1234, POOLS)
        test = chatdata.conversations("test", 300, 1234, POOLS)
        train_pairs = set().union(*(operand_pairs(c) for c in train))
        test_pairs = set().union(*(operand_pairs(c) for c in test))
        self.assertTrue(test_pairs)
        self.assertFalse(train_pairs & test_pairs)
        self.assertTrue(test_pairs <= set(POOLS.pairs["test"]))
        test_names = {m["content"][len("Your name is "):-1] for c in test for m in c
                      if m.get("skill") == "recall_name"}
        self.assertTrue(test_names)
        self.assertTrue(test_names <= set(POOLS.names["test"]))
        train_text = " ".join(m["content"] for c in train for m in c)
        for name in test_names:
            self.assertNotRegex(train_text, rf"\b{name}\b")

    def test_generation_is_deterministic_and_answers_are_right(self):
        a = chatdata.conversations("val", 50, 7, POOLS)
        self.assertEqual(a, chatdata.conversations("val", 50, 7, POOLS))
        checked = 0
        for conv in a:
            for m in conv:
                if m.get("skill") in ("add", "sub"):
                    # "a + b: a0 + b0 = u, a1 + b1 + carry = t, so a + b = r." (or a - b with a borrow)
                    x, y, u1, u2, u, t1, m2, m3, t, x2, y2, r = map(int, re.findall(r"\d+", m["content"]))
                    self.assertEqual((x2, y2), (x, y))
                    if m["skill"] == "add":
                        self.assertEqual((u1, u2, u), (x % 10, y % 10, x % 10 + y % 10))
                        self.assertEqual((t1, m2, m3, t), (x // 10, y // 10, u // 10, x // 10 + y // 10 + u // 10))
                        self.assertEqual(r, x + y)
                        self.assertEqual(r, 10 * t + u % 10)
                    else:
                        self.assertEqual((u1 % 10, u2, u), (x % 10, y % 10, u1 - u2))
                        self.assertEqual((t1, m2, m3, t), (x // 10, u1 // 10, y // 10, x // 10 - u1 // 10 - y // 10))
                        self.assertEqual(r, x - y)
                        self.assertEqual(r, 10 * t + u)
                    checked += 1
        self.assertGreater(checked, 50)

    def test_worked_answers(self):
        self.assertEqual(chatdata.add_answer(23, 49), "23 + 49: 3 + 9 = 12, 2 + 4 + 1 = 7, so 23 + 49 = 72.")
        self.assertEqual(chatdata.add_answer(81, 42), "81 + 42: 1 + 2 = 3, 8 + 4 + 0 = 12, so 81 + 42 = 123.")
        self.assertEqual(chatdata.sub_answer(72, 49), "72 - 49: 12 - 9 = 3, 7 - 1 - 4 = 2, so 72 - 49 = 23.")
        self.assertEqual(chatdata.sub_answer(45, 42), "45 - 42: 5 - 2 = 3, 4 - 0 - 4 = 0, so 45 - 42 = 3.")

    def test_recall_comes_one_to_three_turns_after_the_fact(self):
        for conv in chatdata.conversations("train", 300, 3, POOLS):
            answers = [m for m in conv if m["role"] == "assistant"]
            stated = {}
            for turn, (user, answer) in enumerate(zip(conv[0::2], answers)):
                if answer["skill"] == "ack":
                    stated[user["content"]] = turn
                if answer["skill"] == "recall_name":
                    name = answer["content"][len("Your name is "):-1]
                    turns = [t for text, t in stated.items() if name in text]
                    self.assertTrue(turns)
                    self.assertLessEqual(turn - turns[0], 5)


class EchoDataTest(unittest.TestCase):
    """sft-echo's data: acknowledgements that repeat the fact, recall-heavy training conversations."""

    def test_echo_test_conversations_differ_only_in_the_acknowledgements_of_facts(self):
        plain = chatdata.conversations("test", 300, 1234, POOLS)
        echo = chatdata.conversations("test", 300, 1234, POOLS, echo=True)
        changed = 0
        for p, e in zip(plain, echo):
            self.assertEqual(len(p), len(e))
            for mp, me in zip(p, e):
                if mp["content"] != me["content"]:
                    changed += 1
                    self.assertEqual((mp["content"], mp["skill"], me["skill"]), (chatdata.ACK, "ack", "ack"))
                    self.assertRegex(me["content"], r"^OK, (you live in|your favourite colour is|your number is) ")
        self.assertGreater(changed, 100)

    def test_each_recalled_fact_was_echoed_earlier_in_the_same_words(self):
        for heavy in (False, True):
            for conv in chatdata.conversations("train", 300, 3, POOLS, echo=True, recall_heavy=heavy):
                said = []
                for m in conv:
                    if m["role"] != "assistant":
                        continue
                    if m["skill"] == "recall_fact":
                        text = m["content"]
                        self.assertIn("OK, " + text[0].lower() + text[1:], said)
                    said.append(m["content"])

    def test_recall_heavy_training_data_has_more_recalls_and_only_training_pairs_and_names(self):
        def recall_share(convs):
            answers = [m for c in convs for m in c if m["role"] == "assistant"]
            return sum(m["skill"].startswith("recall") for m in answers) / len(answers)

        heavy = chatdata.conversations("train", 2000, 1234, POOLS, echo=True, recall_heavy=True)
        self.assertGreater(recall_share(heavy), recall_share(chatdata.conversations("train", 2000, 1234, POOLS))
                           + 0.05)
        self.assertTrue(set().union(*(operand_pairs(c) for c in heavy)) <= set(POOLS.pairs["train"]))
        names = {m["content"][len("Your name is "):-1] for c in heavy for m in c if m.get("skill") == "recall_name"}
        self.assertTrue(names <= set(POOLS.names["train"]))


class TokenizerTest(unittest.TestCase):
    def test_segment_encoding_equals_whole_text_encoding_and_masks_assistant_tokens(self):
        convs = chatdata.conversations("train", 200, 5, POOLS)
        texts = []  # trained without the echoed acknowledgements, as the default model's tokenizer
        for c in convs:
            texts += ["user\n", "assistant\n"] + [m["content"] for m in c]
        tok = ByteLevelBpe.train(texts, 400, SPECIALS, split_digits=True)
        enc = FastEncoder(tok)
        echo = chatdata.conversations("train", 20, 5, POOLS, echo=True, recall_heavy=True)
        for c in convs[:20] + echo:
            ids, mask = enc.conversation(c)
            self.assertEqual(ids, tok.encode(chatdata.render(c)))
            own = tok.decode([i for i, m in zip(ids, mask) if m])
            self.assertEqual(own, "".join(m["content"] + "<|im_end|>" for m in c if m["role"] == "assistant"))
        self.assertTrue(all(len(tok.encode(d)) == 1 for d in "0123456789"))
        self.assertEqual(len(tok.encode("12345")), 5)


class TrainingPartsTest(unittest.TestCase):
    def test_lora_merge_gives_the_same_logits(self):
        cfg = LlamaConfig(vocab_size=64, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                          num_attention_heads=4, num_key_value_heads=2)
        model = LlamaForCausalLM(cfg)
        model.init_weights(torch.Generator().manual_seed(0))
        add_lora(model, 4)
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


if __name__ == "__main__":
    unittest.main()
