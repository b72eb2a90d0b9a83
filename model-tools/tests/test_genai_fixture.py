"""genai_fixture's graphs have the shape of ONNX Runtime GenAI's GroupQueryAttention decoders: no position_ids (rotary
inside the attention), every present straight out of a GroupQueryAttention node that reads the matching past, and
the row lengths either derived from the attention mask in the graph or taken as int32 inputs. The engine's tests run
the committed fixtures against their reference; this checks what the graph is made of."""

import unittest

import torch
from onnx import TensorProto

from llmtools.genai_fixture import build_graph, genai_config
from llmtools.llama import LlamaConfig, LlamaForCausalLM

CFG = LlamaConfig(vocab_size=64, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                  num_attention_heads=4, num_key_value_heads=2)


def graph(row_lengths_as_inputs):
    torch.manual_seed(5)
    return build_graph(LlamaForCausalLM(CFG).eval(), row_lengths_as_inputs).graph


class GenAiFixtureTest(unittest.TestCase):

    def test_presents_come_from_group_query_attention_with_rotary_inside(self):
        g = graph(False)
        gqa = [n for n in g.node if n.op_type == "GroupQueryAttention"]
        self.assertEqual(CFG.num_hidden_layers, len(gqa))
        for layer, node in enumerate(gqa):
            attrs = {a.name: a.i for a in node.attribute}
            self.assertEqual((CFG.num_attention_heads, CFG.num_key_value_heads, 1, 0),
                             (attrs["num_heads"], attrs["kv_num_heads"], attrs["do_rotary"],
                              attrs["rotary_interleaved"]))
            self.assertEqual([f"past_key_values.{layer}.key", f"past_key_values.{layer}.value"], list(node.input[3:5]))
            self.assertEqual([f"present.{layer}.key", f"present.{layer}.value"], list(node.output[1:3]))
            self.assertEqual(["/model/rotary/cos_cache", "/model/rotary/sin_cache"], list(node.input[7:9]))
        self.assertEqual(["input_ids", "attention_mask"] + [f"past_key_values.{i}.{k}" for i in range(2)
                                                            for k in ("key", "value")],
                         [i.name for i in g.input])
        # the builder's mask subgraph: seqlens_k = ReduceSum(mask) - 1, total = Shape(mask)[1], both int32
        self.assertEqual({"/model/mask/seqlens_k", "/model/mask/total_sequence_length"},
                         {n.input[5] for n in gqa} | {n.input[6] for n in gqa})

    def test_row_lengths_as_int32_inputs_instead_of_a_mask(self):
        g = graph(True)
        inputs = {i.name: i.type.tensor_type for i in g.input}
        self.assertNotIn("attention_mask", inputs)
        self.assertEqual(TensorProto.INT32, inputs["seqlens_k"].elem_type)
        self.assertEqual(1, len(inputs["seqlens_k"].shape.dim))
        self.assertEqual(TensorProto.INT32, inputs["total_sequence_length"].elem_type)
        self.assertEqual(0, len(inputs["total_sequence_length"].shape.dim))
        gqa = [n for n in g.node if n.op_type == "GroupQueryAttention"]
        self.assertEqual({("seqlens_k", "total_sequence_length")}, {(n.input[5], n.input[6]) for n in gqa})

    def test_config_declares_the_shared_buffer_and_names_what_the_graph_takes(self):
        with_mask = genai_config(CFG, [3, 1], False)
        lengths = genai_config(CFG, [3, 1], True)
        self.assertTrue(with_mask["search"]["past_present_share_buffer"])
        self.assertEqual("attention_mask", with_mask["model"]["decoder"]["inputs"]["attention_mask"])
        self.assertNotIn("position_ids", with_mask["model"]["decoder"]["inputs"])
        self.assertNotIn("attention_mask", lengths["model"]["decoder"]["inputs"])
        self.assertEqual("seqlens_k", lengths["model"]["decoder"]["inputs"]["seqlens_k"])


if __name__ == "__main__":
    unittest.main()
