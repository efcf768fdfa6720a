#!/usr/bin/env python3
"""safetensors read benchmark: hfcpp (bench/safetensors_bench.cpp) against the Python safetensors
library with the numpy and torch frameworks, in the same run, on the same warm files.

    .venv/bin/python bench/safetensors_bench.py [--bin-dir build/release/bin] [--repeats 5]

Files (created once in /tmp): ~524 MB = 100 F32 tensors [1280, 1024], and ~5 MB with the same
100 names ([12, 1024]) so the header is the same size: open time should not depend on the file
size (O(header)). Timings are medians; "first" = open + first tensor by name + sum of its
elements, "read all" = open + every tensor + sum of all elements (every byte touched).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from safetensors import safe_open
from safetensors.numpy import save_file

ROOT = Path(__file__).resolve().parents[1]


def make_file(path: Path, rows: int):
    if path.exists():
        return
    tensors = {}
    for i in range(100):
        a = np.empty((rows, 1024), np.float32)
        a[...] = np.float32(i % 7) * 0.25
        tensors[f"model.layers.{i:03d}.weight"] = a
    save_file(tensors, str(path), metadata={"format": "pt"})


def median_s(repeats, fn):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def python_times(path, framework, repeats):
    def open_only():
        with safe_open(str(path), framework=framework) as f:
            f.keys()

    def first():
        with safe_open(str(path), framework=framework) as f:
            name = sorted(f.keys())[0]
            float(f.get_tensor(name).sum())

    def read_all():
        with safe_open(str(path), framework=framework) as f:
            total = 0.0
            for name in f.keys():
                total += float(f.get_tensor(name).sum())

    return {"open_s": median_s(repeats, open_only), "first_s": median_s(repeats, first),
            "read_all_s": median_s(repeats, read_all)}


def main():
    ap = argparse.ArgumentParser()
    default_bin = Path(os.environ["HFCPP_BIN"]).parent if os.environ.get("HFCPP_BIN") else ROOT / "build/release/bin"
    ap.add_argument("--bin-dir", type=Path, default=default_bin)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--tmp", type=Path, default=Path("/tmp"))
    args = ap.parse_args()
    exe = args.bin_dir / "safetensors_bench"
    if not exe.exists():
        sys.exit(f"build the bench first: cmake --build <build> --target safetensors_bench ({exe} missing)")

    big = args.tmp / "hfcpp_bench_st_524mb.safetensors"
    small = args.tmp / "hfcpp_bench_st_5mb.safetensors"
    make_file(big, 1280)
    make_file(small, 12)
    for p in (big, small):  # warm the page cache: every run reads from memory
        with open(p, "rb") as f:
            while f.read(1 << 24):
                pass

    frameworks = ["numpy"]
    try:
        import torch  # noqa: F401
        frameworks.append("torch")
    except ImportError:
        print("torch not importable: safetensors.torch skipped", file=sys.stderr)

    results = {}
    for label, path in (("524 MB", big), ("5 MB", small)):
        out = subprocess.run([str(exe), str(path), str(args.repeats)], capture_output=True, text=True, check=True)
        results[(label, "hfcpp")] = json.loads(out.stdout)
        for fw in frameworks:
            results[(label, f"safetensors.{fw}")] = python_times(path, "np" if fw == "numpy" else "pt", args.repeats)

    size_mb = big.stat().st_size / 1e6
    print(f"file: {big} ({size_mb:.0f} MB, 100 x F32 [1280, 1024]); small: {small}; "
          f"median of {args.repeats}; warm page cache; {os.cpu_count()} CPUs")
    print(f"{'file':7} {'library':20} {'open (ms)':>10} {'first (ms)':>11} {'read all (ms)':>14} {'GB/s':>6}  {'read-all vs hfcpp':>17}")
    for label in ("524 MB", "5 MB"):
        base = results[(label, "hfcpp")]
        for lib in ["hfcpp"] + [f"safetensors.{fw}" for fw in frameworks]:
            r = results[(label, lib)]
            size = big.stat().st_size if label == "524 MB" else small.stat().st_size
            ratio = r["read_all_s"] / base["read_all_s"]
            print(f"{label:7} {lib:20} {r['open_s'] * 1e3:10.3f} {r['first_s'] * 1e3:11.3f} "
                  f"{r['read_all_s'] * 1e3:14.1f} {size / r['read_all_s'] / 1e9:6.2f}  {ratio:16.2f}x")
    o_big, o_small = results[("524 MB", "hfcpp")]["open_s"], results[("5 MB", "hfcpp")]["open_s"]
    print(f"hfcpp open time 524 MB / 5 MB file: {o_big / o_small:.2f} (O(header): ~1)")


if __name__ == "__main__":
    main()
