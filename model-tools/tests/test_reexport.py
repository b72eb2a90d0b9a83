"""llmtools.reexport: the weights read back from a graph that export_onnx wrote are the model's own, exactly,
for tied and untied embeddings and grouped-query attention — so a model whose checkpoint is gone can be
exported again when the export code changes."""

import os
import tempfile
import unittest

import onnx
import torch

from llmtools import reexport
from llmtools.export import export_onnx
from llmtools.llama import LlamaConfig, LlamaForCausalLM


def round_trip(cfg: LlamaConfig):
    torch.manual_seed(7)
    model = LlamaForCausalLM(cfg)
    with torch.no_grad():  # norms away from their all-ones start, so that none is stored once for several
        for name, p in model.named_parameters():
            if name.endswith("norm.weight"):
                p.uniform_(0.5, 1.5)
    model.eval()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.onnx")
        export_onnx(model, path)
        state = reexport.state_from_graph(onnx.load(path).graph, cfg)
    return model.state_dict(), state


class ReexportTest(unittest.TestCase):

    def check(self, cfg):
        expected, state = round_trip(cfg)
        self.assertEqual(sorted(expected), sorted(state))
        for name, tensor in expected.items():
            self.assertTrue(torch.equal(tensor, state[name]), name)

    def test_grouped_query_attention_tied_embeddings(self):
        self.check(LlamaConfig(vocab_size=96, hidden_size=32, intermediate_size=48, num_hidden_layers=2,
                               num_attention_heads=4, num_key_value_heads=2, tie_word_embeddings=True))

    def test_multi_head_attention_untied_embeddings(self):
        self.check(LlamaConfig(vocab_size=96, hidden_size=32, intermediate_size=48, num_hidden_layers=3,
                               num_attention_heads=4, num_key_value_heads=4, tie_word_embeddings=False))

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


if __name__ == "__main__":
    unittest.main()
