"""llmtools.quantize: int8 codes and scales reproduce the fp32 weights within half a step, every weight of a
fixture graph is replaced, inputs and outputs stay as they were, and the output is deterministic.

The graphs are executed by ONNX Runtime in inference-service's Int8WeightsTest (there is no onnxruntime for
Python here); these checks decode the quantized initializers back and compare them with the fp32 ones.
"""

import os
import tempfile
import unittest

import numpy as np
import onnx
from onnx import TensorProto, numpy_helper

from llmtools import quantize

REPO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
FIXTURE = os.path.join(REPO, "test-models", "tiny-llama-mha")  # untied, hidden 48: K is not a block multiple


def weights_of(model):
    """{(node output, role): fp32 weight} for MatMul right-hand sides and Gather tables, decoded if quantized."""
    inits = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    produced = {}
    for node in model.graph.node:
        for o in node.output:
            produced[o] = node
    out = {}
    for node in model.graph.node:
        if node.op_type == "MatMul" and node.input[1] in inits:
            out[node.output[0]] = inits[node.input[1]]
        elif node.op_type == "MatMul" and node.input[1] in produced and \
                produced[node.input[1]].op_type == "DequantizeLinear":
            q, s, z = (inits[n] for n in produced[node.input[1]].input)
            out[node.output[0]] = (q.astype(np.float32) - z.astype(np.float32)) * s.reshape(1, -1)
        elif node.op_type == "MatMulNBits":
            attrs = {a.name: a.i for a in node.attribute}
            assert attrs["bits"] == 8
            out[node.output[0]] = quantize.dequantize_nbits(inits[node.input[1]], inits[node.input[2]], attrs["K"])
        elif node.op_type == "Gather" and node.input[0] in inits and inits[node.input[0]].ndim == 2 \
                and inits[node.input[0]].shape[1] > 1:
            table = inits[node.input[0]]
            if table.dtype == np.int8:  # the quantized embedding: find its scale Gather beside it
                scale = next(inits[n.input[0]] for n in model.graph.node
                             if n.op_type == "Gather" and n.input[1] == node.input[1]
                             and inits.get(n.input[0]) is not None and inits[n.input[0]].dtype == np.float32)
                table = table.astype(np.float32) * scale
                key = node.output[0][: -len("_int8")]
            else:
                key = node.output[0]
            out[key] = table
    return out


class QuantizeTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.fp32 = onnx.load(os.path.join(FIXTURE, "onnx", "model.onnx"))
        cls.reference = weights_of(cls.fp32)

    def test_nbits_round_trip_within_half_a_step_with_padding(self):
        rng = np.random.default_rng(0)
        w = rng.normal(size=(48, 7)).astype(np.float32)  # K=48: one full block of 32 and one padded
        w[:, 3] = 0  # an all-zero column keeps scale 1 and codes 128
        b, scales = quantize.nbits_weight(w, 32)
        self.assertEqual(b.shape, (7, 2, 32))
        self.assertEqual(b.dtype, np.uint8)
        self.assertEqual(scales.shape, (7, 2))
        back = quantize.dequantize_nbits(b, scales, 48)
        step = np.repeat(scales.T, 32, axis=0)[:48]  # per-element scale, [K, N]
        self.assertTrue(np.all(np.abs(back - w) <= step / 2 + 1e-7))
        self.assertTrue(np.all(b[3] == 128))
        self.assertTrue(np.all(b[:, 1, 16:] == 128), "padding beyond K must be code 0")
        self.assertGreaterEqual(int(b.min()), 1)  # symmetric: codes -127..127

    def check(self, fmt, expected_ops):
        q = quantize.quantize_model(self.fp32, fmt=fmt)
        self.assertEqual([i.name for i in q.graph.input], [i.name for i in self.fp32.graph.input])
        self.assertEqual([o.name for o in q.graph.output], [o.name for o in self.fp32.graph.output])
        weights = {n.input[1] for n in self.fp32.graph.node if n.op_type == "MatMul"} | \
            {n.input[0] for n in self.fp32.graph.node if n.op_type == "Gather"}
        left = [i.name for i in q.graph.initializer if i.name in weights and i.data_type == TensorProto.FLOAT]
        self.assertEqual(left, [], "every weight matrix is int8")
        fp32_bytes = sum(numpy_helper.to_array(i).nbytes for i in q.graph.initializer
                         if i.data_type == TensorProto.FLOAT)
        int8_bytes = sum(numpy_helper.to_array(i).nbytes for i in q.graph.initializer
                         if i.data_type in (TensorProto.INT8, TensorProto.UINT8))
        self.assertLess(fp32_bytes, int8_bytes / 2, "scales and norms only")
        ops = {n.op_type for n in q.graph.node}
        self.assertTrue(expected_ops <= ops, ops)
        decoded = weights_of(q)
        self.assertEqual(sorted(decoded), sorted(self.reference))
        for name, w in self.reference.items():
            bound = np.abs(w).max() / 127 / 2 + 1e-6  # half a step of the coarsest possible scale
            err = np.abs(decoded[name] - w).max()
            self.assertLessEqual(err, bound, name)
            self.assertGreater(np.abs(decoded[name]).max(), 0.5 * np.abs(w).max(), name)
        return q

    def test_nbits_graph(self):
        q = self.check("nbits", {"MatMulNBits", "Gather", "Cast"})
        domains = {o.domain: o.version for o in q.opset_import}
        self.assertEqual(domains.get("com.microsoft"), 1)
        for node in q.graph.node:
            if node.op_type == "MatMulNBits":
                attrs = {a.name: a.i for a in node.attribute}
                self.assertEqual((attrs["bits"], attrs["block_size"], attrs["accuracy_level"]), (8, 32, 4))
        inits = {i.name for i in q.graph.initializer}
        self.assertEqual([n.name for n in q.graph.node if n.op_type == "MatMul" and n.input[1] in inits], [])

    def test_qdq_graph_passes_the_onnx_checker(self):
        q = self.check("qdq", {"DequantizeLinear", "MatMul", "Gather", "Cast"})
        onnx.checker.check_model(q)
        for node in q.graph.node:
            if node.op_type == "DequantizeLinear":
                self.assertEqual([a.i for a in node.attribute if a.name == "axis"], [1])

    def test_folder_is_deterministic_and_skips_the_fp32_reference(self):
        with tempfile.TemporaryDirectory() as tmp:
            a, b = os.path.join(tmp, "a"), os.path.join(tmp, "b")
            info = quantize.quantize_folder(FIXTURE, a)
            quantize.quantize_folder(FIXTURE, b)
            with open(os.path.join(a, "onnx", "model.onnx"), "rb") as fa, \
                    open(os.path.join(b, "onnx", "model.onnx"), "rb") as fb:
                self.assertEqual(fa.read(), fb.read())
            self.assertFalse(os.path.exists(os.path.join(a, "reference.json")))
            self.assertTrue(os.path.exists(os.path.join(a, "config.json")))
            self.assertEqual(os.path.normpath(os.path.join(a, info["source"])), os.path.normpath(FIXTURE))
            self.assertLess(info["bytes"], info["source_bytes"] / 2)

    def test_rejects_a_model_without_fp32_weights(self):
        with self.assertRaises(ValueError):
            quantize.quantize_model(quantize.quantize_model(self.fp32))
        with self.assertRaises(ValueError):
            quantize.quantize_model(self.fp32, block_size=48)


if __name__ == "__main__":
    unittest.main()
