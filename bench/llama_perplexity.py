"""Reference perplexity with llama.cpp (llama-cpp-python), chunked exactly as llama-perplexity
(tools/perplexity) does, for comparison with `hfcpp perplexity`:
tokenize the whole text with add_special (BOS when the vocab adds one), cut floor(n/n_ctx)
chunks of n_ctx tokens, run each from an empty KV cache (first token replaced by BOS when the
vocab adds one), score only positions n_ctx/2 .. n_ctx-2 (predicting the next token), and report
the running PPL per chunk and `Final estimate: PPL = X +/- Y`.

Usage: .venv/bin/python bench/llama_perplexity.py MODEL.gguf TEXT [--ctx 256] [--chunks N] [--json]
"""
import argparse
import json
import math
import sys

import numpy as np


def tokenize(llm, text):
    add_bos = len(llm.tokenize(b"a", add_bos=True)) > len(llm.tokenize(b"a", add_bos=False))
    return llm.tokenize(text.encode("utf-8"), add_bos=True, special=False), add_bos


def llama_perplexity(model_path, text, n_ctx=256, max_chunks=-1, threads=2, on_chunk=None):
    from llama_cpp import Llama

    llm = Llama(model_path=str(model_path), n_ctx=n_ctx, n_batch=n_ctx, n_ubatch=n_ctx, logits_all=True,
                n_threads=threads, n_threads_batch=threads, verbose=False)
    tokens, add_bos = tokenize(llm, text)
    if len(tokens) < 2 * n_ctx:
        raise SystemExit(f"need at least {2 * n_ctx} tokens, the text has {len(tokens)}")
    n_chunks = len(tokens) // n_ctx
    if max_chunks >= 0:
        n_chunks = min(n_chunks, max_chunks)
    first = n_ctx // 2
    nll = nll2 = 0.0
    count = 0
    running = []
    for c in range(n_chunks):
        chunk = list(tokens[c * n_ctx:(c + 1) * n_ctx])
        if add_bos:
            chunk[0] = llm.token_bos()
        llm.reset()
        llm.eval(chunk)
        logits = np.asarray(llm.scores[:n_ctx], dtype=np.float32)
        for j in range(first, n_ctx - 1):
            row = logits[j]
            m = row.max()
            lse = math.log(float(np.exp((row - m).astype(np.float64)).sum()))
            v = -(float(row[tokens[c * n_ctx + j + 1]] - m) - lse)
            nll += v
            nll2 += v * v
        count += n_ctx - 1 - first
        running.append(math.exp(nll / count))
        if on_chunk:
            on_chunk(c + 1, running[-1])
    mean = nll / count
    ppl = math.exp(mean)
    var = nll2 / count - mean * mean
    err = math.sqrt(var / (count - 1)) * ppl if var > 0 else 0.0
    return {"n_tokens": len(tokens), "n_ctx": n_ctx, "n_chunks": n_chunks, "add_bos": add_bos,
            "scored_tokens": count, "chunks": running, "nll": mean, "ppl": ppl, "ppl_error": err}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("text")
    ap.add_argument("--ctx", type=int, default=256)
    ap.add_argument("--chunks", type=int, default=-1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    text = open(a.text, encoding="utf-8").read()
    show = None if a.json else (lambda i, p: print(f"[{i}]{p:.4f},", end="", flush=True))
    r = llama_perplexity(a.model, text, a.ctx, a.chunks, a.threads, show)
    if a.json:
        print(json.dumps(r))
    else:
        print(f"\nFinal estimate: PPL = {r['ppl']:.4f} +/- {r['ppl_error']:.5f}")


if __name__ == "__main__":
    sys.exit(main())
