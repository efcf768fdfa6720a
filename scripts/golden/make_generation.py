#!/usr/bin/env python3
"""generate() goldens beyond make_tiny_decoders.py's defaults: transformers' tokens for search
settings that change which tokens come out (processors, EOS lists that end rows at different
steps, beam early_stopping modes, length penalties, more returned sequences).

For the tiny llama and gpt2 checkpoints (tests/models/tiny_decoders), on the same left-padded batch
of three prompts, each case stores `sequences` (and `scores` for beam search) in
tests/golden/generation/generate_<model>.safetensors as <case>.sequences / <case>.scores; metadata
"cases" maps each case to its generate() kwargs (JSON). Greedy cases only: no sampling here.
Run from the repository root:  .venv/bin/python scripts/golden/make_generation.py
"""
import json
import os

import numpy as np
import torch
import transformers
from safetensors.numpy import save_file

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TINY = os.path.join(ROOT, "tests", "models", "tiny_decoders")
OUT = os.path.join(ROOT, "tests", "golden", "generation")
PAD = 0
PROMPTS = [
    [1, 17, 33, 5, 71, 9, 44],
    [1, 60, 12, 88, 23, 41, 7, 52, 30, 66, 14, 90],
    [1, 25, 80, 3],
]

CASES = {
    "greedy_processors": dict(max_new_tokens=12, repetition_penalty=1.3, no_repeat_ngram_size=2,
                              bad_words_ids=[[75], [35, 67]]),
    "greedy_min_new_tokens": dict(max_new_tokens=10, min_new_tokens=6, eos_token_id=[35, 74]),
    "greedy_min_length": dict(max_length=24, min_length=18, eos_token_id=[35, 74]),
    "beam_early_true": dict(max_new_tokens=8, num_beams=4, num_return_sequences=3, early_stopping=True,
                            eos_token_id=[35, 74]),
    "beam_early_never_lp2": dict(max_new_tokens=8, num_beams=3, num_return_sequences=2, early_stopping="never",
                                 length_penalty=2.0, eos_token_id=[35, 74]),
    "beam_lp05_eos": dict(max_new_tokens=10, num_beams=3, num_return_sequences=3, early_stopping=False,
                          length_penalty=0.5, eos_token_id=[35, 74, 18]),
    "beam_processors": dict(max_new_tokens=8, num_beams=3, num_return_sequences=1, repetition_penalty=1.5,
                            no_repeat_ngram_size=3),
}


def batch():
    t = max(len(p) for p in PROMPTS)
    ids = torch.full((len(PROMPTS), t), PAD, dtype=torch.long)
    mask = torch.zeros((len(PROMPTS), t), dtype=torch.long)
    for i, p in enumerate(PROMPTS):
        ids[i, t - len(p):] = torch.tensor(p)
        mask[i, t - len(p):] = 1
    return ids, mask


@torch.no_grad()
def main():
    os.makedirs(OUT, exist_ok=True)
    for name in ["llama", "gpt2"]:
        folder = os.path.join(TINY, name)
        tensors = {}
        ids, mask = batch()
        tensors["input_ids"] = ids.numpy()
        tensors["attention_mask"] = mask.numpy()
        for case, kwargs in CASES.items():
            model = transformers.AutoModelForCausalLM.from_pretrained(folder, attn_implementation="eager",
                                                                      torch_dtype=torch.float32).eval()
            out = model.generate(input_ids=ids, attention_mask=mask, do_sample=False, pad_token_id=PAD,
                                 output_scores=True, return_dict_in_generate=True, **kwargs)
            tensors[f"{case}.sequences"] = out.sequences.numpy()
            if getattr(out, "sequences_scores", None) is not None:
                tensors[f"{case}.scores"] = out.sequences_scores.float().numpy()
        meta = {"generator": "scripts/golden/make_generation.py", "model": name,
                "transformers": transformers.__version__, "torch": torch.__version__,
                "pad_token_id": str(PAD), "cases": json.dumps(CASES)}
        path = os.path.join(OUT, f"generate_{name}.safetensors")
        save_file({k: np.ascontiguousarray(v) for k, v in tensors.items()}, path, metadata=meta)
        print("wrote", path)


if __name__ == "__main__":
    main()
