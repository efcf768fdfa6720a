"""Does `hfcpp imatrix` help `hfcpp quantize`? Quantize SmolLM2-135M-Instruct (its Q4_1 GGUF
dequantized to F16) with and without an importance matrix computed by `hfcpp imatrix`, then
measure (1) perplexity with `hfcpp perplexity` on held-out text and (2) the importance-weighted
squared error of the quantized matmul weights against the F16 ones,
sum_j imp_j (w_ij - q_ij)^2 / sum_j imp_j w_ij^2 over all collected weights (gguf-py dequantizes).

Text: the 240 English prose inputs of /work/shared/data/tokenizers/corpus (as
bench/quantize_ppl.py); the first half calibrates the imatrix, the second half is scored.

Usage: .venv/bin/python bench/imatrix_quantize.py [--ctx 256] [--chunks 4] [--imatrix-chunks 8]
       [--mixes Q4_K_M,IQ4_XS,Q2_K]
Prints a markdown table.
"""
import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from quantize_ppl import CORPUS, HFCPP, hfcpp_ppl, smollm2_q4_1  # noqa: E402


def prose_halves():
    texts = [json.loads(l) for l in open(CORPUS / "dev.jsonl", encoding="utf-8")]
    meta = [json.loads(l) for l in open(CORPUS / "dev.meta.jsonl", encoding="utf-8")]
    prose = [texts[m["i"]] for m in meta if m["cat"] == "prose_en"]
    half = len(prose) // 2
    return "\n\n".join(prose[:half]), "\n\n".join(prose[half:])


def run(*args):
    return subprocess.run([str(HFCPP), *map(str, args)], check=True, capture_output=True, text=True)


def weighted_error(f16_path, quant_path, imatrix_path):
    import gguf
    from gguf.quants import dequantize
    ref = {t.name: t for t in gguf.GGUFReader(f16_path).tensors}
    imat = {t.name: np.asarray(t.data) for t in gguf.GGUFReader(imatrix_path).tensors}
    num = den = 0.0
    for t in gguf.GGUFReader(quant_path).tensors:
        if t.name + ".in_sum2" not in imat:
            continue
        imp = imat[t.name + ".in_sum2"].astype(np.float64) / float(imat[t.name + ".counts"][0])
        w = dequantize(ref[t.name].data, ref[t.name].tensor_type).astype(np.float64)
        q = dequantize(t.data, t.tensor_type).astype(np.float64)
        num += float((((w - q) ** 2) * imp).sum())
        den += float(((w ** 2) * imp).sum())
    return num / den


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ctx", type=int, default=256)
    ap.add_argument("--chunks", type=int, default=4)
    ap.add_argument("--imatrix-chunks", type=int, default=8)
    ap.add_argument("--mixes", default="Q4_K_M,IQ4_XS,Q2_K")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        calib, held_out = tmp / "calib.txt", tmp / "eval.txt"
        c, e = prose_halves()
        calib.write_text(c, encoding="utf-8")
        held_out.write_text(e, encoding="utf-8")
        f16 = tmp / "f16.gguf"
        run("quantize", smollm2_q4_1(), f16, "F16", "--allow-requantize", "--json")
        imatrix = tmp / "imatrix.gguf"
        t0 = time.time()
        info = json.loads(run("imatrix", f16, "-f", calib, "--ctx", a.ctx, "--chunks", a.imatrix_chunks, "-o",
                              imatrix, "--json", "--no-ppl").stdout)
        print(f"# imatrix: {info['n_chunks']} chunks of {a.ctx} tokens in {time.time() - t0:.0f} s", file=sys.stderr)
        base = hfcpp_ppl(f16, held_out, a.ctx, a.chunks)
        rows = []
        for mix in a.mixes.split(","):
            res = {}
            for label, extra in (("plain", []), ("imatrix", ["--imatrix", imatrix])):
                out = tmp / f"{mix}_{label}.gguf"
                run("quantize", f16, out, mix, "--json", *extra)
                res[label] = (hfcpp_ppl(out, held_out, a.ctx, a.chunks)["ppl"], weighted_error(f16, out, imatrix))
                out.unlink()
                print(f"# {mix} {label}: ppl {res[label][0]:.4f}, weighted error {res[label][1]:.5f}", file=sys.stderr,
                      flush=True)
            rows.append((mix, res))
    print(f"SmolLM2-135M-Instruct (F16 = its Q4_1 GGUF dequantized). imatrix: {info['n_chunks']} x {a.ctx} tokens "
          f"of prose (first half of prose_en); perplexity: {base['n_chunks']} x {a.ctx} tokens of the second half, "
          f"F16 PPL {base['ppl']:.4f}\n")
    print("| mix | PPL without imatrix | PPL with imatrix | weighted sq. error without | with | error change |")
    print("|---|---|---|---|---|---|")
    for mix, r in rows:
        (p0, e0), (p1, e1) = r["plain"], r["imatrix"]
        print(f"| {mix} | {p0:.4f} | {p1:.4f} | {e0:.5f} | {e1:.5f} | {100 * (e1 / e0 - 1):+.1f}% |")


if __name__ == "__main__":
    sys.exit(main())
