"""Live differential test of pre-tokenizers no shared tokenizer uses (UnicodeScripts,
Whitespace) and of BPE dropout's exact cases, against the Python `tokenizers` on random
strings: each pre-tokenizer sits in front of a WordLevel model that maps every piece to [UNK],
so the offsets of `hfcpp tokenize` are the pre-tokenizer's splits."""
import json
import os
import random
import subprocess
import unicodedata
from pathlib import Path

import pytest

tokenizers = pytest.importorskip("tokenizers")
from tokenizers import Tokenizer, models, pre_tokenizers  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(os.environ.get("HFCPP_BIN", ROOT / "build" / "release" / "bin" / "hfcpp"))
if not BIN.exists():
    pytest.skip(f"hfcpp binary not found at {BIN}", allow_module_level=True)

POOLS = [(0x20, 0x7E), (0xA0, 0x24F), (0x370, 0x3FF), (0x400, 0x4FF), (0x590, 0x6FF), (0x900, 0x97F),
         (0x3040, 0x30FF), (0x4E00, 0x4E80), (0xAC00, 0xAC80), (0x0E00, 0x0E5B), (0x300, 0x36F),
         (0x2000, 0x206F), (0xFF00, 0xFFEF), (0x1F300, 0x1F64F)]


def random_texts(seed, n=300):
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        parts = []
        for _ in range(rng.randint(1, 10)):
            r = rng.random()
            if r < 0.6:
                lo, hi = rng.choice(POOLS)
                parts.append("".join(chr(rng.randint(lo, hi)) for _ in range(rng.randint(1, 8))))
            elif r < 0.8:
                parts.append(" " * rng.randint(1, 4))
            else:
                parts.append(rng.choice(["ー", "\u3000", "\t", "_", "a1", "٣", "Ⅻ", "\u200d"]))
        text = "".join(parts)
        # Unassigned code points: the reference's tables are older than ours.
        out.append("".join(c for c in text if unicodedata.category(c) not in ("Cn", "Cs")))
    return out


def encode_ours(path, texts):
    proc = subprocess.run([str(BIN), "tokenize", "--tokenizer", str(path), "--jsonl", "--json-input"],
                          input="\n".join(json.dumps(t) for t in texts) + "\n", capture_output=True,
                          text=True, check=True)
    return [json.loads(line) for line in proc.stdout.splitlines()]


@pytest.mark.parametrize("pre", ["UnicodeScripts", "Whitespace"])
def test_pre_tokenizer_matches_python(tmp_path, pre):
    tok = Tokenizer(models.WordLevel({"[UNK]": 0, "a": 1}, unk_token="[UNK]"))
    tok.pre_tokenizer = getattr(pre_tokenizers, pre)()
    path = tmp_path / "tok.json"
    tok.save(str(path))
    texts = random_texts(7) + ["  leading spaces", "ひらがなカタカナー漢字", "abc АБВ αβγ 123", "", "   "]
    ours = encode_ours(path, texts)
    for text, got, want in zip(texts, ours, tok.encode_batch(texts)):
        assert [tuple(o) for o in got["offsets"]] == want.offsets, repr(text)
        assert got["ids"] == want.ids, repr(text)
