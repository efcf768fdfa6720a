"""Goldens for `hfcpp convert` (tests/python/test_convert.py): runs llama.cpp's convert_hf_to_gguf.py
on the small random checkpoints of tests/python/convert_models.py and records what it wrote (metadata
in order, tensor names/types/shapes and a sha256 of each tensor's bytes) in
tests/golden/convert/<case>.<outtype>.json.

The reference is the llama.cpp vendored in the llama-cpp-python 0.3.36 sdist (never committed):
  pip download llama-cpp-python==0.3.36 --no-binary :all: --no-deps -d /tmp/lcp && tar xzf ...
  .venv/bin/python scripts/golden/make_convert_golden.py \
      /tmp/lcp/llama_cpp_python-0.3.36/vendor/llama.cpp
It needs torch, transformers and sentencepiece (the reference set of .venv).
"""
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "python"))
import convert_models  # noqa: E402

OUTTYPES = {"llama-spm": ["f32", "f16", "bf16", "q8_0"], "qwen3": ["f32", "f16", "bf16", "q8_0"],
            "llama-bpe": ["f16"], "mistral": ["q8_0"], "qwen2": ["bf16"],
            "llama31-spm": ["f16"], "gpt2": ["f16", "q8_0"],
            **{case: ["f16"] for case in convert_models.CARDS}}  # model cards: only metadata differs


def run_reference(reference, folder, outtype, outfile):
    cmd = [sys.executable, str(Path(reference) / "convert_hf_to_gguf.py"), str(folder), "--outfile", str(outfile),
           "--outtype", outtype]
    subprocess.run(cmd, check=True, capture_output=True, cwd=reference)


def main():
    reference = sys.argv[1]
    out = ROOT / "tests" / "golden" / "convert"
    out.mkdir(parents=True, exist_ok=True)
    only = set(sys.argv[2:])  # optional case names: regenerate just those
    with tempfile.TemporaryDirectory() as tmp:
        for case, outtypes in OUTTYPES.items():
            if only and case not in only:
                continue
            folder = convert_models.build(case, tmp)
            for outtype in outtypes:
                gguf_path = Path(tmp) / f"{case}.{outtype}.gguf"
                run_reference(reference, folder, outtype, gguf_path)
                d = convert_models.describe_gguf(gguf_path)
                d["source"] = "llama.cpp convert_hf_to_gguf.py (llama-cpp-python 0.3.36 sdist)"
                (out / f"{case}.{outtype}.json").write_text(json.dumps(d, indent=1, ensure_ascii=False) + "\n",
                                                            encoding="utf-8")
                print(case, outtype, len(d["metadata"]), "keys", len(d["tensors"]), "tensors")


if __name__ == "__main__":
    main()
