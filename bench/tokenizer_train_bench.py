#!/usr/bin/env python3
"""Training speed: a 32k byte-level BPE (GPT-2 style) with `hfcpp tokenizer train` against the
Python `tokenizers` BpeTrainer (same pipeline, same file, same machine, same run).

Text: the shared corpus (../shared/data/tokenizers/corpus/dev.txt) plus the Python standard
library sources (site-packages excluded) and /usr/share/common-licenses, concatenated and
repeated up to --mb megabytes (default 100). The distinct text is printed (distinct_mb):
repetition keeps the word-count step proportional to the size, while the merge step depends on
the distinct words only.

Usage: .venv/bin/python bench/tokenizer_train_bench.py [--mb 100] [--vocab-size 32000]
       [--bin build/release/bin/hfcpp] [--threads N]
Prints one JSON line per tool and whether both produced the same vocab and merges."""
import argparse
import json
import os
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def build_text(path, megabytes):
    sources = [ROOT.parent / "shared/data/tokenizers/corpus/dev.txt"]
    sources += sorted(p for p in Path(sysconfig.get_paths()["stdlib"]).rglob("*.py") if "site-packages" not in p.parts)
    sources += sorted(Path("/usr/share/common-licenses").glob("*"))
    chunks, total = [], 0
    for p in sources:
        if total >= megabytes * 1_000_000:
            break
        try:
            chunks.append(p.read_text(encoding="utf-8"))
            total += len(chunks[-1])
        except (UnicodeDecodeError, OSError, IsADirectoryError):
            continue
    base = "\n".join(chunks)
    target = megabytes * 1_000_000
    with open(path, "w", encoding="utf-8") as f:
        written = 0
        while written < target:
            piece = base[: target - written]
            f.write(piece)
            written += len(piece.encode("utf-8"))
    return len(base.encode("utf-8"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=int, default=100)
    ap.add_argument("--vocab-size", type=int, default=32000)
    ap.add_argument("--bin", default=os.environ.get("HFCPP_BIN", str(ROOT / "build/release/bin/hfcpp")))
    ap.add_argument("--threads", type=int, default=0, help="0: all cores (both tools)")
    args = ap.parse_args()
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    import tokenizers

    with tempfile.TemporaryDirectory() as tmp:
        text = Path(tmp) / "train.txt"
        distinct = build_text(text, args.mb)
        size = text.stat().st_size
        env = dict(os.environ)
        if args.threads:
            env["RAYON_NUM_THREADS"] = str(args.threads)

        ours_out = Path(tmp) / "ours.json"
        cmd = [args.bin, "-q", "tokenizer", "train", "--model", "bpe", "--byte-level",
               "--vocab-size", str(args.vocab_size), "--special-tokens", "<|endoftext|>", str(text), "-o", str(ours_out)]
        if args.threads:
            cmd[1:1] = ["--threads", str(args.threads)]
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, env=env)
        ours_s = time.perf_counter() - t0

        py_script = f"""
import sys
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
tok = Tokenizer(models.BPE())
tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
tok.decoder = decoders.ByteLevel()
tok.post_processor = processors.ByteLevel(trim_offsets=False)
tr = trainers.BpeTrainer(vocab_size={args.vocab_size}, special_tokens=["<|endoftext|>"], show_progress=False,
                         initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
tok.train([sys.argv[1]], tr)
tok.save(sys.argv[2])
"""
        py_out = Path(tmp) / "py.json"
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", py_script, str(text), str(py_out)], check=True, env=env)
        py_s = time.perf_counter() - t0

        a = json.loads(ours_out.read_text(encoding="utf-8"))["model"]
        b = json.loads(py_out.read_text(encoding="utf-8"))["model"]
        same = a["vocab"] == b["vocab"] and a["merges"] == b["merges"]
        common = dict(mb=round(size / 1e6, 1), distinct_mb=round(distinct / 1e6, 1), vocab_size=args.vocab_size,
                      threads=args.threads or os.cpu_count())
        print(json.dumps(dict(tool="hfcpp", seconds=round(ours_s, 2), **common)))
        print(json.dumps(dict(tool=f"tokenizers {tokenizers.__version__}", seconds=round(py_s, 2), **common)))
        print(json.dumps(dict(identical_vocab_and_merges=same, speedup=round(py_s / ours_s, 2))))


if __name__ == "__main__":
    main()
