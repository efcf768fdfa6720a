#!/usr/bin/env python3
"""Goldens for the trainers (tests/tokenizers/trainer_test.cpp), made by the Python `tokenizers`
trainers on ../shared/data/tokenizers/corpus/dev.txt:

  bpe.json.gz         BpeTrainer(vocab_size=3000, special_tokens=["[UNK]"]), Whitespace
  byte_level.json.gz  BpeTrainer(vocab_size=1000, special_tokens=["<|endoftext|>"],
                      initial_alphabet=ByteLevel.alphabet()), ByteLevel(add_prefix_space=False)
  unigram.json.gz     UnigramTrainer(vocab_size=500, special_tokens=["<unk>"], unk_token="<unk>"),
                      Metaspace, on the first 400 lines only (EM is slow under ASan)

Each file holds the trained "model" object of tokenizer.json. BPE training is deterministic
in the reference for these settings (no subword prefix/suffix); Unigram is compared by piece
set and scores (see the test).

Usage: .venv/bin/python scripts/golden/make_tokenizer_train.py [--data DIR]
"""
import argparse
import gzip
import json
import pathlib
import tempfile

import tokenizers
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "tests/golden/tokenizers/train"


def write(name, model):
    model["_source"] = {"tokenizers": tokenizers.__version__}
    with open(OUT / name, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as f:
        f.write(json.dumps(model, ensure_ascii=False).encode("utf-8"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=str(ROOT.parent / "shared/data/tokenizers"))
    args = ap.parse_args()
    corpus = pathlib.Path(args.data) / "corpus/dev.txt"
    OUT.mkdir(parents=True, exist_ok=True)

    tok = Tokenizer(models.BPE(unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.train([str(corpus)], trainers.BpeTrainer(vocab_size=3000, special_tokens=["[UNK]"], show_progress=False))
    write("bpe.json.gz", json.loads(tok.to_str())["model"])

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.train([str(corpus)], trainers.BpeTrainer(vocab_size=1000, special_tokens=["<|endoftext|>"], show_progress=False,
                                                 initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    write("byte_level.json.gz", json.loads(tok.to_str())["model"])

    with tempfile.TemporaryDirectory() as tmp:
        head = pathlib.Path(tmp) / "head.txt"
        with open(corpus, encoding="utf-8", newline="") as f:
            head.write_text("".join(f.readlines()[:400]), encoding="utf-8", newline="")
        tok = Tokenizer(models.Unigram())
        tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
        tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
        tok.train([str(head)], trainers.UnigramTrainer(vocab_size=500, special_tokens=["<unk>"], unk_token="<unk>",
                                                       show_progress=False))
        write("unigram.json.gz", json.loads(tok.to_str())["model"])
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
