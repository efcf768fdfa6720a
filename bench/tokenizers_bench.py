"""Encode throughput: hfcpp (bench/tokenizers_bench) vs the Python `tokenizers` batch API and
tiktoken on the same text (the shared DEV corpus x5), GPT-2, Llama-3 and BERT, in one run.

tiktoken cannot download its encodings here, so its Encoding objects are built from the same
tokenizer.json (byte-level BPE: mergeable ranks are the vocab ids of the tokens' bytes, the
pattern is the tokenizer's split regex, special tokens are the added tokens); before timing,
its ids are checked against `tokenizers` on every corpus text and mismatches are reported.
BERT (WordPiece) has no tiktoken equivalent.

Wall-clock MB/s are the headline figures; the 1-thread figures are also given per second of
process CPU time, which a shared, loaded machine disturbs much less.
Usage: .venv/bin/python bench/tokenizers_bench.py [BUILD_DIR]"""
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "tokenizers"
BUILD = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "build" / "release"
NAMES = ["gpt2", "llama3_1", "bert-base-uncased"]
REPEAT = 5
CORPUS = DATA / "corpus" / "dev.jsonl"
GPT2_PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""

# One timing of the reference in a fresh process, so RAYON_NUM_THREADS takes effect.
HF_CODE = """
import json, sys, time, tokenizers
t = tokenizers.Tokenizer.from_file(sys.argv[1]); t.no_truncation(); t.no_padding()
x = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8")]
t.encode_batch(x, add_special_tokens=False)
w, c = time.perf_counter(), time.process_time()
for _ in range(int(sys.argv[3])): t.encode_batch(x, add_special_tokens=False)
print(time.perf_counter() - w, time.process_time() - c)
"""


def byte_decoder():
    """GPT-2's printable char -> byte map (the inverse of ByteLevel's byte -> char)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {chr(c): b for b, c in zip(bs, cs)}


def tiktoken_encoding(name, spec):
    """A tiktoken.Encoding equivalent to a byte-level BPE tokenizer.json, or None."""
    import tiktoken

    model, pre = spec["model"], spec["pre_tokenizer"] or {}
    if model.get("type") != "BPE":
        return None
    if pre.get("type") == "ByteLevel" and pre.get("use_regex", True):
        pattern = GPT2_PATTERN
    elif pre.get("type") == "Sequence" and [p["type"] for p in pre["pretokenizers"]] == ["Split", "ByteLevel"]:
        pattern = pre["pretokenizers"][0]["pattern"]["Regex"]
    else:
        return None
    special = {t["content"]: t["id"] for t in spec["added_tokens"]}
    dec = byte_decoder()
    ranks = {bytes(dec[ch] for ch in tok): i for tok, i in model["vocab"].items() if tok not in special}
    return tiktoken.Encoding(name, pat_str=pattern, mergeable_ranks=ranks, special_tokens=special)


def time_reference(path, threads):
    out = subprocess.run([sys.executable, "-c", HF_CODE, str(path), str(CORPUS), str(REPEAT)],
                         capture_output=True, text=True, check=True,
                         env=dict(os.environ, RAYON_NUM_THREADS=str(threads))).stdout.split()
    return float(out[0]), float(out[1])


def main():
    import tokenizers

    texts = [json.loads(l) for l in open(CORPUS, encoding="utf-8")]
    mb = sum(len(t.encode()) for t in texts) * REPEAT / 1e6
    ncpu = os.cpu_count()
    print(f"load before: {os.getloadavg()}", file=sys.stderr)
    ours = subprocess.run([str(BUILD / "bin" / "tokenizers_bench"), str(DATA), *NAMES],
                          capture_output=True, text=True, check=True).stdout.splitlines()
    ours = {r["tokenizer"]: r for r in map(json.loads, ours)}
    rows, cpu_rows, notes = [], [], []
    for name in NAMES:
        path = DATA / name / "tokenizer.json"
        o = ours[name]
        w1, c1 = time_reference(path, 1)
        wn, _ = time_reference(path, ncpu)
        hf1, hfn, hf1_cpu = mb / w1, mb / wn, mb / c1
        tk1 = tkn = tk1_cpu = None
        try:
            enc = tiktoken_encoding(name, json.load(open(path, encoding="utf-8")))
        except ImportError:
            enc = None
            notes.append("tiktoken is not installed (requirements/reference.txt)")
        if enc is not None:
            ref = tokenizers.Tokenizer.from_file(str(path))
            ref.no_truncation(); ref.no_padding()
            want = [e.ids for e in ref.encode_batch(texts, add_special_tokens=False)]
            got = enc.encode_batch(texts, num_threads=ncpu, allowed_special="all")
            bad = [i for i, (a, b) in enumerate(zip(got, want)) if a != b]
            notes.append(f"{name}: tiktoken ids equal to tokenizers on {len(texts) - len(bad)}/{len(texts)} texts"
                         + (f" (first mismatches: {bad[:5]})" if bad else ""))
            enc.encode(texts[0], allowed_special="all")
            w, c = time.perf_counter(), time.process_time()
            for _ in range(REPEAT):
                for t in texts:
                    enc.encode(t, allowed_special="all")
            tk1, tk1_cpu = mb / (time.perf_counter() - w), mb / (time.process_time() - c)
            w = time.perf_counter()
            for _ in range(REPEAT):
                enc.encode_batch(texts, num_threads=ncpu, allowed_special="all")
            tkn = mb / (time.perf_counter() - w)
        fmt = lambda v: "-" if v is None else f"{v:.2f} MB/s"
        ratio = lambda a, b: "-" if b is None else f"{a / b:.2f}x"
        rows.append(f"| {name} | {fmt(o['mb_per_s_1thread'])} | {fmt(o['mb_per_s_all'])} | {fmt(hf1)} | {fmt(hfn)} | "
                    f"{fmt(tk1)} | {fmt(tkn)} | {ratio(o['mb_per_s_1thread'], hf1)} | {ratio(o['mb_per_s_all'], hfn)} | "
                    f"{ratio(o['mb_per_s_1thread'], tk1)} |")
        cpu_rows.append(f"| {name} | {fmt(o['cpu_mb_per_s_1thread'])} | {fmt(hf1_cpu)} | {fmt(tk1_cpu)} | "
                        f"{ratio(o['cpu_mb_per_s_1thread'], hf1_cpu)} | {ratio(o['cpu_mb_per_s_1thread'], tk1_cpu)} |")
    print(f"| tokenizer | hfcpp 1 thread | hfcpp all ({ncpu}) | tokenizers 1 thread | tokenizers batch all | "
          f"tiktoken 1 thread | tiktoken batch all | hfcpp / tokenizers 1 thread | hfcpp / tokenizers all | "
          f"hfcpp / tiktoken 1 thread |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    print("\nPer second of process CPU time, 1 thread:\n")
    print("| tokenizer | hfcpp | tokenizers | tiktoken | hfcpp / tokenizers | hfcpp / tiktoken |")
    print("|---|---|---|---|---|---|")
    print("\n".join(cpu_rows))
    print()
    for n in notes:
        print(f"- {n}")
    print(f"load after: {os.getloadavg()}", file=sys.stderr)


if __name__ == "__main__":
    main()
