#!/usr/bin/env python3
"""A legacy (binary .dat) llama.cpp imatrix written by an independent Python writer, for
tests/formats/imatrix_test.cpp (hfcpp's reader, merge and .dat -> .gguf conversion).

Layout (llama.cpp tools/imatrix/imatrix.cpp, save_imatrix_legacy): i32 n_entries; per entry
i32 name_len, name bytes, i32 ncall, i32 nval, f32 values[nval] (= sum / count * ncall); then
i32 chunk_count, i32 dataset_len, dataset bytes. Little-endian.

Output: tests/golden/formats/imatrix_legacy.dat and imatrix_legacy.expected.json (the entries
with their ncall and values as float32 bit patterns, chunk_count, dataset).

Usage: .venv/bin/python scripts/golden/make_imatrix_legacy.py
"""
import json
import pathlib
import struct

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "golden" / "formats"


def main():
    rng = np.random.default_rng(7)
    entries = [  # llama-imatrix writes entries sorted by name
        ("blk.0.attn_q.weight", 3, (rng.exponential(1.0, 64) ** 2).astype(np.float32)),
        ("blk.0.ffn_down.weight", 3, (rng.exponential(2.0, 96) ** 2).astype(np.float32)),
        ("blk.1.attn_q.weight", 2, np.full(64, 0.25, dtype=np.float32)),
    ]
    chunk_count, dataset = 3, "calibration/wiki.train.raw"
    out = bytearray(struct.pack("<i", len(entries)))
    for name, ncall, values in entries:
        raw = name.encode()
        out += struct.pack("<i", len(raw)) + raw + struct.pack("<ii", ncall, len(values)) + values.astype("<f4").tobytes()
    out += struct.pack("<i", chunk_count) + struct.pack("<i", len(dataset)) + dataset.encode()
    (OUT / "imatrix_legacy.dat").write_bytes(bytes(out))
    expected = {"chunk_count": chunk_count, "dataset": dataset,
                "entries": [{"name": n, "ncall": c, "bits": [int(b) for b in v.view(np.uint32)]}
                            for n, c, v in entries]}
    (OUT / "imatrix_legacy.expected.json").write_text(json.dumps(expected) + "\n")
    print(f"wrote {OUT / 'imatrix_legacy.dat'} ({len(out)} bytes)")


if __name__ == "__main__":
    main()
