#!/usr/bin/env python3
"""Golden outputs of transformers' logits processors for tests/generation/logits_processors_test.cpp.

Each case runs one transformers class (4.57) on seeded random scores [4, 64] and input_ids [4, 10]
and stores inputs and outputs (-inf where transformers filters) in
tests/golden/generation/logits_processors.safetensors; metadata "cases" lists each case's class and
arguments as JSON. The chain case runs _get_logits_processor's order through GenerationMixin.
Run from the repository root:  .venv/bin/python scripts/golden/make_logits_processors.py
"""
import json
import os

import numpy as np
import torch
import transformers
from safetensors.numpy import save_file
from transformers.generation import logits_process as lp

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "tests", "golden", "generation", "logits_processors.safetensors")

ROWS, VOCAB, LEN = 4, 64, 10
EOS = [2, 5]

CASES = [
    ("repetition_penalty", lp.RepetitionPenaltyLogitsProcessor, {"penalty": 1.3}),
    ("repetition_reward", lp.RepetitionPenaltyLogitsProcessor, {"penalty": 0.7}),
    ("no_repeat_ngram_2", lp.NoRepeatNGramLogitsProcessor, {"ngram_size": 2}),
    ("no_repeat_ngram_3", lp.NoRepeatNGramLogitsProcessor, {"ngram_size": 3}),
    ("bad_words", lp.NoBadWordsLogitsProcessor, {"bad_words_ids": [[7], [2], [11, 12], [3, 4, 9]], "eos_token_id": EOS}),
    ("min_length_active", lp.MinLengthLogitsProcessor, {"min_length": 12, "eos_token_id": EOS}),
    ("min_length_done", lp.MinLengthLogitsProcessor, {"min_length": 10, "eos_token_id": EOS}),
    ("min_new_tokens", lp.MinNewTokensLengthLogitsProcessor,
     {"prompt_length_to_skip": 8, "min_new_tokens": 3, "eos_token_id": EOS}),
    ("temperature_07", lp.TemperatureLogitsWarper, {"temperature": 0.7}),
    ("temperature_13", lp.TemperatureLogitsWarper, {"temperature": 1.3}),
    ("top_k_5", lp.TopKLogitsWarper, {"top_k": 5}),
    ("top_k_1_keep3", lp.TopKLogitsWarper, {"top_k": 1, "min_tokens_to_keep": 3}),
    ("top_p_09", lp.TopPLogitsWarper, {"top_p": 0.9}),
    ("top_p_03", lp.TopPLogitsWarper, {"top_p": 0.3}),
    ("top_p_001_keep2", lp.TopPLogitsWarper, {"top_p": 0.01, "min_tokens_to_keep": 2}),
    ("min_p_01", lp.MinPLogitsWarper, {"min_p": 0.1}),
    ("min_p_05_keep3", lp.MinPLogitsWarper, {"min_p": 0.5, "min_tokens_to_keep": 3}),
    ("typical_05", lp.TypicalLogitsWarper, {"mass": 0.5}),
    ("typical_09", lp.TypicalLogitsWarper, {"mass": 0.9}),
]

# The whole chain as generate() builds it from a GenerationConfig.
CHAIN = {"do_sample": True, "repetition_penalty": 1.2, "no_repeat_ngram_size": 2, "bad_words_ids": [[9]],
         "min_new_tokens": 4, "temperature": 0.8, "top_k": 20, "top_p": 0.9, "min_p": 0.05, "typical_p": 0.95,
         "eos_token_id": EOS}


def main():
    g = torch.Generator().manual_seed(20251128)
    # Scores spread like real logits; a few repeated ids so n-gram and penalty cases trigger.
    scores = torch.randn((ROWS, VOCAB), generator=g) * 3.0
    ids = torch.randint(0, 16, (ROWS, LEN), generator=g)
    ids[0, -3:] = torch.tensor([11, 3, 4])
    ids[1, -2:] = ids[1, 2:4]
    tensors = {"scores": scores.numpy(), "input_ids": ids.numpy()}
    meta_cases = []
    for name, cls, kwargs in CASES:
        out = cls(**kwargs)(ids.clone(), scores.clone())
        tensors[name] = out.numpy()
        meta_cases.append({"name": name, "class": cls.__name__, "args": kwargs})

    config = transformers.GenerationConfig(**CHAIN)
    model = transformers.GPT2LMHeadModel(transformers.GPT2Config(vocab_size=VOCAB, n_layer=1, n_embd=8, n_head=2))
    config._eos_token_tensor = torch.tensor(EOS)
    chain = model._get_logits_processor(generation_config=config, input_ids_seq_length=8, device="cpu")
    tensors["chain"] = chain(ids.clone(), scores.clone()).numpy()
    meta = {
        "generator": "scripts/golden/make_logits_processors.py",
        "transformers": transformers.__version__,
        "torch": torch.__version__,
        "cases": json.dumps(meta_cases),
        "chain_config": json.dumps(CHAIN),
        "chain_classes": json.dumps([type(p).__name__ for p in chain]),
        "chain_prompt_length": "8",
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    save_file({k: np.ascontiguousarray(v) for k, v in tensors.items()}, OUT, metadata=meta)
    print(f"wrote {OUT}: {len(CASES)} cases + chain {meta['chain_classes']}")


if __name__ == "__main__":
    main()
