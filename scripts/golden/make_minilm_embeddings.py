#!/usr/bin/env python3
"""Golden sentence embeddings of the real default model, from sentence-transformers.

Encodes 1,000 varied inputs (every other line of ../shared/data/tokenizers/corpus/dev.jsonl:
prose, code, emoji, 20+ scripts, long inputs that truncate at max_seq_length) with
sentence-transformers' SentenceTransformer on the model installed by scripts/setup, and writes
tests/golden/models/all-minilm-l6-v2.embeddings.safetensors ({"embeddings": [1000, 384] f32,
"index": [1000] i64 line numbers}, library versions in the metadata), and
tests/golden/models/all-minilm-l6-v2.embeddings.bf16.safetensors: the first BF16_INPUTS of those
inputs encoded by the model loaded in bfloat16 (model_kwargs dtype=bfloat16: weights,
activations, pooling and normalization in bf16), {"embeddings": [50, 384] bf16, "index": [50] i64}.
Needs `scripts/setup --reference`. Run: .venv/bin/python scripts/golden/make_minilm_embeddings.py
(--bf16-only: write only the bf16 file, leaving the f32 golden byte-identical).
"""
import argparse
import json
import os
import sys

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np
import sentence_transformers
import torch
import transformers
from safetensors.numpy import save_file
from safetensors.torch import save_file as save_torch_file

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CORPUS = os.path.join(ROOT, "..", "shared", "data", "tokenizers", "corpus", "dev.jsonl")
OUT = os.path.join(ROOT, "tests", "golden", "models", "all-minilm-l6-v2.embeddings.safetensors")
OUT_BF16 = os.path.join(ROOT, "tests", "golden", "models", "all-minilm-l6-v2.embeddings.bf16.safetensors")
MODEL = "sentence-transformers/all-MiniLM-L6-v2"
BF16_INPUTS = 50


def versions() -> dict:
    return {"torch": torch.__version__, "transformers": transformers.__version__,
            "sentence_transformers": sentence_transformers.__version__}


def make_bf16_golden(texts, index) -> None:
    model = sentence_transformers.SentenceTransformer(MODEL, device="cpu",
                                                      model_kwargs={"dtype": torch.bfloat16})
    assert next(model.parameters()).dtype == torch.bfloat16
    emb = model.encode(texts[:BF16_INPUTS], batch_size=32, convert_to_tensor=True, normalize_embeddings=False)
    assert emb.dtype == torch.bfloat16
    meta = dict(versions(), torch_dtype="bfloat16", max_seq_length=str(model.max_seq_length),
                corpus="dev.jsonl every other line, the first 50")
    save_torch_file({"embeddings": emb.contiguous(), "index": torch.tensor(index[:BF16_INPUTS], dtype=torch.int64)},
                    OUT_BF16, metadata=meta)
    print(f"wrote {OUT_BF16}: {tuple(emb.shape)}", file=sys.stderr)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bf16-only", action="store_true", help="only write the bf16 golden")
    args = parser.parse_args()
    with open(CORPUS, encoding="utf-8") as f:
        lines = [json.loads(l) for l in f]
    index = list(range(0, len(lines), 2))[:1000]
    texts = [lines[i] for i in index]
    make_bf16_golden(texts, index)
    if args.bf16_only:
        return 0
    model = sentence_transformers.SentenceTransformer(MODEL, device="cpu")
    emb = model.encode(texts, batch_size=32, convert_to_numpy=True, normalize_embeddings=False)
    meta = {"torch": torch.__version__, "transformers": transformers.__version__,
            "sentence_transformers": sentence_transformers.__version__,
            "max_seq_length": str(model.max_seq_length), "corpus": "dev.jsonl every other line"}
    save_file({"embeddings": emb.astype(np.float32), "index": np.array(index, dtype=np.int64)}, OUT, metadata=meta)
    print(f"wrote {OUT}: {emb.shape}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
