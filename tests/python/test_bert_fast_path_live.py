"""Live differential test of encode's BERT path (BertNormalizer + BertPreTokenizer + WordPiece)
against the Python `tokenizers` (0.23.2) for BertNormalizer flag sets the shared goldens do not
cover (cased: no lowercase and no accent stripping; accents stripped without lowercase; all
flags off), built from bert-base-uncased's tokenizer.json, on edge cases, random old-Unicode
text and part of the DEV corpus. Skips visibly when the library, the binary or the data is missing."""
import json
import os
import subprocess
from pathlib import Path

import pytest

tokenizers = pytest.importorskip("tokenizers")

from test_tokenizers_live import random_texts  # noqa: E402  (same folder, on sys.path under pytest)

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "data" / "tokenizers"
BIN = Path(os.environ.get("HFCPP_BIN", ROOT / "build" / "release" / "bin" / "hfcpp"))
SOURCE = DATA / "bert-base-uncased" / "tokenizer.json"

if not BIN.exists():
    pytest.skip(f"hfcpp binary not found at {BIN}", allow_module_level=True)
if not SOURCE.exists():
    pytest.skip(f"shared tokenizer data not found at {DATA}", allow_module_level=True)

EDGE = [
    "", " ", "Hello, World! Don't STOP-me; (now) [please]... [CLS] x[SEP]y",
    "Café naïve e\u0301 A\u030a\u0301 Ångström ÉCOLE \u0390",
    "a\u0316\u0301 e\u0301\u0316 x\U0001D165\u0301y q\u0f71\u0f72",
    "\u0130stanbul \u01c5 ß ΣΑΣ \u2126 \u212a",
    "你好世界日本語のテキスト 한국어 \uf900\uf901 ＡＢＣ",
    "a\x01b\x7fc\u200bd\ufeffe\x00f\ufffd g\u0085h\u00adi\x1cj",
    "nbsp\u00a0x\u2003y\u3000z\u2028w\x0bv\x0cu",
    "a" * 150 + " " + "b" * 100 + " " + "c" * 101 + " supercalifragilisticexpialidocious",
    "«quoted» — dash… ¿qué? ¡hola! 「括弧」 \u037e; \u1fef`",
]

VARIANTS = {
    "cased": dict(clean_text=True, handle_chinese_chars=True, lowercase=False, strip_accents=None),
    "strip_only": dict(clean_text=True, handle_chinese_chars=True, lowercase=False, strip_accents=True),
    "all_off": dict(clean_text=False, handle_chinese_chars=False, lowercase=False, strip_accents=False),
}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_bert_variants_match_reference(variant, tmp_path):
    spec = json.loads(SOURCE.read_text(encoding="utf-8"))
    spec["normalizer"].update(VARIANTS[variant])
    path = tmp_path / "tokenizer.json"
    path.write_text(json.dumps(spec), encoding="utf-8")
    ref = tokenizers.Tokenizer.from_file(str(path))
    corpus = [json.loads(l) for l in open(DATA / "corpus" / "dev.jsonl", encoding="utf-8")][:300]
    texts = EDGE + random_texts(len(variant), old_unicode_only=True) + corpus
    stdin = "".join(json.dumps(t) + "\n" for t in texts)
    res = subprocess.run([str(BIN), "tokenize", "--tokenizer", str(path), "--jsonl", "--json-input"],
                         input=stdin.encode(), capture_output=True, check=True)
    lines = res.stdout.decode().split("\n")[:-1]
    assert len(lines) == len(texts)
    for text, line in zip(texts, lines):
        got = json.loads(line)
        want = ref.encode(text)
        assert got["ids"] == want.ids, text
        assert got["tokens"] == want.tokens, text
        assert [tuple(o) for o in got["offsets"]] == [tuple(o) for o in want.offsets], text
