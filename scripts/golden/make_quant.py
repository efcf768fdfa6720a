#!/usr/bin/env python3
"""Goldens for hfcpp::quant (block formats) from gguf-py, the `gguf` package.

Writes tests/golden/quant/quant.safetensors:
  deq.<TYPE>.raw (U8 [n_blocks * type_size]): random valid blocks (random bytes, every f16 scale
      field replaced by a finite random f16) and deq.<TYPE>.out (F32): gguf.quants.dequantize of them.
  q.<TYPE>.in (F32 [rows, cols]) and q.<TYPE>.bytes (U8): gguf.quants.quantize for the types
      gguf-py can quantize (bit-identical target).
tests/quant/dequantize_test.cpp and quantize_test.cpp read it. Versions go in the metadata.

Run: .venv/bin/python scripts/golden/make_quant.py
"""
import os
from importlib.metadata import version

import numpy as np
from gguf import GGMLQuantizationType as T
from gguf.constants import GGML_QUANT_SIZES
from gguf.quants import dequantize, quantize
from safetensors.numpy import save_file

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "tests", "golden", "quant", "quant.safetensors")
rng = np.random.default_rng(20261128)

# Byte offsets of the f16 scale fields in each block.
F16_FIELDS = {
    "Q4_0": [0], "Q4_1": [0, 2], "Q5_0": [0], "Q5_1": [0, 2], "Q8_0": [0],
    "Q2_K": [80, 82], "Q3_K": [108], "Q4_K": [0, 2], "Q5_K": [0, 2], "Q6_K": [208],
    "IQ4_NL": [0], "IQ4_XS": [0],
}
N_BLOCKS = {"F32": 257, "F16": 257, "BF16": 257}


def random_f16(n):
    # Finite, both signs, magnitudes over several binades (and a few zeros/subnormals).
    v = rng.standard_normal(n).astype(np.float32) * np.exp2(rng.integers(-12, 4, n)).astype(np.float32)
    v[rng.random(n) < 0.02] = 0.0
    return v.astype(np.float16)


tensors = {}
for name in ["F32", "F16", "BF16", *F16_FIELDS]:
    qtype = T[name]
    block_size, type_size = GGML_QUANT_SIZES[qtype]
    n_blocks = N_BLOCKS.get(name, 24)
    if name == "F32":
        raw = (rng.standard_normal(n_blocks) * 10).astype(np.float32).view(np.uint8)
    elif name == "F16":
        raw = random_f16(n_blocks).view(np.uint8)
    elif name == "BF16":
        f = (rng.standard_normal(n_blocks) * 100).astype(np.float32)
        raw = (f.view(np.uint32) >> 16).astype(np.uint16).view(np.uint8)
    else:
        raw = rng.integers(0, 256, size=(n_blocks, type_size), dtype=np.uint8)
        for off in F16_FIELDS[name]:
            raw[:, off:off + 2] = random_f16(n_blocks).view(np.uint8).reshape(n_blocks, 2)
        raw = raw.reshape(-1)
    out = dequantize(raw, qtype).astype(np.float32).reshape(-1)
    assert out.size == n_blocks * block_size, name
    tensors[f"deq.{name}.raw"] = np.ascontiguousarray(raw)
    tensors[f"deq.{name}.out"] = np.ascontiguousarray(out)

# Quantize: rows of varied scale, with exact ties and zero blocks, for the types gguf-py quantizes.
for name in ["Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "BF16"]:
    rows, cols = 6, 256
    x = (rng.standard_normal((rows, cols)) * np.exp2(rng.integers(-6, 6, (rows, 1)))).astype(np.float32)
    x[1, :32] = 0.0                               # an all-zero block
    x[2, :64] = np.round(x[2, :64] * 4) / 4       # repeated values / ties
    x[3, 32:64] = 1.0                             # a constant block
    q = quantize(x, T[name])
    tensors[f"q.{name}.in"] = x
    tensors[f"q.{name}.bytes"] = np.ascontiguousarray(q.view(np.uint8).reshape(-1))

os.makedirs(os.path.dirname(OUT), exist_ok=True)
save_file(tensors, OUT, metadata={"gguf": version("gguf"), "numpy": np.__version__})
print(f"wrote {OUT} ({os.path.getsize(OUT)} bytes, {len(tensors)} tensors)")
