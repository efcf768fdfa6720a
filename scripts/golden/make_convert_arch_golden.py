"""Goldens for `hfcpp convert` on Gemma / Gemma 2 / Gemma 3 (also multimodal) / Phi-3
(tests/python/test_convert_archs.py):
runs llama.cpp's convert_hf_to_gguf.py on the small random checkpoints of
tests/python/convert_arch_models.py and records what it wrote (metadata in order, tensor
names/types/shapes and a sha256 of each tensor's bytes) in tests/golden/convert_archs/<case>.<outtype>.json.

The reference is the llama.cpp vendored in the llama-cpp-python 0.3.36 sdist (never committed):
  pip download llama-cpp-python==0.3.36 --no-binary :all: --no-deps -d /tmp/lcp && tar xzf ...
  .venv/bin/python scripts/golden/make_convert_arch_golden.py \
      /tmp/lcp/llama_cpp_python-0.3.36/vendor/llama.cpp [case ...]
It needs torch, transformers and sentencepiece (the reference set of .venv).
"""
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "python"))
import convert_arch_models  # noqa: E402
import convert_models  # noqa: E402

OUTTYPES = ["f32", "f16", "bf16", "q8_0"]


def main():
    reference = sys.argv[1]
    out = ROOT / "tests" / "golden" / "convert_archs"
    out.mkdir(parents=True, exist_ok=True)
    only = set(sys.argv[2:])  # optional case names: regenerate just those
    with tempfile.TemporaryDirectory() as tmp:
        for case in [*convert_arch_models.CASES, *convert_arch_models.MULTIMODAL_CASES]:
            if only and case not in only:
                continue
            folder = convert_arch_models.build(case, tmp)
            for outtype in OUTTYPES:
                gguf_path = Path(tmp) / f"{case}.{outtype}.gguf"
                subprocess.run([sys.executable, str(Path(reference) / "convert_hf_to_gguf.py"), str(folder),
                                "--outfile", str(gguf_path), "--outtype", outtype],
                               check=True, capture_output=True, cwd=reference)
                d = convert_models.describe_gguf(gguf_path)
                d["source"] = "llama.cpp convert_hf_to_gguf.py (llama-cpp-python 0.3.36 sdist)"
                (out / f"{case}.{outtype}.json").write_text(json.dumps(d, indent=1, ensure_ascii=False) + "\n",
                                                            encoding="utf-8")
                print(case, outtype, len(d["metadata"]), "keys", len(d["tensors"]), "tensors")


if __name__ == "__main__":
    main()
