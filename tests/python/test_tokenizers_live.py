"""Live differential test of `hfcpp tokenize` / `hfcpp decode` against the Python `tokenizers`
(0.23.2, .venv) on random and adversarial strings: random Unicode, long runs of spaces,
special-token look-alikes. Skips visibly when the library, the binary or the shared data is
missing."""
import json
import os
import random
import unicodedata
import subprocess
from pathlib import Path

import pytest

tokenizers = pytest.importorskip("tokenizers")

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "data" / "tokenizers"
BIN = Path(os.environ.get("HFCPP_BIN", ROOT / "build" / "release" / "bin" / "hfcpp"))
NAMES = ["gpt2", "bert-base-uncased", "llama3_1", "mistral", "t5-small", "roberta-base"]

if not BIN.exists():
    pytest.skip(f"hfcpp binary not found at {BIN}", allow_module_level=True)
if not DATA.exists():
    pytest.skip(f"shared tokenizer data not found at {DATA}", allow_module_level=True)


def random_texts(seed: int, n: int = 40, old_unicode_only: bool = False):
    rng = random.Random(seed)
    pools = [
        (0x20, 0x7E), (0xA0, 0x24F), (0x370, 0x3FF), (0x400, 0x4FF), (0x590, 0x6FF),
        (0x900, 0x97F), (0x3040, 0x30FF), (0x4E00, 0x4FFF), (0xAC00, 0xAD00), (0x1F300, 0x1F64F),
        (0x300, 0x36F), (0x2000, 0x206F),
    ]
    if old_unicode_only:
        # BERT's normalizer/pre-tokenizer use the reference's old Unicode category tables
        # (unicode_categories crate): keep to long-assigned blocks for it.
        pools = [(0x20, 0x7E), (0xA0, 0x24F), (0x370, 0x3CE), (0x400, 0x4FF), (0x4E00, 0x4FFF),
                 (0xAC00, 0xAD00), (0x3041, 0x3096)]
    specials = ["<s>", "</s>", "<|endoftext|>", "[CLS]", "[SEP]", "<unk>", "<|begin_of_text|>",
                "< s>", "<S>", "[cls]", "<|endoftext|", "▁", "Ġ", "##"]
    out = []
    for _ in range(n):
        parts = []
        for _ in range(rng.randint(1, 8)):
            kind = rng.random()
            if kind < 0.5:
                lo, hi = rng.choice(pools)
                parts.append("".join(chr(rng.randint(lo, hi)) for _ in range(rng.randint(1, 12))))
            elif kind < 0.7:
                parts.append(" " * rng.randint(1, 40) + rng.choice(["", "\t", "\u3000", "\u00a0"]))
            else:
                parts.append(rng.choice(specials))
        text = "".join(parts)
        # Unassigned code points are left out: the reference's Unicode tables are older than
        # utf8proc's (a documented gap, see tests/tokenizers/golden_test.cpp).
        out.append("".join(c for c in text if unicodedata.category(c) not in ("Cn", "Cs")))
    return out


@pytest.mark.parametrize("name", NAMES)
def test_tokenize_and_decode_match_reference(name):
    ref = tokenizers.Tokenizer.from_file(str(DATA / name / "tokenizer.json"))
    texts = random_texts(sum(map(ord, name)), old_unicode_only=name.startswith("bert"))
    stdin = "".join(json.dumps(t) + "\n" for t in texts)
    for special in (True, False):
        cmd = [str(BIN), "tokenize", "--tokenizer", str(DATA / name), "--jsonl", "--json-input"]
        if not special:
            cmd.append("--no-special")
        res = subprocess.run(cmd, input=stdin.encode(), capture_output=True, check=True)
        lines = res.stdout.decode().split("\n")[:-1]
        assert len(lines) == len(texts)
        for text, line in zip(texts, lines):
            got = json.loads(line)
            want = ref.encode(text, add_special_tokens=special)
            assert got["ids"] == want.ids, text
            assert got["tokens"] == want.tokens, text
            assert [tuple(o) for o in got["offsets"]] == [tuple(o) for o in want.offsets], text
        ids_in = "".join(json.dumps(json.loads(l)["ids"]) + "\n" for l in lines)
        for skip in (True, False):
            cmd = [str(BIN), "decode", "--tokenizer", str(DATA / name)] + (["--skip-special"] if skip else [])
            res = subprocess.run(cmd, input=ids_in.encode(), capture_output=True, check=True)
            for line, ids in zip(res.stdout.decode().split("\n")[:-1], ids_in.split("\n")[:-1]):
                assert json.loads(line) == ref.decode(json.loads(ids), skip_special_tokens=skip)


def test_invalid_utf8_and_bad_file_exit_1(tmp_path):
    res = subprocess.run([str(BIN), "tokenize", "--tokenizer", str(DATA / "gpt2")],
                         input=b"ok\n\xff\xfe\n", capture_output=True)
    assert res.returncode == 1 and b"UTF-8" in res.stderr
    bad = tmp_path / "tokenizer.json"
    bad.write_text('{"model": {"type": "Nope"}}')
    res = subprocess.run([str(BIN), "tokenize", "--tokenizer", str(bad)], input=b"x\n", capture_output=True)
    assert res.returncode == 1 and b"model.type" in res.stderr
