#!/usr/bin/env python3
"""Golden sentence embeddings of the real default model, from sentence-transformers.

Encodes 1,000 varied inputs (every other line of ../shared/data/tokenizers/corpus/dev.jsonl:
prose, code, emoji, 20+ scripts, long inputs that truncate at max_seq_length) with
sentence-transformers' SentenceTransformer on the model installed by scripts/setup, and writes
tests/golden/models/all-minilm-l6-v2.embeddings.safetensors ({"embeddings": [1000, 384] f32,
"index": [1000] i64 line numbers}, library versions in the metadata).
Needs `scripts/setup --reference`. Run: .venv/bin/python scripts/golden/make_minilm_embeddings.py
"""
import json
import os
import sys

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np
import sentence_transformers
import torch
import transformers
from safetensors.numpy import save_file

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CORPUS = os.path.join(ROOT, "..", "shared", "data", "tokenizers", "corpus", "dev.jsonl")
OUT = os.path.join(ROOT, "tests", "golden", "models", "all-minilm-l6-v2.embeddings.safetensors")


def main() -> int:
    with open(CORPUS, encoding="utf-8") as f:
        lines = [json.loads(l) for l in f]
    index = list(range(0, len(lines), 2))[:1000]
    texts = [lines[i] for i in index]
    model = sentence_transformers.SentenceTransformer("sentence-transformers/all-MiniLM-L6-v2", device="cpu")
    emb = model.encode(texts, batch_size=32, convert_to_numpy=True, normalize_embeddings=False)
    meta = {"torch": torch.__version__, "transformers": transformers.__version__,
            "sentence_transformers": sentence_transformers.__version__,
            "max_seq_length": str(model.max_seq_length), "corpus": "dev.jsonl every other line"}
    save_file({"embeddings": emb.astype(np.float32), "index": np.array(index, dtype=np.int64)}, OUT, metadata=meta)
    print(f"wrote {OUT}: {emb.shape}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
