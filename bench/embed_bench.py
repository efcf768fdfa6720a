#!/usr/bin/env python3
"""all-MiniLM-L6-v2 sentence embeddings: hfcpp vs sentence-transformers (PyTorch CPU) vs ONNX Runtime.

Same machine, same run, same threads, same texts (SEQ tokens each, [CLS]/[SEP] included), best of
REPEATS. Prints a Markdown table with sentences/s and the ratios; paste it into docs/benchmarks.md.
Then a memory table: hfcpp's peak RSS (getrusage of the embed_bench process, one process per batch
size) against issue 4's bound, weights on disk + activations (`hfcpp estimate-memory --batch B
--seq-len SEQ`) + 20%, and the time from the start of loading to the first embedding.
  .venv/bin/python bench/embed_bench.py [--threads N] [--seq 128] [--batches 1,32,256] [--dtype auto]
      [--memory-only]   (hfcpp alone: no PyTorch / ONNX Runtime, one repeat)
Needs `scripts/setup --reference` (torch, sentence-transformers, onnxruntime, onnx) unless --memory-only.
"""
import argparse
import json
import os
import subprocess
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
MODEL = "sentence-transformers/all-MiniLM-L6-v2"


def texts_for(seq, batch):
    words = ["text" if w % 2 == 0 else "word" for w in range(seq - 2)]
    return [" ".join(words)] * batch


def best_of(fn, repeats):
    fn()
    best = 1e30
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


MIB = 1 << 20


def run_hfcpp(args, batch, repeats):
    out = subprocess.run([args.bin, MODEL, str(args.seq), str(batch), str(repeats), args.dtype], check=True,
                         capture_output=True, text=True, env=dict(os.environ, HFCPP_THREADS=str(args.threads)))
    return json.loads(out.stdout.strip().splitlines()[-1])


def memory_bound(args, batch):
    """Issue 4's bound in MiB: weights on disk + activations (estimate-memory) + 20%."""
    hfcpp = os.path.join(os.path.dirname(args.bin), "hfcpp")
    out = subprocess.run([hfcpp, "estimate-memory", MODEL, "--batch", str(batch), "--seq-len", str(args.seq),
                          "--dtype", args.dtype, "--json"], check=True, capture_output=True, text=True).stdout
    e = json.loads(out)
    weights, activations = e["safetensors_bytes"] / MIB, e["activations_bytes"] / MIB
    return weights, activations, (weights + activations) * 1.2


def memory_table(args, results):
    print(f"\nall-MiniLM-L6-v2 peak RSS (hfcpp, --dtype {args.dtype}, seq {args.seq}, {args.threads} threads; "
          "MiB = 2^20 bytes)\n")
    print("| batch | peak RSS | weights on disk | activations (estimate) | bound (+20%) | within | load (s) "
          "| load to first embedding (s) |")
    print("|---:|---:|---:|---:|---:|---|---:|---:|")
    for batch, r in results:
        w, a, bound = memory_bound(args, batch)
        ok = "yes" if r["peak_rss_mb"] <= bound else f"NO (+{100 * (r['peak_rss_mb'] / bound - 1):.0f}%)"
        print(f"| {batch} | {r['peak_rss_mb']:.1f} | {w:.1f} | {a:.1f} | {bound:.1f} | {ok} | {r['load_s']:.3f} "
              f"| {r['first_embedding_s']:.3f} |")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--seq", type=int, default=128)
    ap.add_argument("--batches", default="1,32,256")
    ap.add_argument("--dtype", default="auto", help="hfcpp's --dtype: auto|f32|bf16|f16")
    ap.add_argument("--memory-only", action="store_true", help="hfcpp's memory and load time only")
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "release", "bin", "embed_bench"))
    args = ap.parse_args()
    os.environ["HF_HUB_OFFLINE"] = "1"
    if args.memory_only:
        memory_table(args, [(b, run_hfcpp(args, b, 1)) for b in [int(b) for b in args.batches.split(",")]])
        return
    import numpy as np
    import torch
    from sentence_transformers import SentenceTransformer
    torch.set_num_threads(args.threads)
    st = SentenceTransformer(MODEL, device="cpu")
    ort_session = None
    try:
        import onnxruntime as ort
        tmp = tempfile.mkdtemp()
        onnx_path = os.path.join(tmp, "model.onnx")
        bert = st[0].auto_model.eval()
        dummy = st.tokenizer(["hello world"], return_tensors="pt")
        torch.onnx.export(bert, (dummy["input_ids"], dummy["attention_mask"], dummy["token_type_ids"]), onnx_path,
                          input_names=["input_ids", "attention_mask", "token_type_ids"], output_names=["last_hidden_state"],
                          dynamic_axes={k: {0: "b", 1: "l"} for k in ["input_ids", "attention_mask", "token_type_ids", "last_hidden_state"]},
                          opset_version=17, dynamo=False)
        so = ort.SessionOptions()
        so.intra_op_num_threads = args.threads
        ort_session = ort.InferenceSession(onnx_path, so, providers=["CPUExecutionProvider"])
    except Exception as e:  # noqa: BLE001
        print(f"ONNX Runtime skipped: {e}")

    rows, results = [], []
    for batch in [int(b) for b in args.batches.split(",")]:
        texts = texts_for(args.seq, batch)
        repeats = 5 if batch <= 32 else 2
        r = run_hfcpp(args, batch, repeats)
        results.append((batch, r))
        ours = r["seconds_per_batch"]
        pt = best_of(lambda: st.encode(texts, batch_size=batch, convert_to_numpy=True), repeats)
        onnx_t = None
        if ort_session is not None:
            enc = st.tokenizer(texts, padding=True, truncation=True, max_length=256, return_tensors="np")
            feeds = {k: enc[k].astype(np.int64) for k in ["input_ids", "attention_mask", "token_type_ids"]}

            def run_ort():
                h = ort_session.run(None, feeds)[0]
                m = feeds["attention_mask"][..., None]
                e = (h * m).sum(1) / np.clip(m.sum(1), 1e-9, None)
                return e / np.linalg.norm(e, axis=1, keepdims=True)
            onnx_t = best_of(run_ort, repeats)
        rows.append((batch, batch / ours, batch / pt, batch / onnx_t if onnx_t else None))

    print(f"\nall-MiniLM-L6-v2, seq {args.seq}, {args.threads} threads, sentences/s (best of runs)\n")
    print("| batch | hfcpp | sentence-transformers (PyTorch) | ONNX Runtime | hfcpp / PyTorch | hfcpp / ORT |")
    print("|---:|---:|---:|---:|---:|---:|")
    for b, o, p, x in rows:
        xs = f"{x:.1f}" if x else "n/a"
        xr = f"{o / x:.2f}x" if x else "n/a"
        print(f"| {b} | {o:.1f} | {p:.1f} | {xs} | {o / p:.2f}x | {xr} |")
    memory_table(args, results)


if __name__ == "__main__":
    main()
