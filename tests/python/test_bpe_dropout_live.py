"""BPE dropout against the reference (`tokenizers`, .venv): GPT-2's tokenizer.json with
model.dropout set, encoded through `hfcpp tokenize` (sampling seeded by HFCPP_SEED).

- dropout 0 and 1: every encoding equals the reference's exactly (1 means no merge at all).
- 0 < p < 1: over N encodes of the same text, the mean token count agrees with the reference's
  within 5 standard errors of the difference, and the token frequencies pass a two-sample
  chi-square homogeneity test at a tail of df + 6 * sqrt(2 df) (p far below 1e-4).
- The same HFCPP_SEED gives byte-identical output; another seed gives other samples.
Skips visibly when the library, the binary or the shared data is missing."""
import collections
import json
import math
import os
import subprocess
from pathlib import Path

import pytest

tokenizers = pytest.importorskip("tokenizers")

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "data" / "tokenizers"
BIN = Path(os.environ.get("HFCPP_BIN", ROOT / "build" / "release" / "bin" / "hfcpp"))
TEXT = ("unbelievable internationalization counterrevolutionaries antidisestablishmentarianism "
        "Hello world, tokenization")
N = 2000

if not BIN.exists():
    pytest.skip(f"hfcpp binary not found at {BIN}", allow_module_level=True)
if not (DATA / "gpt2" / "tokenizer.json").exists():
    pytest.skip(f"shared tokenizer data not found at {DATA}", allow_module_level=True)


def with_dropout(tmp_path, p):
    j = json.loads((DATA / "gpt2" / "tokenizer.json").read_text(encoding="utf-8"))
    j["model"]["dropout"] = p
    path = tmp_path / f"dropout_{p}" / "tokenizer.json"
    path.parent.mkdir()
    path.write_text(json.dumps(j), encoding="utf-8")
    return path


def ours(path, n, seed):
    res = subprocess.run([str(BIN), "tokenize", "--tokenizer", str(path), "--jsonl", "--no-special"],
                         input=((TEXT + "\n") * n).encode(), capture_output=True, check=True,
                         env={**os.environ, "HFCPP_SEED": str(seed)})
    return [json.loads(l)["tokens"] for l in res.stdout.decode().split("\n")[:-1]]


def reference(path, n):
    ref = tokenizers.Tokenizer.from_file(str(path))
    return [ref.encode(TEXT, add_special_tokens=False).tokens for _ in range(n)]


@pytest.mark.parametrize("p", [0.0, 1.0])
def test_dropout_0_and_1_equal_reference_exactly(tmp_path, p):
    path = with_dropout(tmp_path, p)
    want = reference(path, 20)
    assert all(w == want[0] for w in want)
    got = ours(path, 20, seed=7)
    assert got == want
    if p == 1.0:  # no merge: one token per byte-level char
        assert all(len(t) == 1 for t in got[0])


def mean_and_se(xs):
    m = sum(xs) / len(xs)
    var = sum((x - m) ** 2 for x in xs) / (len(xs) - 1)
    return m, math.sqrt(var / len(xs))


def chi_square_two_sample(a: collections.Counter, b: collections.Counter):
    """Homogeneity chi-square of two count tables; cells expected < 10 pooled into one."""
    na, nb = sum(a.values()), sum(b.values())
    keys = set(a) | set(b)
    rare_a = rare_b = 0
    stat, df = 0.0, -1
    cells = []
    for k in keys:
        tot = a[k] + b[k]
        if tot * min(na, nb) / (na + nb) < 10:
            rare_a += a[k]
            rare_b += b[k]
        else:
            cells.append((a[k], b[k]))
    if rare_a + rare_b:
        cells.append((rare_a, rare_b))
    for ca, cb in cells:
        tot = ca + cb
        ea, eb = tot * na / (na + nb), tot * nb / (na + nb)
        stat += (ca - ea) ** 2 / ea + (cb - eb) ** 2 / eb
        df += 1
    return stat, max(df, 1)


@pytest.mark.parametrize("p", [0.1, 0.5])
def test_dropout_statistics_match_reference(tmp_path, p):
    path = with_dropout(tmp_path, p)
    got, want = ours(path, N, seed=1234), reference(path, N)
    (mg, sg), (mw, sw) = mean_and_se([len(t) for t in got]), mean_and_se([len(t) for t in want])
    assert abs(mg - mw) < 5 * math.hypot(sg, sw), (mg, mw, sg, sw)
    stat, df = chi_square_two_sample(collections.Counter(t for ts in got for t in ts),
                                     collections.Counter(t for ts in want for t in ts))
    assert stat < df + 6 * math.sqrt(2 * df), (stat, df)
    # Sampling really happens: not every encode is the same.
    assert len({tuple(t) for t in got}) > 10


def test_same_seed_same_output(tmp_path):
    path = with_dropout(tmp_path, 0.3)
    a, b, c = ours(path, 200, seed=42), ours(path, 200, seed=42), ours(path, 200, seed=43)
    assert a == b
    assert a != c
