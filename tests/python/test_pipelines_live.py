"""`hfcpp pipeline TASK --model M --jsonl` against transformers' pipeline() on the same tiny models.

The live comparisons run when torch and transformers are installed in .venv (CI lacks them: they
skip with a message). The bad-input checks (empty strings, a 100k-character input, invalid UTF-8
on stdin, unknown task) need only the hfcpp binary.
"""
import json
import math
import os
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TINY = os.path.join(ROOT, "tests", "models", "tiny")
HFCPP = os.environ.get("HFCPP_BIN", os.path.join(ROOT, "build", "release", "bin", "hfcpp"))

if not os.path.exists(HFCPP):
    pytest.skip(f"hfcpp binary not found at {HFCPP} (set HFCPP_BIN)", allow_module_level=True)


def hfcpp(args, stdin=None):
    return subprocess.run([HFCPP] + args, input=stdin, capture_output=True, timeout=300)


def hfcpp_jsonl(task, model, lines, extra=()):
    proc = hfcpp(["pipeline", task, "--model", os.path.join(TINY, model), "--jsonl", "--json-input", *extra],
                 stdin="".join(json.dumps(x) + "\n" for x in lines).encode())
    assert proc.returncode == 0, proc.stderr.decode()
    return [json.loads(line) for line in proc.stdout.decode().splitlines()]


def assert_close(actual, expected, where="", tol=1e-4):
    if isinstance(expected, float) or isinstance(actual, float):
        assert math.isclose(actual, expected, abs_tol=tol), f"{where}: {actual} != {expected}"
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), f"{where}: {actual} != {expected}"
        for i, (a, e) in enumerate(zip(actual, expected)):
            assert_close(a, e, f"{where}[{i}]", tol)
    elif isinstance(expected, dict):
        assert isinstance(actual, dict) and actual.keys() == expected.keys(), f"{where}: {actual} != {expected}"
        for k in expected:
            assert_close(actual[k], expected[k], f"{where}.{k}", tol)
    else:
        assert actual == expected, f"{where}: {actual!r} != {expected!r}"


@pytest.fixture(scope="module")
def transformers_pipeline():
    try:
        import torch  # noqa: F401
        import transformers
    except ImportError:
        pytest.skip("torch/transformers are not installed in .venv: live pipeline comparison skipped")

    def make(task, model):
        pipe = transformers.pipeline(task, model=os.path.join(TINY, model), framework="pt", device="cpu")
        if not model.startswith("bert/"):
            pipe.tokenizer.model_input_names = ["input_ids", "attention_mask"]  # as the real tokenizer classes
        return pipe
    return make


TEXTS = ["What a wonderful day in the park!", "Kraków, Zürich & 東京: 3 cities.", "no", "x " * 40]


@pytest.mark.parametrize("arch", ["bert", "distilbert", "roberta", "xlm-roberta"])
def test_text_classification_live(transformers_pipeline, arch):
    pipe = transformers_pipeline("text-classification", f"{arch}/sequence-classification")
    ours = hfcpp_jsonl("text-classification", f"{arch}/sequence-classification", TEXTS, ["--top-k", "all"])
    for text, got in zip(TEXTS, ours):
        assert_close(got, pipe(text, top_k=None), text)


@pytest.mark.parametrize("arch", ["bert", "roberta", "xlm-roberta"])
@pytest.mark.parametrize("strategy", ["none", "simple", "first", "average", "max"])
def test_token_classification_live(transformers_pipeline, arch, strategy):
    pipe = transformers_pipeline("token-classification", f"{arch}/token-classification")
    ours = hfcpp_jsonl("token-classification", f"{arch}/token-classification", TEXTS,
                       ["--aggregation-strategy", strategy, "--ignore-labels", ""])
    for text, got in zip(TEXTS, ours):
        assert_close(got, pipe(text, aggregation_strategy=strategy, ignore_labels=[]), text)


@pytest.mark.parametrize("arch", ["bert", "roberta"])
def test_question_answering_live(transformers_pipeline, arch):
    pipe = transformers_pipeline("question-answering", f"{arch}/question-answering")
    context = "The tower stands in Paris. " * 12 + "It was built in 1889 by Gustave Eiffel."
    proc = hfcpp(["pipeline", "question-answering", "--model", os.path.join(TINY, f"{arch}/question-answering"),
                  "--json", "--question", "When was it built?", "--context", context, "--top-k", "3",
                  "--doc-stride", "24", "--max-seq-len", "64"])
    assert proc.returncode == 0, proc.stderr.decode()
    expected = pipe(question="When was it built?", context=context, top_k=3, doc_stride=24, max_seq_len=64)
    assert_close(json.loads(proc.stdout), expected)


@pytest.mark.parametrize("arch", ["bert", "xlm-roberta"])
def test_fill_mask_live(transformers_pipeline, arch):
    pipe = transformers_pipeline("fill-mask", f"{arch}/masked-lm")
    mask = pipe.tokenizer.mask_token
    texts = [f"Paris is the {mask} of France.", f"{mask} and {mask}."]
    for text, got in zip(texts, hfcpp_jsonl("fill-mask", f"{arch}/masked-lm", texts, ["--top-k", "4"])):
        assert_close(got, pipe(text, top_k=4), text)


def test_zero_shot_live(transformers_pipeline):
    pipe = transformers_pipeline("zero-shot-classification", "bert/nli")
    texts = ["The match ended in a draw after extra time.", "Rates rose again."]
    ours = hfcpp_jsonl("zero-shot-classification", "bert/nli", texts,
                       ["--candidate-labels", "sports,economy,cooking", "--multi-label"])
    for text, got in zip(texts, ours):
        assert_close(got, pipe(text, candidate_labels=["sports", "economy", "cooking"], multi_label=True), text)


def test_feature_extraction_live(transformers_pipeline):
    pipe = transformers_pipeline("feature-extraction", "roberta/base")
    for text, got in zip(TEXTS, hfcpp_jsonl("feature-extraction", "roberta/base", TEXTS)):
        assert_close(got, pipe(text), text)


# ---- bad input: exit 1 with a message, never a crash -------------------------------------------

def test_empty_strings():
    got = hfcpp_jsonl("text-classification", "bert/sequence-classification", [""])
    assert len(got) == 1 and len(got[0]) == 1 and set(got[0][0]) == {"label", "score"}
    assert hfcpp_jsonl("token-classification", "bert/token-classification", [""]) == [[]]
    proc = hfcpp(["pipeline", "zero-shot-classification", "--model", os.path.join(TINY, "bert/nli"),
                  "--candidate-labels", "a,b", "--json", ""])
    assert proc.returncode == 1 and b"at least one" in proc.stderr
    proc = hfcpp(["pipeline", "question-answering", "--model", os.path.join(TINY, "bert/question-answering"),
                  "--question", "Who?", "--context", ""])
    assert proc.returncode == 1 and b"context is empty" in proc.stderr


def test_100k_character_input_is_truncated():
    text = "a lot of words " * 6667
    for task, model in [("text-classification", "bert/sequence-classification"),
                        ("token-classification", "roberta/token-classification"),
                        ("feature-extraction", "xlm-roberta/base")]:
        got = hfcpp_jsonl(task, model, [text])
        assert len(got) == 1
    features = hfcpp_jsonl("feature-extraction", "bert/base", [text])[0]
    assert len(features[0]) == 128  # model_max_length tokens


def test_invalid_utf8_on_stdin():
    proc = hfcpp(["pipeline", "text-classification", "--model", os.path.join(TINY, "bert/sequence-classification")],
                 stdin=b"fine\nbad \xff\xfe bytes\n")
    assert proc.returncode == 1
    assert b"not valid UTF-8" in proc.stderr and b"input 2" in proc.stderr


def test_unknown_task_and_missing_mask():
    proc = hfcpp(["pipeline", "summarization", "--model", os.path.join(TINY, "bert/base"), "x"])
    assert proc.returncode == 2 and b"unknown task" in proc.stderr
    proc = hfcpp(["pipeline", "fill-mask", "--model", os.path.join(TINY, "bert/masked-lm"), "no mask"])
    assert proc.returncode == 1 and b"no mask_token" in proc.stderr


def test_estimate_memory_matches_safetensors():
    for model in ["bert/base", "bert/masked-lm", "distilbert/sequence-classification", "roberta/token-classification",
                  "xlm-roberta/question-answering"]:
        proc = hfcpp(["estimate-memory", os.path.join(TINY, model), "--json", "--batch", "2", "--seq-len", "16"])
        assert proc.returncode == 0, proc.stderr.decode()
        e = json.loads(proc.stdout)
        assert e["parameters_match"], (model, e)
        assert e["weights_bytes"] == 4 * e["parameters"]
