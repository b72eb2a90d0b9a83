"""export_onnx(shared_kv=True): attention as ONNX Runtime's GroupQueryAttention, so that a runtime can bind one
buffer as both past and present and have the cache updated in place. The engine's parity tests run the exported
graph (test-models/tiny-llama-gqa-shared-kv against tiny-llama-gqa, the same weights); this checks the graph's
shape of it: every present comes straight out of a GroupQueryAttention node that reads the matching past, and no
Concat copies the cache."""

import os
import tempfile
import unittest

import onnx
import torch

from llmtools.export import export_onnx
from llmtools.llama import LlamaConfig, LlamaForCausalLM

CFG = LlamaConfig(vocab_size=64, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                  num_attention_heads=4, num_key_value_heads=2)


def export(shared_kv: bool, dtype=torch.float32):
    torch.manual_seed(3)
    model = LlamaForCausalLM(CFG, dtype).eval()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.onnx")
        export_onnx(model, path, shared_kv=shared_kv)
        return onnx.load(path)


class SharedKvExportTest(unittest.TestCase):

    def test_presents_are_written_by_group_query_attention_from_their_pasts(self):
        graph = export(shared_kv=True).graph
        gqa = [n for n in graph.node if n.op_type == "GroupQueryAttention"]
        self.assertEqual(CFG.num_hidden_layers, len(gqa))
        for layer, node in enumerate(gqa):
            self.assertEqual("com.microsoft", node.domain)
            attrs = {a.name: a.i for a in node.attribute}
            self.assertEqual(CFG.num_attention_heads, attrs["num_heads"])
            self.assertEqual(CFG.num_key_value_heads, attrs["kv_num_heads"])
            self.assertEqual([f"past_key_values.{layer}.key", f"past_key_values.{layer}.value"],
                             list(node.input[3:5]))
            self.assertEqual([f"present.{layer}.key", f"present.{layer}.value"], list(node.output[1:3]))
        pasts = {i.name for i in graph.input if i.name.startswith("past_key_values.")}
        readers = [n.op_type for n in graph.node if pasts & set(n.input)]
        self.assertEqual(["GroupQueryAttention"] * CFG.num_hidden_layers, readers)

    def test_the_copying_export_concatenates_past_and_new(self):
        graph = export(shared_kv=False).graph
        self.assertFalse([n for n in graph.node if n.op_type == "GroupQueryAttention"])
        concats = {o for n in graph.node if n.op_type == "Concat" for o in n.output}
        self.assertIn("present.0.key", concats)

    def test_float16_storage_is_refused(self):
        with self.assertRaises(ValueError):
            export(shared_kv=True, dtype=torch.float16)


if __name__ == "__main__":
    unittest.main()
