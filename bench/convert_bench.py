"""`hfcpp convert` vs llama.cpp's convert_hf_to_gguf.py: wall time for one model folder and outtype(s).

  .venv/bin/python bench/convert_bench.py MODEL_FOLDER --reference LLAMA_CPP_DIR [--outtype f16,q8_0] [--repeat 1]
  .venv/bin/python bench/convert_bench.py --smollm2 DIR --reference LLAMA_CPP_DIR [--outtype f16,q8_0]

LLAMA_CPP_DIR is the llama.cpp vendored in the llama-cpp-python 0.3.36 sdist (see
scripts/golden/make_convert_golden.py); the reference needs torch, transformers and sentencepiece, and reads
its own gguf-py (put on PYTHONPATH here too). --smollm2 DIR: the model folder is SmolLM2-135M-Instruct as a
bf16 safetensors checkpoint, written once into DIR by transformers from the Q4_1 GGUF in the Hugging Face cache
(gguf_file=, dequantized; the real architecture, shapes and tokenizer, weights rounded by Q4_1), reused when
DIR holds it. Both tools write to a temporary folder; the best of --repeat runs is printed (seconds, MB/s of
output) as a Markdown table, with the 1-minute load average, since the machine is shared.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))


def timed(cmd, cwd=None, env=None):
    t = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, env=env)
    if r.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({r.returncode}):\n{r.stderr[-3000:]}")
    return time.perf_counter() - t


def smollm2_folder(folder):
    """SmolLM2-135M-Instruct's Q4_1 GGUF as a bf16 safetensors folder (made once)."""
    folder = Path(folder)
    if (folder / "model.safetensors").is_file():
        return folder
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from decoder_bench import gguf_path
    path = Path(gguf_path())
    kw = {"gguf_file": path.name}
    model = AutoModelForCausalLM.from_pretrained(path.parent, torch_dtype=torch.bfloat16, **kw)
    AutoTokenizer.from_pretrained(path.parent, **kw).save_pretrained(folder)
    (folder / "tokenizer.model").unlink(missing_ok=True)  # a copy of the GGUF (its vocab_file), not SentencePiece
    model.save_pretrained(folder, safe_serialization=True)
    return folder


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model", nargs="?")
    ap.add_argument("--smollm2", help="make (once) and use SmolLM2-135M-Instruct as a safetensors folder here")
    ap.add_argument("--reference", required=True)
    ap.add_argument("--outtype", default="f16", help="comma-separated: f32, f16, bf16, q8_0")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--hfcpp", default=os.environ.get("HFCPP_BIN", str(ROOT / "build/release/bin/hfcpp")))
    a = ap.parse_args()
    if bool(a.model) == bool(a.smollm2):
        ap.error("give either MODEL_FOLDER or --smollm2 DIR")
    os.environ["HF_HUB_OFFLINE"] = "1"
    model = str(Path(smollm2_folder(a.smollm2) if a.smollm2 else a.model).resolve())  # the reference runs elsewhere
    ref_env = dict(os.environ)
    ref_env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(Path(a.reference) / "gguf-py"),
                                                          ref_env.get("PYTHONPATH")]))
    input_mb = sum(f.stat().st_size for f in Path(model).glob("*.safetensors")) / 1e6
    rows = []
    load_before = os.getloadavg()[0]
    for outtype in a.outtype.split(","):
        with tempfile.TemporaryDirectory() as tmp:
            ours_out, ref_out = Path(tmp) / "hfcpp.gguf", Path(tmp) / "ref.gguf"
            ours = min(timed([a.hfcpp, "convert", model, "--outfile", str(ours_out), "--outtype", outtype])
                       for _ in range(a.repeat))
            ref = min(timed([sys.executable, str(Path(a.reference) / "convert_hf_to_gguf.py"), model, "--outfile",
                             str(ref_out), "--outtype", outtype], cwd=a.reference, env=ref_env)
                      for _ in range(a.repeat))
            mb = ours_out.stat().st_size / 1e6
            same = ours_out.read_bytes() == ref_out.read_bytes()
        rows.append((outtype, mb, ours, ref, same))
        print(f"# {outtype}: hfcpp {ours:.2f} s, convert_hf_to_gguf.py {ref:.2f} s", file=sys.stderr, flush=True)
    load_after = os.getloadavg()[0]
    print(f"model {model}: {input_mb:.1f} MB of safetensors; best of {a.repeat}; load average {load_before:.1f} "
          f"before, {load_after:.1f} after on {os.cpu_count()} cores\n")
    print("| outtype | output MB | `hfcpp convert` (s) | MB/s | `convert_hf_to_gguf.py` (s) | MB/s | hfcpp speed-up "
          "| files identical |\n|---|---:|---:|---:|---:|---:|---:|---|")
    for outtype, mb, ours, ref, same in rows:
        print(f"| {outtype} | {mb:.1f} | {ours:.2f} | {mb / ours:.0f} | {ref:.2f} | {mb / ref:.0f} | {ref / ours:.1f}x "
              f"| {'yes' if same else 'no'} |")


if __name__ == "__main__":
    main()
