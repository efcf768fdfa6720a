#!/usr/bin/env python3
"""Golden outputs of transformers' pipeline() on the tiny random encoders (issue 4, pipelines).

For each task it runs transformers.pipeline(task, model=tests/models/tiny/<arch>/<head>) on a few
inputs and option combinations and writes tests/golden/pipelines/<task>.json:
  {"versions": {...}, "cases": [{"model": "bert/token-classification", "options": {...},
                                  "inputs": [...], "outputs": [...]}]}
Each output is what the pipeline returns for that single input (a str, or a {"question","context"}
dict for question-answering). An input may be {"repeat": s, "count": n}: the string s repeated n
times (long inputs without committing them). Outputs of the random models are meaningless but
deterministic: the C++ tests (tests/pipelines/*_test.cpp) compare labels exactly and scores within
1e-4. A case whose reference raises (e.g. an empty zero-shot sequence) records {"error": "..."}.

It also makes tests/models/tiny/bert/nli (a BertForSequenceClassification with NLI labels, for
zero-shot-classification) from the BERT tiny tokenizer.
Run from the repository root:  .venv/bin/python scripts/golden/make_pipelines.py
"""
import json
import os
import shutil
import sys

import numpy as np
import torch
import transformers
from transformers import pipeline

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TINY = os.path.join(ROOT, "tests", "models", "tiny")
OUT = os.path.join(ROOT, "tests", "golden", "pipelines")
ARCHS = ["bert", "distilbert", "roberta", "xlm-roberta"]

LONG_WORDS = {"repeat": "Paris is a big city and Berlin is another one. ", "count": 30}
HUGE = {"repeat": "a lot of words ", "count": 6667}  # 100k characters


def expand(x):
    if isinstance(x, dict) and "repeat" in x:
        return x["repeat"] * x["count"]
    if isinstance(x, dict):
        return {k: expand(v) for k, v in x.items()}
    return x


def plain(x):
    """numpy / torch scalars -> Python, recursively."""
    if isinstance(x, dict):
        return {k: plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [plain(v) for v in x]
    if isinstance(x, (np.floating, np.integer)):
        return x.item()
    return x


def make_nli_model():
    src = os.path.join(TINY, "bert", "sequence-classification")
    dst = os.path.join(TINY, "bert", "nli")
    config = transformers.BertConfig.from_pretrained(src)
    config.id2label = {0: "entailment", 1: "neutral", 2: "contradiction"}
    config.label2id = {v: k for k, v in config.id2label.items()}
    config.initializer_range = 0.2  # distinct scores, so label order does not hinge on 1e-7 ties
    config.architectures = ["BertForSequenceClassification"]
    torch.manual_seed(4)
    model = transformers.BertForSequenceClassification(config).eval()
    os.makedirs(dst, exist_ok=True)
    model.save_pretrained(dst, safe_serialization=True)
    for name in ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"]:
        shutil.copy(os.path.join(src, name), os.path.join(dst, name))


def run_cases(task, models, inputs_by_arch, option_sets, call=None):
    cases = []
    for model in models:
        arch = model.split("/")[0]
        pipe = pipeline(task, model=os.path.join(TINY, model), framework="pt", device="cpu")
        if arch != "bert":
            # The tiny folders use the generic PreTrainedTokenizerFast; the real DistilBERT/RoBERTa/XLM-R
            # tokenizer classes do not feed token_type_ids to the model (hfcpp follows that rule).
            pipe.tokenizer.model_input_names = ["input_ids", "attention_mask"]
        inputs = inputs_by_arch(arch) if callable(inputs_by_arch) else inputs_by_arch
        for options in option_sets:
            outputs = []
            for x in inputs:
                try:
                    with torch.no_grad():
                        out = call(pipe, expand(x), options) if call else pipe(expand(x), **options)
                    outputs.append(plain(out))
                except Exception as e:  # the reference refuses this input: record it
                    outputs.append({"error": f"{type(e).__name__}: {e}"[:200]})
            cases.append({"model": model, "options": options, "inputs": inputs, "outputs": outputs})
            print(f"{task} {model} {options}: {len(outputs)} outputs")
    return cases


def mask_inputs(arch):
    m = "[MASK]" if arch in ("bert", "distilbert") else "<mask>"
    return [f"The capital of France is {m}.", f"Hello {m}!", f"{m} is a {m} city.",
            f"Zürich and Kraków are {m}; 42 is a number!"]


def main() -> int:
    os.makedirs(OUT, exist_ok=True)
    make_nli_model()
    goldens = {}
    texts = ["I love this movie!", "This is terrible.", "", "Zürich and Kraków are cities; 42 is a number!",
             "Price: 5€ in 東京, okay?"]
    goldens["text-classification"] = run_cases(
        "text-classification", [f"{a}/sequence-classification" for a in ARCHS], texts,
        [{}, {"top_k": None}, {"top_k": 2}, {"function_to_apply": "sigmoid"},
         {"function_to_apply": "none", "top_k": None}])
    goldens["text-classification"] += run_cases(
        "text-classification", ["bert/sequence-classification", "roberta/sequence-classification"], [HUGE],
        [{"truncation": True}])

    ner_texts = ["My name is Wolfgang and I live in Berlin.", "Zürich and Kraków are cities; 42 is a number!",
                 "Hugging Face Inc. is a company based in New York City.", "",
                 "supercalifragilistic words unbelievably", "Price: 5€ in 東京, okay?"]
    goldens["token-classification"] = run_cases(
        "token-classification", [f"{a}/token-classification" for a in ARCHS], ner_texts,
        [{}, {"ignore_labels": []}, {"aggregation_strategy": "simple"},
         {"aggregation_strategy": "simple", "ignore_labels": []},
         {"aggregation_strategy": "first", "ignore_labels": []},
         {"aggregation_strategy": "average", "ignore_labels": []},
         {"aggregation_strategy": "max", "ignore_labels": []}, {"aggregation_strategy": "max"}])
    goldens["token-classification"] += run_cases(
        "token-classification", ["bert/token-classification", "xlm-roberta/token-classification"], [HUGE],
        [{"aggregation_strategy": "simple"}])

    qa_inputs = [{"question": "What is the capital?", "context": "Paris is the capital of France."},
                 {"question": "Who wrote this sentence?",
                  "context": "Nobody knows who wrote this sentence, but it is long enough to matter."},
                 {"question": "Where is the big city?", "context": LONG_WORDS},
                 {"question": "Which cities?", "context": "Zürich and Kraków are cities; 42 is a number!"}]
    qa_call = lambda pipe, x, options: pipe(question=x["question"], context=x["context"], **options)
    goldens["question-answering"] = run_cases(
        "question-answering", [f"{a}/question-answering" for a in ARCHS], qa_inputs,
        [{}, {"top_k": 3}, {"max_answer_len": 3, "top_k": 2}, {"handle_impossible_answer": True},
         {"doc_stride": 20, "max_seq_len": 48, "top_k": 2}], call=qa_call)

    goldens["fill-mask"] = run_cases(
        "fill-mask", [f"{a}/masked-lm" for a in ARCHS], mask_inputs,
        [{}, {"top_k": 3}, {"targets": ["paris", "the", "city", "qqzzxx"]}])

    zs_call = lambda pipe, x, options: pipe(x, **options)
    goldens["zero-shot-classification"] = run_cases(
        "zero-shot-classification", ["bert/nli"],
        ["I love playing football on weekends.", "The stock market fell sharply today.", "", "Zürich!"],
        [{"candidate_labels": ["sports", "politics", "finance"]},
         {"candidate_labels": ["sports", "politics", "finance"], "multi_label": True},
         {"candidate_labels": ["sports"]},
         {"candidate_labels": ["sports", "politics"], "hypothesis_template": "The topic is {}."}],
        call=zs_call)

    goldens["feature-extraction"] = run_cases(
        "feature-extraction", [f"{a}/base" for a in ARCHS], ["Hello world", "", "Zürich!"], [{}])

    versions = {"transformers": transformers.__version__, "torch": torch.__version__}
    for task, cases in goldens.items():
        with open(os.path.join(OUT, f"{task}.json"), "w", encoding="utf-8") as f:
            json.dump({"versions": versions, "cases": cases}, f, ensure_ascii=False)
            f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
