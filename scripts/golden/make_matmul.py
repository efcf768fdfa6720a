#!/usr/bin/env python3
"""Goldens for hfcpp::ops::matmul / linear.

Writes tests/golden/tensor/matmul.safetensors: for each case NAME, the inputs NAME.a and NAME.b
(and NAME.bias for linear cases) in their test dtype (F32, BF16 via ml_dtypes, F16) and
NAME.expected (F32): the product computed by NumPy in float64 from the exact input values,
i.e. the f32-accumulated result up to rounding. tests/tensor/matmul_test.cpp reads it with a
small local safetensors reader and compares with the dtype's tolerance. Versions go in the
metadata.

Run: .venv/bin/python scripts/golden/make_matmul.py
"""
import os

import ml_dtypes
import numpy as np
from safetensors.numpy import save_file

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "tests", "golden", "tensor", "matmul.safetensors")
rng = np.random.default_rng(20261128)

DTYPES = {"f32": np.float32, "bf16": ml_dtypes.bfloat16, "f16": np.float16}


def rand(shape, dtype):
    return rng.uniform(-1.0, 1.0, size=shape).astype(np.float32).astype(DTYPES[dtype])


tensors = {}


def add_matmul(name, a_shape, a_dtype, b_shape, b_dtype):
    a, b = rand(a_shape, a_dtype), rand(b_shape, b_dtype)
    expected = np.matmul(a.astype(np.float64), b.astype(np.float64)).astype(np.float32)
    tensors[f"{name}.a"] = np.ascontiguousarray(a)
    tensors[f"{name}.b"] = np.ascontiguousarray(b)
    # np.ascontiguousarray would turn the 0-d dot product into shape [1].
    tensors[f"{name}.expected"] = np.array(expected, dtype=np.float32, order="C")


def add_linear(name, x_shape, x_dtype, out_features, w_dtype, with_bias):
    x = rand(x_shape, x_dtype)
    w = rand((out_features, x_shape[-1]), w_dtype)
    y = np.matmul(x.astype(np.float64), w.astype(np.float64).T)
    tensors[f"{name}.a"] = np.ascontiguousarray(x)
    tensors[f"{name}.b"] = np.ascontiguousarray(w)
    if with_bias:
        bias = rand((out_features,), w_dtype)
        y = y + bias.astype(np.float64)
        tensors[f"{name}.bias"] = bias
    tensors[f"{name}.expected"] = np.ascontiguousarray(y.astype(np.float32))


# matmul: 2-d, odd sizes, 1-d operands, broadcast batches, every dtype combination.
add_matmul("mm_f32_2d", (7, 33), "f32", (33, 5), "f32")
add_matmul("mm_f32_k4097", (3, 4097), "f32", (4097, 2), "f32")
add_matmul("mm_f32_dot", (31,), "f32", (31,), "f32")
add_matmul("mm_f32_vecmat", (7,), "f32", (2, 7, 3), "f32")
add_matmul("mm_f32_matvec", (2, 3, 65), "f32", (65,), "f32")
add_matmul("mm_f32_bcast", (2, 1, 3, 17), "f32", (4, 17, 6), "f32")
add_matmul("mm_bf16_2d", (33, 64), "bf16", (64, 31), "bf16")
add_matmul("mm_f16_batched", (3, 5, 40), "f16", (3, 40, 7), "f16")
add_matmul("mm_f32_bf16", (9, 100), "f32", (100, 17), "bf16")
add_matmul("mm_f16_f32", (2, 6, 33), "f16", (33, 8), "f32")
# linear: weight [out, in] as in HF checkpoints.
add_linear("lin_f32_bias", (2, 5, 48), "f32", 19, "f32", True)
add_linear("lin_f32_bf16w", (1, 384), "f32", 96, "bf16", False)
add_linear("lin_bf16_bias", (3, 4, 65), "bf16", 33, "bf16", True)
add_linear("lin_f16", (70, 31), "f16", 18, "f16", False)

metadata = {"generator": "scripts/golden/make_matmul.py", "numpy": np.__version__,
            "ml_dtypes": ml_dtypes.__version__}
os.makedirs(os.path.dirname(OUT), exist_ok=True)
save_file(tensors, OUT, metadata=metadata)
print(f"wrote {OUT}: {len(tensors)} tensors, {os.path.getsize(OUT)} bytes")
