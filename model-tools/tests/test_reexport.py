"""llmtools.reexport: the weights read back from a graph that export_onnx wrote are the model's own, exactly,
for tied and untied embeddings and grouped-query attention, from the growing-KV graph and from the shared-KV one
(GroupQueryAttention) — so a model whose checkpoint is gone can be exported again when the export code changes;
and the command re-exports a model folder with the shared KV cache by default, the growing one on request."""

import contextlib
import io
import json
import os
import tempfile
import unittest

import onnx
import torch

from llmtools import reexport
from llmtools.export import export_onnx
from llmtools.fixtures import write_fixture
from llmtools.llama import LlamaConfig, LlamaForCausalLM


def round_trip(cfg: LlamaConfig, shared_kv=False):
    torch.manual_seed(7)
    model = LlamaForCausalLM(cfg)
    with torch.no_grad():  # norms away from their all-ones start, so that none is stored once for several
        for name, p in model.named_parameters():
            if name.endswith("norm.weight"):
                p.uniform_(0.5, 1.5)
    model.eval()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.onnx")
        export_onnx(model, path, shared_kv=shared_kv)
        state = reexport.state_from_graph(onnx.load(path).graph, cfg)
    return model.state_dict(), state


class ReexportTest(unittest.TestCase):

    def check(self, cfg, shared_kv=False):
        expected, state = round_trip(cfg, shared_kv)
        self.assertEqual(sorted(expected), sorted(state))
        for name, tensor in expected.items():
            self.assertTrue(torch.equal(tensor, state[name]), name)

    def test_grouped_query_attention_tied_embeddings(self):
        self.check(LlamaConfig(vocab_size=96, hidden_size=32, intermediate_size=48, num_hidden_layers=2,
                               num_attention_heads=4, num_key_value_heads=2, tie_word_embeddings=True))

    def test_multi_head_attention_untied_embeddings(self):
        self.check(LlamaConfig(vocab_size=96, hidden_size=32, intermediate_size=48, num_hidden_layers=3,
                               num_attention_heads=4, num_key_value_heads=4, tie_word_embeddings=False))

    def test_shared_kv_graph_grouped_query_attention(self):
        self.check(LlamaConfig(vocab_size=96, hidden_size=32, intermediate_size=48, num_hidden_layers=2,
                               num_attention_heads=4, num_key_value_heads=2, tie_word_embeddings=True), shared_kv=True)

    def test_shared_kv_graph_multi_head_attention(self):
        # o_proj and a first-export k_proj have the same node name and shape here: only the graph's kind tells them
        self.check(LlamaConfig(vocab_size=96, hidden_size=32, intermediate_size=48, num_hidden_layers=3,
                               num_attention_heads=4, num_key_value_heads=4, tie_word_embeddings=False), shared_kv=True)

    def test_norms_still_all_ones_are_shared_through_identity_nodes(self):
        cfg = LlamaConfig(vocab_size=96, hidden_size=32, intermediate_size=48, num_hidden_layers=2,
                          num_attention_heads=4, num_key_value_heads=2)
        torch.manual_seed(7)
        model = LlamaForCausalLM(cfg).eval()
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "model.onnx")
            export_onnx(model, path)
            graph = onnx.load(path).graph
            state = reexport.state_from_graph(graph, cfg)
        self.assertTrue(any(n.op_type == "Identity" for n in graph.node))
        for name, tensor in model.state_dict().items():
            self.assertTrue(torch.equal(tensor, state[name]), name)


class ReexportCommandTest(unittest.TestCase):
    """The command on a model folder: fixtures.write_fixture's folder of a small growing-KV model."""

    def test_shared_by_default_and_back_to_growing_with_the_same_weights(self):
        cfg = LlamaConfig(vocab_size=384, hidden_size=32, intermediate_size=48, num_hidden_layers=2,
                          num_attention_heads=4, num_key_value_heads=4, init_std=0.35)
        with tempfile.TemporaryDirectory() as tmp:
            with contextlib.redirect_stdout(io.StringIO()):
                write_fixture(tmp, "m", cfg, 5, False)
            folder = os.path.join(tmp, "m")
            path = os.path.join(folder, "onnx", "model.onnx")
            with open(path, "rb") as f:
                growing = f.read()
            with contextlib.redirect_stdout(io.StringIO()):
                reexport.main([folder])
            graph = onnx.load(path).graph
            self.assertTrue(any(n.op_type == "GroupQueryAttention" for n in graph.node))
            self.assertTrue(config(folder)["past_present_share_buffer"])
            with contextlib.redirect_stdout(io.StringIO()):
                reexport.main([folder, "--no-shared-kv"])
            self.assertNotIn("past_present_share_buffer", config(folder))
            with open(path, "rb") as f:
                self.assertEqual(growing, f.read())  # the same weights, exported the same way: the same bytes


def config(folder):
    with open(os.path.join(folder, "config.json"), encoding="utf-8") as f:
        return json.load(f)


if __name__ == "__main__":
    unittest.main()
