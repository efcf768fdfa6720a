"""`hfcpp card show --json` against huggingface_hub's ModelCard.load(path).data.to_dict(), and
`hfcpp card check` messages and exit codes (0 valid, 1 invalid card, 2 usage)."""

import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HFCPP = os.environ.get("HFCPP_BIN", str(ROOT / "build/release/bin/hfcpp"))

pytestmark = pytest.mark.skipif(not Path(HFCPP).exists(), reason=f"hfcpp binary not built: {HFCPP}")

FULL = """---
license: mit
language:
- en
- fr
library_name: transformers
pipeline_tag: text-classification
tags: [tiny, test, tiny]
datasets: [squad, org/reviews]
base_model: org/base-model
metrics:
- accuracy
widget:
- text: "I love this"
inference: false
version_float: 1.0
version_string: "1.0"
not_a_float: 1e5
octal: 010
hex: 0x1F
sexagesimal: 1:30
big: 1_000
yes_bool: yes
quoted_no: "no"
empty_value:
nested: {a: [1, 2.5, null], b: ~}
model-index:
- name: first-name
  results:
  - task: {type: text-classification, name: Text Classification}
    dataset: {type: org/reviews, name: Reviews, split: test, args: {lang: en, extra: null}}
    metrics:
    - {type: accuracy, value: 0.91, name: Accuracy, verified: false}
- name: tiny-classifier
  results:
  - task: {type: text-classification}
    dataset: {type: org/reviews, name: Reviews again, split: test}
    metrics:
    - {type: f1, value: "0.88 ± 0.01"}
  - task: {type: text-classification}
    dataset: {type: squad, name: SQuAD, config: plain_text}
    metrics:
    - {type: exact_match, value: 71}
    source: {name: Leaderboard, url: "https://example.org/lb"}
---
# Tiny classifier

Body text.
"""

CARDS = {
    "full": FULL,
    "other_license": "---\nlicense: other\nlicense_name: my-license-1.0\nlicense_link: LICENSE\nmodel_name: solo\n"
                     "---\n# x\n",
    "no_front_matter": "# Just a title\n\nNo metadata here.\n",
    # (huggingface_hub 1.x also accepts spaces after the closing "---", 0.x does not; hfcpp follows 1.x)
    "crlf_leading_blank": "\r\n\r\n---\r\nlicense: apache-2.0\r\ntags:\r\n- a\r\n---\r\nbody\r\n",
    "empty_block": "---\n\n---\ntext\n",
    "empty_index_and_string_tags": "---\nmodel-index: []\ntags: abca\nlanguage: no\n---\n",
    "unterminated": "---\nlicense: mit\nno closing line\n",
}


def hfcpp(*args, check=True):
    r = subprocess.run([HFCPP, *args], capture_output=True, text=True, timeout=30)
    if check:
        assert r.returncode == 0, f"hfcpp {' '.join(args)} failed ({r.returncode}):\n{r.stderr}"
    return r


def write(tmp_path, name, text):
    path = tmp_path / name / "README.md"
    path.parent.mkdir(parents=True)
    path.write_bytes(text.encode())
    return path


@pytest.mark.parametrize("name", sorted(CARDS))
def test_card_show_json_matches_huggingface_hub(tmp_path, name):
    hh = pytest.importorskip("huggingface_hub")
    path = write(tmp_path, name, CARDS[name])
    expected = json.loads(json.dumps(hh.ModelCard.load(path).data.to_dict(), default=str))
    got = json.loads(hfcpp("card", "show", str(path), "--json").stdout)
    assert got == expected
    # A folder holding README.md works the same.
    assert json.loads(hfcpp("card", "show", str(path.parent), "--json").stdout) == expected


def test_card_show_people_output(tmp_path):
    path = write(tmp_path, "full", FULL)
    out = hfcpp("card", "show", str(path)).stdout
    assert "license       mit" in out and "language      en, fr" in out
    assert "eval results  tiny-classifier" in out and "exact_match = 71" in out


def test_card_check_valid(tmp_path):
    path = write(tmp_path, "full", FULL)
    r = hfcpp("card", "check", str(path))
    assert "valid model card" in r.stdout
    r = hfcpp("card", "check", str(write(tmp_path, "other", CARDS["other_license"])), "--json")
    assert json.loads(r.stdout) == {"valid": True, "errors": [], "warnings": []}


@pytest.mark.parametrize("yaml_text, fragments", [
    ("license: Apache 2.0\n", ["license: unknown license id 'Apache 2.0'", "did you mean 'apache-2.0'"]),
    ("license: other\n", ["license_name: license 'other' needs license_name"]),
    ("license: [mit]\n", ["license: expected a string, got a list"]),
    ("language: [en, no]\n", ["language[1]: expected a string, got a boolean", "quote the value"]),
    ("tags: tiny\n", ["tags: expected a list of strings, got a string"]),
    ("base_model: ../etc\n", ["base_model: '../etc' is not a repository id"]),
    ("model-index:\n- results: []\n", ["model-index[0]: missing 'name'"]),
    ("model-index:\n- name: m\n  results:\n  - task: {type: t}\n    metrics: [{type: acc}]\n",
     ["model-index[0].results[0]: missing 'dataset'", "model-index[0].results[0].metrics[0]: missing 'value'"]),
    ("model-index: {name: m}\n", ["model-index: expected a list"]),
])
def test_card_check_invalid(tmp_path, yaml_text, fragments):
    path = write(tmp_path, "bad", f"---\n{yaml_text}---\n# x\n")
    r = hfcpp("card", "check", str(path), check=False)
    assert r.returncode == 1, r.stdout + r.stderr
    for fragment in fragments:
        assert fragment in r.stdout, r.stdout
    assert "is not a valid model card" in r.stderr


def test_invalid_model_index_refused_like_huggingface_hub(tmp_path):
    hh = pytest.importorskip("huggingface_hub")
    path = write(tmp_path, "bad", "---\nmodel-index:\n- name: m\n  results:\n  - task: {type: t}\n    metrics: []\n---\n")
    with pytest.raises(ValueError):
        hh.ModelCard.load(path)
    r = hfcpp("card", "show", str(path), check=False)
    assert r.returncode == 1 and "invalid model-index" in r.stderr and "'dataset'" in r.stderr


def test_malformed_yaml_gives_line_and_column(tmp_path):
    path = write(tmp_path, "broken", "\n---\nlicense: mit\ntags: [a, b\nlanguage: en\n---\n")
    for cmd in ("check", "show"):
        r = hfcpp("card", cmd, str(path), check=False)
        assert r.returncode == 1
        assert f"{path}:5:" in r.stderr and "not valid YAML" in r.stderr, r.stderr
    r = hfcpp("card", "check", str(write(tmp_path, "list", "---\n- a\n- b\n---\n")), check=False)
    assert r.returncode == 1 and "must be a YAML mapping" in r.stderr


def test_usage_and_missing_files(tmp_path):
    assert hfcpp("card", "check", check=False).returncode == 2
    assert hfcpp("card", "check", str(tmp_path), "--bogus", check=False).returncode == 2
    r = hfcpp("card", "check", str(tmp_path), check=False)
    assert r.returncode == 1 and "no README.md" in r.stderr
    r = hfcpp("card", "check", str(write(tmp_path, "none", "# no metadata\n")))
    assert "warning: no YAML metadata block" in r.stdout
