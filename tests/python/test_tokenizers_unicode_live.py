"""Live differential test of `hfcpp tokenize` against the Python `tokenizers` (.venv) on text
drawn from the whole code space, weighted toward what differs between Unicode versions: code
points assigned after Unicode 8.0/9.0 (the reference's normalization and category tables) and
after 14.0 (PCRE2's; the reference's regex engine has 16.0), unassigned ones, and stacks of
combining marks in every order. All 16 tokenizers, ids, tokens and offsets. Skips visibly when
the library, the binary or the shared data is missing."""
import json
import os
import random
import subprocess
from pathlib import Path

import pytest

tokenizers = pytest.importorskip("tokenizers")

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "data" / "tokenizers"
BIN = Path(os.environ.get("HFCPP_BIN", ROOT / "build" / "release" / "bin" / "hfcpp"))
NAMES = ["bert-base-uncased", "all-minilm-l6-v2", "gpt2", "roberta-base", "clip", "falcon",
         "gpt4o", "llama3_1", "qwen3", "deepseek_v3", "llama2", "mistral", "phi-3-mini",
         "gemma3", "t5-small", "marian-nmt"]

if not BIN.exists():
    pytest.skip(f"hfcpp binary not found at {BIN}", allow_module_level=True)
if not DATA.exists():
    pytest.skip(f"shared tokenizer data not found at {DATA}", allow_module_level=True)

# Marks of many combining classes, old and new (Unicode 1.1 .. 16.0).
MARKS = [0x300, 0x316, 0x345, 0x59A, 0x5AE, 0x5B0, 0x7FD, 0x898, 0x8CA, 0x8E6, 0x8F6, 0x93C,
         0x94D, 0x1ABD, 0x1ACE, 0x1DF6, 0x1DFA, 0x3099, 0x10D24, 0x10EFD, 0x11070, 0x11943,
         0x11A99, 0x16FF0, 0x1E130, 0x1E2EC, 0x1E4EC]
# Blocks assigned late (Unicode 9.0 .. 16.0) and some long-assigned ones.
POOLS = [(0x20, 0x7E), (0xA0, 0x24F), (0x860, 0x8FF), (0x1AB0, 0x1AFF), (0x1DC0, 0x1DFF),
         (0x2E40, 0x2E5F), (0x31350, 0x323AF), (0x2EBF0, 0x2EE5D), (0x11900, 0x11AFF),
         (0x11C00, 0x11FFF), (0x16FE0, 0x16FFF), (0x1CC00, 0x1CEBF), (0x1E000, 0x1E4FF),
         (0x1F900, 0x1FAFF), (0x10D00, 0x10FFF), (0x1E900, 0x1E95F), (0x4E00, 0x4E40),
         (0x3400, 0x3440), (0xE000, 0xE010), (0x80, 0x10FFFF)]


def texts(seed, n=60):
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        parts = []
        for _ in range(rng.randint(1, 6)):
            r = rng.random()
            if r < 0.4:
                parts.append("a" + "".join(chr(rng.choice(MARKS)) for _ in range(rng.randint(1, 5))) + "b")
            elif r < 0.9:
                lo, hi = rng.choice(POOLS)
                cps = [rng.randint(lo, hi) for _ in range(rng.randint(1, 8))]
                parts.append("".join(chr(c) for c in cps if not 0xD800 <= c < 0xE000))
            else:
                parts.append(" " * rng.randint(1, 4))
        out.append("".join(parts))
    return out


@pytest.mark.parametrize("name", NAMES)
def test_unicode_versions_match_reference(name):
    ref = tokenizers.Tokenizer.from_file(str(DATA / name / "tokenizer.json"))
    inputs = texts(sum(map(ord, name)))
    stdin = "".join(json.dumps(t) + "\n" for t in inputs)
    res = subprocess.run([str(BIN), "tokenize", "--tokenizer", str(DATA / name), "--jsonl",
                          "--json-input"], input=stdin.encode(), capture_output=True, check=True)
    lines = res.stdout.decode().split("\n")[:-1]
    assert len(lines) == len(inputs)
    for text, line in zip(inputs, lines):
        got, want = json.loads(line), ref.encode(text)
        assert got["ids"] == want.ids, ascii(text)
        assert got["tokens"] == want.tokens, ascii(text)
        assert [tuple(o) for o in got["offsets"]] == [tuple(o) for o in want.offsets], ascii(text)
