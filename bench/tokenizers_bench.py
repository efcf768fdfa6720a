"""Encode throughput: hfcpp (bench/tokenizers_bench) vs the Python `tokenizers` batch API on the
same text (the shared DEV corpus x5), GPT-2, Llama-3 and BERT. tiktoken is not installed in
.venv, so it is not compared. Usage: .venv/bin/python bench/tokenizers_bench.py [BUILD_DIR]"""
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import tokenizers

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "tokenizers"
BUILD = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "build" / "release"
NAMES = ["gpt2", "llama3_1", "bert-base-uncased"]

texts = [json.loads(l) for l in open(DATA / "corpus" / "dev.jsonl", encoding="utf-8")]
mb = sum(len(t.encode()) for t in texts) * 5 / 1e6
ours = subprocess.run([str(BUILD / "bin" / "tokenizers_bench"), str(DATA), *NAMES],
                      capture_output=True, text=True, check=True).stdout.splitlines()
ours = {r["tokenizer"]: r for r in map(json.loads, ours)}
print(f"| tokenizer | hfcpp 1 thread | hfcpp all ({os.cpu_count()}) | tokenizers 1 thread | tokenizers batch all | ratio 1 thread |")
print("|---|---|---|---|---|---|")
for name in NAMES:
    tok = tokenizers.Tokenizer.from_file(str(DATA / name / "tokenizer.json"))
    tok.no_truncation(); tok.no_padding()
    res = {}
    for threads in ("1", str(os.cpu_count())):
        os.environ["RAYON_NUM_THREADS"] = threads
        code = (f"import tokenizers,json,time;t=tokenizers.Tokenizer.from_file({str(DATA / name / 'tokenizer.json')!r});"
                f"t.no_truncation();t.no_padding();x=[json.loads(l) for l in open({str(DATA / 'corpus' / 'dev.jsonl')!r})];"
                "t.encode_batch(x,add_special_tokens=False);s=time.perf_counter();"
                "[t.encode_batch(x,add_special_tokens=False) for _ in range(5)];print(time.perf_counter()-s)")
        secs = float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                    check=True, env=dict(os.environ, RAYON_NUM_THREADS=threads)).stdout)
        res[threads] = mb / secs
    o = ours[name]
    print(f"| {name} | {o['mb_per_s_1thread']:.1f} MB/s | {o['mb_per_s_all']:.1f} MB/s | {res['1']:.1f} MB/s | "
          f"{res[str(os.cpu_count())]:.1f} MB/s | {o['mb_per_s_1thread'] / res['1']:.2f}x |")
