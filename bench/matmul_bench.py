#!/usr/bin/env python3
"""Matmul benchmark: hfcpp (bench/matmul_bench) against NumPy and, when importable, PyTorch at
the same transformer shapes, in the same run, with the same thread counts.

Prints a Markdown table (GFLOP/s, ratio hfcpp / best reference, share of the machine's
theoretical peak) for docs/benchmarks.md.

    .venv/bin/python bench/matmul_bench.py [--build build/release] [--threads 1,2] [--seconds 0.5]
    .venv/bin/python bench/matmul_bench.py --threads 1 --cpu-clock   # loaded machine: CPU time

Cases (M x K x N = rows x in_features x out_features of a linear layer, y = x @ W^T):
  f32         x f32, W f32                 NumPy/PyTorch: the same f32 product
  f32 x bf16w x f32, W bf16 (as in a bf16 checkpoint)
                                           NumPy has no bf16 GEMM: f32 on an f32 copy of W made
                                           before timing; PyTorch: the same
  bf16        x bf16, W bf16 -> bf16       NumPy: f32 copies again; PyTorch: native bf16 linear
NumPy runs in a child process with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE removed from its
environment, so its OpenBLAS picks its own kernel for this CPU (the table names it).
"""
import argparse
import ctypes
import glob
import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHAPES = [(1, 384, 1536), (32, 384, 1536), (128, 384, 1536), (1, 4096, 4096), (512, 4096, 4096)]
CASES = ["f32", "f32 x bf16w", "bf16"]


CLOCK = time.perf_counter


def best_seconds(fn, budget):
    fn()
    t0 = CLOCK()
    fn()
    once = max(CLOCK() - t0, 1e-9)
    calls = max(1, int(0.05 / once))
    reps = min(15, max(3, int(budget / (once * calls))))
    best = float("inf")
    for _ in range(reps):
        s = CLOCK()
        for _ in range(calls):
            fn()
        best = min(best, (CLOCK() - s) / calls)
    return best


def numpy_openblas():
    """ctypes handle of the OpenBLAS bundled with NumPy (scipy-openblas), or None."""
    import numpy
    libdir = os.path.join(os.path.dirname(os.path.dirname(numpy.__file__)), "numpy.libs")
    for path in glob.glob(os.path.join(libdir, "libscipy_openblas*.so*")):
        lib = ctypes.CDLL(path)
        for prefix in ("scipy_openblas", "openblas"):
            for suffix in ("64_", ""):
                if hasattr(lib, f"{prefix}_set_num_threads{suffix}"):
                    set_threads = getattr(lib, f"{prefix}_set_num_threads{suffix}")
                    corename = getattr(lib, f"{prefix}_get_corename{suffix}")
                    corename.restype = ctypes.c_char_p
                    return set_threads, corename
    return None


def numpy_worker(args):
    """Child process: NumPy timings as JSON lines."""
    import numpy as np
    import ml_dtypes
    blas = numpy_openblas()
    kernel = blas[1]().decode() if blas else "unknown"
    rng = np.random.default_rng(0)
    for threads in args.threads:
        if blas:
            blas[0](threads)
        for m, k, n in SHAPES:
            x = rng.uniform(-1, 1, (m, k)).astype(np.float32)
            w = rng.uniform(-1, 1, (n, k)).astype(np.float32)
            # bf16 cases: the same product on f32 copies of bf16-rounded values (untimed copy).
            wb = w.astype(ml_dtypes.bfloat16).astype(np.float32)
            xb = x.astype(ml_dtypes.bfloat16).astype(np.float32)
            for case, (xx, ww) in {"f32": (x, w), "f32 x bf16w": (x, wb), "bf16": (xb, wb)}.items():
                wt = ww.T
                sec = best_seconds(lambda: xx @ wt, args.seconds)
                print(json.dumps({"lib": "numpy", "case": case, "m": m, "k": k, "n": n,
                                  "threads": threads, "gflops": 2 * m * k * n / sec / 1e9,
                                  "kernel": kernel}), flush=True)


def torch_rows(args):
    try:
        import torch
    except ImportError:
        print("PyTorch is not importable from this Python: its column stays empty", file=sys.stderr)
        return [], None
    rows = []
    torch.manual_seed(0)
    for threads in args.threads:
        torch.set_num_threads(threads)
        for m, k, n in SHAPES:
            x = torch.rand(m, k) * 2 - 1
            w = torch.rand(n, k) * 2 - 1
            wb = w.to(torch.bfloat16)
            cases = {"f32": (x, w), "f32 x bf16w": (x, wb.float()), "bf16": (x.to(torch.bfloat16), wb)}
            for case, (xx, ww) in cases.items():
                with torch.inference_mode():
                    sec = best_seconds(lambda: torch.nn.functional.linear(xx, ww), args.seconds)
                rows.append({"lib": "torch", "case": case, "m": m, "k": k, "n": n,
                             "threads": threads, "gflops": 2 * m * k * n / sec / 1e9})
    return rows, torch.__version__


def cpu_info():
    mhz, model = None, "unknown CPU"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("cpu MHz") and mhz is None:
                mhz = float(line.split(":")[1])
            if line.startswith("model name"):
                model = line.split(":")[1].strip()
    return model, mhz


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.environ.get("HFCPP_BUILD_DIR", os.path.join(ROOT, "build", "release")))
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--seconds", type=float, default=0.5, help="time budget per measurement")
    ap.add_argument("--cpu-clock", action="store_true",
                    help="time with the thread's CPU time (with --threads 1): leaves out waits for a core")
    ap.add_argument("--numpy-worker", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    args.threads = [int(t) for t in args.threads.split(",")]
    if args.cpu_clock:
        if args.threads != [1]:
            sys.exit("--cpu-clock measures one thread: use --threads 1")
        global CLOCK
        CLOCK = time.thread_time
    if args.numpy_worker:
        numpy_worker(args)
        return

    exe = os.path.join(args.build, "bin", "matmul_bench")
    if not os.path.exists(exe):
        sys.exit(f"matmul_bench not found at {exe}: build it (cmake --build {args.build} --target matmul_bench)")
    shapes = ",".join(f"{m}x{k}x{n}" for m, k, n in SHAPES)
    out = subprocess.run([exe, "--json", "--threads", ",".join(map(str, args.threads)), "--shapes", shapes,
                          "--seconds", str(args.seconds)] + (["--cpu-clock"] if args.cpu_clock else []),
                         check=True, capture_output=True, text=True).stdout
    hf = [json.loads(l) for l in out.splitlines() if l.startswith("{")]

    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    out = subprocess.run([sys.executable, os.path.abspath(__file__), "--numpy-worker", "--threads",
                          ",".join(map(str, args.threads)), "--seconds", str(args.seconds)]
                         + (["--cpu-clock"] if args.cpu_clock else []),
                         check=True, capture_output=True, text=True, env=env).stdout
    npr = [json.loads(l) for l in out.splitlines() if l.startswith("{")]
    tr, torch_version = torch_rows(args)

    import numpy
    model, mhz = cpu_info()
    kernel = npr[0]["kernel"] if npr else "?"
    print(f"CPU: {model}, nominal clock {mhz:.0f} MHz (from /proc/cpuinfo); NumPy {numpy.__version__} "
          f"(OpenBLAS kernel: {kernel}); PyTorch {torch_version or 'not installed'}")
    print(f"Timing: {'CPU time of the measuring thread' if args.cpu_clock else 'wall clock'}, best repetition")
    # bf16 x bf16 with AVX-512-BF16: vdpbf16ps does two products per f32 lane, twice the FMA rate.
    has_bf16_dot = "avx512_bf16" in open("/proc/cpuinfo").read()
    print("Theoretical peak per core: 2 FMA units x 8 f32 lanes x 2 flops x clock = "
          f"{32 * mhz / 1000:.1f} GFLOP/s" + (" (bf16 x bf16 with AVX-512-BF16: twice that)" if has_bf16_dot else "")
          + "\n")
    print("| M x K x N | case | threads | hfcpp GFLOP/s (path) | NumPy | PyTorch | hfcpp / best ref | % of peak |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")

    def find(rows, case, m, k, n, t):
        for r in rows:
            if (r["case"], r["m"], r["k"], r["n"], r["threads"]) == (case, m, k, n, t):
                return r
        return None

    for t in args.threads:
        for m, k, n in SHAPES:
            for case in CASES:
                h = find(hf, case, m, k, n, t)
                if not h:
                    continue
                npv, tv = find(npr, case, m, k, n, t), find(tr, case, m, k, n, t)
                refs = [r["gflops"] for r in (npv, tv) if r]
                best = max(refs) if refs else None
                peak = (64 if case == "bf16" and has_bf16_dot else 32) * mhz / 1000 * t
                fmt = lambda r: f"{r['gflops']:.1f}" if r else "-"
                ratio = f"{h['gflops'] / best:.2f}" if best else "-"
                print(f"| {m}x{k}x{n} | {case} | {t} | {h['gflops']:.1f} ({h['impl']}) | {fmt(npv)} | "
                      f"{fmt(tv)} | {ratio} | {100 * h['gflops'] / peak:.0f}% |")
    own = [r for r in hf if r["case"] in ("f32/own", "f32/openblas")]
    if own:
        print("\nf32 by implementation (hfcpp kernels vs OpenBLAS through hfcpp's gemm):")
        for r in own:
            print(f"  {r['m']}x{r['k']}x{r['n']} threads={r['threads']} {r['case']}: {r['gflops']:.1f} GFLOP/s")


if __name__ == "__main__":
    main()
