#!/usr/bin/env python3
"""Golden importance matrix of SmolLM2-135M-Instruct Q4_1 (GGUF) computed with transformers, for
tests/python/test_imatrix.py (`hfcpp imatrix` on the same file and text).

What llama-imatrix computes, done with PyTorch: the text (tests/golden/models/imatrix_calibration.txt)
is tokenized once (SmolLM2's GGUF has add_bos_token = false, so no BOS is put in front of chunks),
cut into chunks of CTX tokens (the tail dropped, at most CHUNKS), and each chunk runs alone from
position 0. Forward hooks on every nn.Linear of model.layers.* add, per input column, the sum of
squared inputs over the chunk's tokens (in float64) and count the tokens. transformers loads the
GGUF itself (gguf-py dequantizes to f32), so the activations are those of the f32 path hfcpp uses.
The lm_head is tied to token_embd (not collected, as in llama.cpp).

Output: tests/golden/models/imatrix_smollm2.safetensors with
  input_ids            [n_chunks * CTX] I64 the evaluated tokens
  totals               [n_entries] F64 the sum of every weight's in_sum2, in `names` order
  counts               [n_entries] I64 tokens per weight
  sums.<gguf name>     [n_cols] F32 in_sum2 for the weights of layers FULL_LAYERS
and __metadata__: names (JSON list of GGUF names), ctx, chunks, library versions.

Usage: .venv/bin/python scripts/golden/make_imatrix_smollm2.py [--gguf PATH]
"""
import argparse
import glob
import json
import os
import pathlib

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[2]
TEXT = ROOT / "tests" / "golden" / "models" / "imatrix_calibration.txt"
OUT = ROOT / "tests" / "golden" / "models" / "imatrix_smollm2.safetensors"
CTX = 64
CHUNKS = 3
FULL_LAYERS = (0, 15, 29)
HF_TO_GGUF = {"self_attn.q_proj": "attn_q", "self_attn.k_proj": "attn_k", "self_attn.v_proj": "attn_v",
              "self_attn.o_proj": "attn_output", "mlp.gate_proj": "ffn_gate", "mlp.up_proj": "ffn_up",
              "mlp.down_proj": "ffn_down"}


def default_gguf() -> str:
    hub = os.environ.get("HF_HUB_CACHE") or os.path.join(
        os.environ.get("HF_HOME") or os.path.expanduser("~/.cache/huggingface"), "hub")
    found = glob.glob(os.path.join(hub, "models--QuantFactory--SmolLM2-135M-Instruct-GGUF", "snapshots", "*",
                                   "SmolLM2-135M-Instruct.Q4_1.gguf"))
    if not found:
        raise SystemExit("SmolLM2 GGUF not in the HF cache: run scripts/install_models.py or pass --gguf")
    return found[0]


def gguf_name(module_name: str):
    parts = module_name.split(".")  # model.layers.<i>.<block>.<proj>
    if len(parts) != 5 or parts[:2] != ["model", "layers"]:
        return None
    stem = HF_TO_GGUF.get(".".join(parts[3:]))
    return None if stem is None else f"blk.{parts[2]}.{stem}.weight"


def reference_imatrix(gguf_path, text, ctx=CTX, chunks=CHUNKS, ids=None):
    """{gguf name: (float64 sums [n_cols], count)} and the evaluated token ids. ids: the text's
    token ids when already known (skips building the tokenizer from the GGUF, which is slow)."""
    import torch
    import transformers
    path = pathlib.Path(os.path.realpath(gguf_path))
    if ids is None:
        tok = transformers.AutoTokenizer.from_pretrained(str(path.parent), gguf_file=path.name)
        ids = tok(text, add_special_tokens=False)["input_ids"]  # add_bos_token is false in this GGUF
    model = transformers.AutoModelForCausalLM.from_pretrained(str(path.parent), gguf_file=path.name,
                                                              torch_dtype=torch.float32)
    model.eval()
    n_chunks = min(len(ids) // ctx, chunks)
    acc = {}

    def hook(name):
        def fn(_module, inputs):
            x = inputs[0].detach().reshape(-1, inputs[0].shape[-1]).double()
            s, c = acc.get(name, (0, 0))
            acc[name] = (s + (x * x).sum(0).numpy(), c + x.shape[0])
        return fn

    handles = [m.register_forward_pre_hook(hook(gguf_name(n))) for n, m in model.named_modules()
               if isinstance(m, torch.nn.Linear) and gguf_name(n) is not None]
    with torch.no_grad():
        for c in range(n_chunks):
            model(torch.tensor([ids[c * ctx:(c + 1) * ctx]]))
    for h in handles:
        h.remove()
    return acc, ids[:n_chunks * ctx]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gguf", default=None)
    ap.add_argument("--out", default=str(OUT))
    args = ap.parse_args()
    import gguf
    import torch
    import transformers
    from safetensors.numpy import save_file
    acc, ids = reference_imatrix(args.gguf or default_gguf(), TEXT.read_text(encoding="utf-8"))
    names = sorted(acc)
    out = {"input_ids": np.array(ids, dtype=np.int64),
           "totals": np.array([acc[n][0].sum() for n in names], dtype=np.float64),
           "counts": np.array([acc[n][1] for n in names], dtype=np.int64)}
    for n in names:
        if int(n.split(".")[1]) in FULL_LAYERS:
            out[f"sums.{n}"] = acc[n][0].astype(np.float32)
    meta = {"names": json.dumps(names), "ctx": str(CTX), "chunks": str(len(ids) // CTX),
            "transformers": transformers.__version__, "torch": torch.__version__,
            "gguf": getattr(gguf, "__version__", "0.19.0")}
    save_file(out, args.out, metadata=meta)
    print(f"wrote {args.out}: {len(names)} weights, {len(ids)} tokens")


if __name__ == "__main__":
    main()
