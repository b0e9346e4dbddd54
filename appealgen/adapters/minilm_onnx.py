"""all-MiniLM-L6-v2 as an ONNX graph built from the shipped safetensors weights, run by onnxruntime.

The numpy encoder in embeddings.py is the reference. This module writes the same BERT forward
pass as an ONNX graph (standard operators only, so onnxruntime's optimiser fuses LayerNorm,
GELU and the bias adds), then quantises the weights of its matrix products to int8, which
onnxruntime runs with the CPU's integer dot-product instructions. Built once, cached as a file
keyed by the weights' hash; no torch, no hub download.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from appealgen.adapters.embeddings import float_weights, model_config
from appealgen.errors import DependencyError

GRAPH_VERSION = "2"  # bump when the graph below changes, so cached files are rebuilt
_OPSET = 17


def build_graph(weights: dict[str, np.ndarray], config: dict) -> bytes:
    """The encoder as a serialised ONNX model.

    Inputs: input_ids [batch, seq] int64, position_ids [batch, seq] int64 and attention_bias
    [batch, 1, 1, seq] float32 (0 for tokens, -1e4 for padding). Output: hidden [batch, seq, 384].
    """
    from onnx import TensorProto, helper, numpy_helper

    dim = int(config["hidden_size"])
    heads = int(config["num_attention_heads"])
    eps = float(config["layer_norm_eps"])
    nodes: list = []
    inits: list = []

    def const(name: str, array: np.ndarray) -> str:
        inits.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def node(op: str, inputs: list[str], out: str, **attrs: Any) -> str:
        nodes.append(helper.make_node(op, inputs, [out], name=out, **attrs))
        return out

    def linear(x: str, prefix: str, out: str) -> str:
        mm = node("MatMul", [x, const(out + ".w", weights[prefix + ".weight"].T.astype(np.float32))], out + ".mm")
        return node("Add", [mm, const(out + ".b", weights[prefix + ".bias"].astype(np.float32))], out)

    def layer_norm(x: str, prefix: str, out: str) -> str:
        return node("LayerNormalization", [x, const(out + ".g", weights[prefix + ".weight"]),
                                           const(out + ".beta", weights[prefix + ".bias"])],
                    out, axis=-1, epsilon=eps)

    word = node("Gather", [const("word_emb", weights["embeddings.word_embeddings.weight"]), "input_ids"], "word")
    pos = node("Gather", [const("pos_emb", weights["embeddings.position_embeddings.weight"]), "position_ids"], "pos")
    summed = node("Add", [word, pos], "emb_sum")
    summed = node("Add", [summed, const("type_emb", weights["embeddings.token_type_embeddings.weight"][0])], "emb_typed")
    x = layer_norm(summed, "embeddings.LayerNorm", "emb_ln")
    split_heads = const("split_heads", np.array([0, 0, heads, dim // heads], dtype=np.int64))
    merge_heads = const("merge_heads", np.array([0, 0, dim], dtype=np.int64))
    scale = const("scale", np.array(1.0 / np.sqrt(dim // heads), dtype=np.float32))
    half = const("half", np.array(0.5, dtype=np.float32))
    one = const("one", np.array(1.0, dtype=np.float32))
    inv_sqrt2 = const("inv_sqrt2", np.array(1.0 / np.sqrt(2.0), dtype=np.float32))
    for i in range(int(config["num_hidden_layers"])):
        p = f"encoder.layer.{i}."
        t = f"l{i}."
        qkv = {}
        for n in ("query", "key", "value"):
            proj = linear(x, p + f"attention.self.{n}", t + n)
            qkv[n] = node("Reshape", [proj, split_heads], t + n + ".heads")
        q = node("Transpose", [qkv["query"]], t + "qT", perm=[0, 2, 1, 3])
        k = node("Transpose", [qkv["key"]], t + "kT", perm=[0, 2, 3, 1])
        v = node("Transpose", [qkv["value"]], t + "vT", perm=[0, 2, 1, 3])
        scores = node("MatMul", [q, k], t + "scores")
        scores = node("Mul", [scores, scale], t + "scaled")
        scores = node("Add", [scores, "attention_bias"], t + "masked")
        probs = node("Softmax", [scores], t + "probs", axis=-1)
        ctx = node("MatMul", [probs, v], t + "ctx")
        ctx = node("Transpose", [ctx], t + "ctxT", perm=[0, 2, 1, 3])
        ctx = node("Reshape", [ctx, merge_heads], t + "ctx_merged")
        attn = linear(ctx, p + "attention.output.dense", t + "attn_out")
        x = layer_norm(node("Add", [attn, x], t + "attn_res"), p + "attention.output.LayerNorm", t + "attn_ln")
        inter = linear(x, p + "intermediate.dense", t + "inter")
        # Exact GELU, x * 0.5 * (1 + erf(x / sqrt 2)); onnxruntime fuses this pattern into one kernel.
        erf = node("Erf", [node("Mul", [inter, inv_sqrt2], t + "gelu_in")], t + "gelu_erf")
        gate = node("Add", [erf, one], t + "gelu_add")
        gelu = node("Mul", [node("Mul", [inter, gate], t + "gelu_mul"), half], t + "gelu")
        out = linear(gelu, p + "output.dense", t + "ffn_out")
        x = layer_norm(node("Add", [out, x], t + "ffn_res"), p + "output.LayerNorm", t + "ffn_ln")
    nodes.append(helper.make_node("Identity", [x], ["hidden"], name="hidden"))
    graph = helper.make_graph(
        nodes, "all-MiniLM-L6-v2",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "seq"]),
         helper.make_tensor_value_info("position_ids", TensorProto.INT64, ["batch", "seq"]),
         helper.make_tensor_value_info("attention_bias", TensorProto.FLOAT, ["batch", 1, 1, "seq"])],
        [helper.make_tensor_value_info("hidden", TensorProto.FLOAT, ["batch", "seq", dim])],
        initializer=inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", _OPSET)], producer_name="appealgen")
    model.ir_version = 8
    return model.SerializeToString()


def cached_model(root: Path, cache_dir: Path, quantize: bool = True) -> Path:
    """The ONNX file for the model in root, built (and int8-quantised) on first use and cached.

    The file is named by a hash of the graph version and the weights file, so the weights are
    read only when the file has to be built.
    """
    weights_path = root / "model.safetensors"
    digest = hashlib.sha256()
    digest.update(GRAPH_VERSION.encode())
    digest.update(str(weights_path.stat().st_size).encode())
    with weights_path.open("rb") as fh:
        digest.update(fh.read(1 << 20))
    name = f"minilm-{digest.hexdigest()[:16]}-{'int8' if quantize else 'fp32'}.onnx"
    target = cache_dir / name
    if target.exists():
        return target
    try:
        import onnx  # noqa: F401
        from onnxruntime.quantization import QuantType, quantize_dynamic
    except ImportError:
        raise DependencyError("The onnx package is missing; run `make setup`.") from None
    cache_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache_dir) as tmp:
        fp32 = Path(tmp) / "fp32.onnx"
        fp32.write_bytes(build_graph(float_weights(weights_path), model_config(root)))
        built = Path(tmp) / "out.onnx"
        if quantize:
            quantize_dynamic(fp32, built, weight_type=QuantType.QInt8, op_types_to_quantize=["MatMul"], per_channel=True,
                             extra_options={"MatMulConstBOnly": True})
        else:
            built = fp32
        os.replace(built, target)  # atomic: a concurrent builder never sees a half-written file
    return target
