"""`hfcpp convert` vs llama.cpp's convert_hf_to_gguf.py: wall time for one model folder and outtype.

  .venv/bin/python bench/convert_bench.py MODEL_FOLDER --reference LLAMA_CPP_DIR [--outtype f16] [--repeat 1]

LLAMA_CPP_DIR is the llama.cpp vendored in the llama-cpp-python 0.3.36 sdist (see
scripts/golden/make_convert_golden.py); the reference needs torch, transformers and sentencepiece.
Both write to a temporary folder; the best of --repeat runs is printed (seconds, MB/s of output),
with the 1-minute load average, since the machine is shared.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def timed(cmd, cwd=None):
    t = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, cwd=cwd)
    return time.perf_counter() - t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--reference", required=True)
    ap.add_argument("--outtype", default="f16")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--hfcpp", default=os.environ.get("HFCPP_BIN", str(ROOT / "build/release/bin/hfcpp")))
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ours_out, ref_out = Path(tmp) / "hfcpp.gguf", Path(tmp) / "ref.gguf"
        ours = min(timed([a.hfcpp, "convert", a.model, "--outfile", str(ours_out), "--outtype", a.outtype])
                   for _ in range(a.repeat))
        ref = min(timed([sys.executable, str(Path(a.reference) / "convert_hf_to_gguf.py"), a.model, "--outfile",
                         str(ref_out), "--outtype", a.outtype], cwd=a.reference) for _ in range(a.repeat))
        mb = ours_out.stat().st_size / 1e6
        same = ours_out.read_bytes() == ref_out.read_bytes()
    print(f"model {a.model} outtype {a.outtype}: {mb:.1f} MB, load {os.getloadavg()[0]:.1f}")
    print(f"hfcpp convert          {ours:8.2f} s  {mb / ours:8.1f} MB/s")
    print(f"convert_hf_to_gguf.py  {ref:8.2f} s  {mb / ref:8.1f} MB/s")
    print(f"speed-up {ref / ours:.2f}x; files byte-identical: {same}")


if __name__ == "__main__":
    main()
