"""Weight-only int8 variant of an exported fp32 model folder.

    /usr/bin/python3 -m llmtools.quantize <model-dir> <out-dir> [--format nbits|qdq] [--block-size 32]

Every MatMul whose right-hand side is a 2-D fp32 initializer W [K, N] and every Gather from a 2-D fp32
initializer E [vocab, hidden] (the token embedding) get int8 weights with symmetric scales
(scale = max|w| / 127, zero point 0, codes in [-127, 127]); activations, the KV cache and the logits stay fp32,
so the graph's inputs and outputs are unchanged and the engine serves it like the fp32 model.

- ``nbits`` (default): ONNX Runtime's ``com.microsoft.MatMulNBits`` with ``bits=8``: B stored [N, K/block,
  block] as uint8 (code + 128, the operator's default zero point), one scale per output column and block of
  ``block_size`` rows of K (per-channel when block_size >= K). ``accuracy_level=4`` lets the CPU kernel quantize
  the activations per block to int8 and use integer dot products (AVX2/AVX-512 VNNI); without it ONNX Runtime
  dequantizes the whole of B to fp32 on every call.
- ``qdq``: standard ONNX ``DequantizeLinear(int8 [K, N], scale [N], axis=1) -> MatMul``, per output channel;
  portable to any ONNX runtime, but ONNX Runtime's CPU provider dequantizes each weight on every step.

The embedding Gather is standard ONNX in both formats: ``Gather(int8 [vocab, hidden]) -> Cast -> Mul`` by
``Gather(scale [vocab, 1])``, one scale per token row, so a step reads only the rows it looks up.

The other files of the folder are copied; reference.json is not (its fp32 logits do not hold for int8), and
``quantization.json`` records how the weights were made. Same input, same bytes.
"""

import argparse
import json
import os
import shutil
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

MS_DOMAIN = "com.microsoft"
FORMATS = ("nbits", "qdq")


def symmetric_int8(w: np.ndarray, axis: int):
    """Codes int8 in [-127, 127] and fp32 scales reduced over ``axis`` (kept as size 1)."""
    amax = np.max(np.abs(w), axis=axis, keepdims=True).astype(np.float32)
    scale = np.where(amax > 0, amax / np.float32(127), np.float32(1)).astype(np.float32)
    codes = np.clip(np.rint(w / scale), -127, 127).astype(np.int8)
    return codes, scale


def nbits_weight(w: np.ndarray, block_size: int):
    """W [K, N] fp32 -> (B uint8 [N, blocks, block_size], scales fp32 [N, blocks]) for MatMulNBits bits=8.

    K is zero-padded to whole blocks; dequantized W[k, n] = (B[n, k // bs, k % bs] - 128) * scales[n, k // bs].
    """
    k, n = w.shape
    blocks = -(-k // block_size)
    padded = np.zeros((blocks * block_size, n), dtype=np.float32)
    padded[:k] = w
    per_block = padded.T.reshape(n, blocks, block_size)  # [N, blocks, block]
    codes, scale = symmetric_int8(per_block, axis=2)
    b = (codes.astype(np.int16) + 128).astype(np.uint8)
    return b, scale.reshape(n, blocks)


def dequantize_nbits(b: np.ndarray, scales: np.ndarray, k: int) -> np.ndarray:
    """Inverse of nbits_weight: W [K, N] fp32."""
    n, blocks, block = b.shape
    w = (b.astype(np.float32) - 128) * scales.reshape(n, blocks, 1)
    return w.reshape(n, blocks * block)[:, :k].T.copy()


def _weight_users(graph, initializers):
    """Nodes that read a 2-D fp32 initializer as a weight: (node, initializer name) for MatMul B and the token
    embedding's Gather (indexed by a graph input; a table indexed by positions keeps its precision)."""
    graph_inputs = {i.name for i in graph.input}
    out = []
    for node in graph.node:
        if node.op_type == "MatMul" and len(node.input) == 2:
            name = node.input[1]
        elif node.op_type == "Gather" and len(node.input) == 2 and node.input[1] in graph_inputs and \
                not any(a.name == "axis" and a.i != 0 for a in node.attribute):
            name = node.input[0]
        else:
            continue
        init = initializers.get(name)
        if init is not None and init.data_type == TensorProto.FLOAT and len(init.dims) == 2:
            out.append((node, name))
    return out


def quantize_model(model: onnx.ModelProto, fmt: str = "nbits", block_size: int = 32,
                   accuracy_level: int = 4) -> onnx.ModelProto:
    """Returns a new ModelProto with int8 weights; ``model`` is left as it was."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, got {fmt!r}")
    if block_size < 16 or block_size & (block_size - 1):
        raise ValueError(f"block_size must be a power of two >= 16, got {block_size}")
    if any(n.op_type in ("MatMulNBits", "DequantizeLinear") for n in model.graph.node):
        raise ValueError("the model is already quantized")
    model = onnx.ModelProto.FromString(model.SerializeToString())
    graph = model.graph
    initializers = {i.name: i for i in graph.initializer}
    users = _weight_users(graph, initializers)
    if not users:
        raise ValueError("no fp32 MatMul or Gather weights found: is this an fp32 model?")
    use_count = {}
    for node in graph.node:
        for name in node.input:
            use_count[name] = use_count.get(name, 0) + 1

    replacements = {}  # id(node) -> [new nodes]
    new_inits, dropped = [], set()
    quantized = {}  # (initializer name, kind) -> names of the quantized tensors, shared by every user
    for node, name in users:
        w = numpy_helper.to_array(initializers[name])
        tag = name.replace("::", "_").replace("/", "_").replace(".", "_")
        if node.op_type == "Gather":
            key = (name, "rows")
            if key not in quantized:
                codes, scale = symmetric_int8(w, axis=1)  # one scale per row: [vocab, 1]
                q, s = f"{tag}_int8", f"{tag}_row_scale"
                new_inits += [numpy_helper.from_array(codes, q), numpy_helper.from_array(scale, s)]
                quantized[key] = (q, s)
            q, s = quantized[key]
            ids, out = node.input[1], node.output[0]
            replacements[id(node)] = [
                helper.make_node("Gather", [q, ids], [out + "_int8"], axis=0),
                helper.make_node("Cast", [out + "_int8"], [out + "_codes"], to=TensorProto.FLOAT),
                helper.make_node("Gather", [s, ids], [out + "_scale"], axis=0),
                helper.make_node("Mul", [out + "_codes", out + "_scale"], [out]),
            ]
        elif fmt == "nbits":
            k, n = w.shape
            key = (name, "nbits")
            if key not in quantized:
                b, scales = nbits_weight(w, block_size)
                q, s = f"{tag}_q8", f"{tag}_scales"
                new_inits += [numpy_helper.from_array(b, q), numpy_helper.from_array(scales, s)]
                quantized[key] = (q, s)
            q, s = quantized[key]
            replacements[id(node)] = [helper.make_node(
                "MatMulNBits", [node.input[0], q, s], list(node.output), domain=MS_DOMAIN,
                K=k, N=n, bits=8, block_size=block_size, accuracy_level=accuracy_level)]
        else:
            key = (name, "qdq")
            if key not in quantized:
                codes, scale = symmetric_int8(w, axis=0)  # one scale per output column: [1, N]
                q, s, z = f"{tag}_int8", f"{tag}_col_scale", f"{tag}_zero_point"
                new_inits += [numpy_helper.from_array(codes, q),
                              numpy_helper.from_array(scale.reshape(-1), s),
                              numpy_helper.from_array(np.zeros(w.shape[1], dtype=np.int8), z)]
                quantized[key] = (q, s, z)
            q, s, z = quantized[key]
            deq = node.output[0] + "_weight"
            replacements[id(node)] = [
                helper.make_node("DequantizeLinear", [q, s, z], [deq], axis=1),
                helper.make_node("MatMul", [node.input[0], deq], list(node.output)),
            ]
        use_count[name] -= 1
        if use_count[name] == 0:
            dropped.add(name)

    nodes = []
    for node in graph.node:
        nodes.extend(replacements.get(id(node), [node]))
    del graph.node[:]
    graph.node.extend(nodes)
    kept = [i for i in graph.initializer if i.name not in dropped]
    del graph.initializer[:]
    graph.initializer.extend(kept + new_inits)
    # value_info of replaced weights would now be stale
    stale = {v.name for v in graph.value_info if v.name in dropped}
    keep_vi = [v for v in graph.value_info if v.name not in stale]
    del graph.value_info[:]
    graph.value_info.extend(keep_vi)
    if fmt == "nbits" and not any(o.domain == MS_DOMAIN for o in model.opset_import):
        model.opset_import.append(helper.make_opsetid(MS_DOMAIN, 1))
    return model


def quantize_folder(src: str, dst: str, fmt: str = "nbits", block_size: int = 32, accuracy_level: int = 4):
    onnx_path = os.path.join(src, "onnx", "model.onnx")
    if not os.path.isfile(onnx_path):
        raise SystemExit(f"{src}: no onnx/model.onnx")
    model = onnx.load(onnx_path)
    q = quantize_model(model, fmt, block_size, accuracy_level)
    os.makedirs(os.path.join(dst, "onnx"), exist_ok=True)
    for name in sorted(os.listdir(src)):
        path = os.path.join(src, name)
        if os.path.isfile(path) and name not in ("reference.json", "quantization.json"):
            shutil.copyfile(path, os.path.join(dst, name))
    out_path = os.path.join(dst, "onnx", "model.onnx")
    onnx.save(q, out_path)
    if fmt == "qdq":
        onnx.checker.check_model(q)  # MatMulNBits is outside the ONNX schemas the checker knows
    info = {
        "source": os.path.relpath(src, dst),
        "weights": "int8, symmetric",
        "format": fmt,
        "block_size": block_size if fmt == "nbits" else None,
        "accuracy_level": accuracy_level if fmt == "nbits" else None,
        "embedding": "int8 rows, one scale per token",
        "source_bytes": os.path.getsize(onnx_path),
        "bytes": os.path.getsize(out_path),
    }
    with open(os.path.join(dst, "quantization.json"), "w", encoding="utf-8") as f:
        json.dump(info, f, indent=2)
        f.write("\n")
    return info


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model_dir")
    parser.add_argument("out_dir")
    parser.add_argument("--format", choices=FORMATS, default="nbits")
    parser.add_argument("--block-size", type=int, default=32, help="nbits: rows of K per scale (power of 2)")
    parser.add_argument("--accuracy-level", type=int, default=4, help="nbits: 4 = int8 compute, 0 = fp32")
    args = parser.parse_args(argv)
    info = quantize_folder(args.model_dir, args.out_dir, args.format, args.block_size, args.accuracy_level)
    print(f"wrote {args.out_dir}: {info['source_bytes']:,} -> {info['bytes']:,} bytes ({args.format})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
