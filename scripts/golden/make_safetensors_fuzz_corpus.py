#!/usr/bin/env python3
"""Writes the seed corpus of fuzz/safetensors_fuzz.cpp (fuzz/corpus/safetensors/): a few small
files from the reference library (safetensors.numpy) plus hand-made edge cases. A few KB total."""
import struct
import sys
from pathlib import Path

import ml_dtypes
import numpy as np
from safetensors.numpy import save

out = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parents[2] / "fuzz/corpus/safetensors")
out.mkdir(parents=True, exist_ok=True)


def raw(header: bytes, data: bytes = b"") -> bytes:
    return struct.pack("<Q", len(header)) + header + data


seeds = {
    "single_f32": save({"x": np.arange(4, dtype=np.float32)}),
    "mixed_dtypes": save({"a": np.zeros((2, 3), np.float64), "b": np.ones(3, np.int16),
                          "c": np.array([True, False]), "d": np.zeros(2, ml_dtypes.bfloat16),
                          "e": np.zeros(1, ml_dtypes.float8_e4m3fn), "f": np.zeros((), np.uint64)},
                         metadata={"format": "pt"}),
    "empty_and_scalar": save({"empty": np.zeros((0, 5), np.float32), "s": np.zeros((), np.int8)}),
    "metadata_only": raw(b'{"__metadata__":{"k":"v","\\u00e9":"x\\n"}}'),
    "empty_header": raw(b"{}"),
    "unknown_field": raw(b' {"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2],"x":[{"y":null}]}} ', b"ab"),
    "packed_f4": raw(b'{"a":{"dtype":"F4","shape":[4],"data_offsets":[0,2]}}', b"ab"),
    "unsorted_offsets": raw(b'{"b":{"dtype":"U8","shape":[1],"data_offsets":[1,2]},"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}', b"ab"),
    "bad_overlap": raw(b'{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"b":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}', b"ab"),
    "bad_overflow": raw(b'{"a":{"dtype":"U64","shape":[4294967296,4294967296],"data_offsets":[0,8]}}', b"x" * 8),
}
for name, data in seeds.items():
    (out / name).write_bytes(data)
print(f"wrote {len(seeds)} seeds, {sum(map(len, seeds.values()))} bytes, to {out}")
