"""Small random decoder checkpoints for `hfcpp convert` tests and goldens (numpy + safetensors only).

Each case is a folder with config.json, model.safetensors (f32 or bf16 weights drawn from a fixed
seed) and a real tokenizer.json / tokenizer_config.json from ../shared/data/tokenizers, so
vocab_size matches the tokenizer. Shared by tests/python/test_convert.py and
scripts/golden/make_convert_golden.py, which must build the same folders byte for byte.
"""
import json
import shutil
from pathlib import Path

import numpy as np
from safetensors.numpy import save_file

ROOT = Path(__file__).resolve().parents[2]
TOKENIZERS = ROOT.parent / "shared" / "data" / "tokenizers"

HIDDEN, HEADS, KV_HEADS, HEAD_DIM, FFN, LAYERS = 32, 4, 2, 8, 64, 2

# name -> (model_type, HF class, tokenizer folder, vocab_size, extra config)
CASES = {
    "llama-spm": ("llama", "LlamaForCausalLM", "llama2", 32000, {"tie_word_embeddings": False}),
    "llama-bpe": ("llama", "LlamaForCausalLM", "llama3_1", 128256,
                  {"tie_word_embeddings": True, "rope_theta": 500000.0}),
    # Llama 3.1's rope scaling on the 32k vocabulary (cheap to read): head_dim 8 gives 4 frequencies,
    # one in each of llama3's three bands (kept, smoothed, divided by factor).
    "llama31-spm": ("llama", "LlamaForCausalLM", "llama2", 32000,
                    {"tie_word_embeddings": False, "rope_theta": 500000.0,
                     "rope_scaling": {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                      "high_freq_factor": 4.0, "original_max_position_embeddings": 8192}}),
    "mistral": ("mistral", "MistralForCausalLM", "mistral", 32000, {"tie_word_embeddings": False,
                                                                     "sliding_window": None}),
    "qwen2": ("qwen2", "Qwen2ForCausalLM", "qwen3", 151936, {"tie_word_embeddings": True}),
    "gpt2": ("gpt2", "GPT2LMHeadModel", "gpt2", 50257, {}),
    "qwen3": ("qwen3", "Qwen3ForCausalLM", "qwen3", 151936, {"tie_word_embeddings": True}),
    # Model cards (README.md, see CARDS): llama-spm's shape, the folder name and config.json's
    # _name_or_path feeding gguf-py's name heuristics (basename / finetune / version / size label).
    "card-full": ("llama", "LlamaForCausalLM", "llama2", 32000,
                  {"tie_word_embeddings": False, "_name_or_path": "tiny-org/TinyLlama-2B-Chat-v1.0"}),
    "Tiny-Llama-v1.1-7B-Instruct": ("llama", "LlamaForCausalLM", "llama2", 32000, {"tie_word_embeddings": False}),
    "card-edge": ("llama", "LlamaForCausalLM", "llama2", 32000, {"tie_word_embeddings": False}),
    "SmolTiny-135M-v0.2": ("llama", "LlamaForCausalLM", "llama2", 32000, {"tie_word_embeddings": False}),
}

# case -> README.md. card-full: license with name and link, tags plus pipeline_tag, a language list
# with the Norway problem ("- no"), base_model as a Hub id, datasets as a Hub id and two URLs.
# Tiny-Llama-...: model_name, a license list, tags as one string, languages + language, base_model as
# a list (Hub id, huggingface.co URL, mapping), datasets as one string. card-edge: CRLF lines, a null
# base_model (count 0), an empty license, empty tags, a null author, a quoted version.
# SmolTiny-...: a card without front matter (the folder name alone gives name, version, finetune).
CARDS = {
    "card-full": (
        "---\n"
        "license: apache-2.0\n"
        "license_name: tiny-license\n"
        "license_link: https://example.com/LICENSE\n"
        "tags:\n"
        "- llama\n"
        "- tiny\n"
        "pipeline_tag: text-generation\n"
        "language:\n"
        "- en\n"
        "- no\n"
        "base_model: meta-llama/Llama-3.2-1B\n"
        "datasets:\n"
        "- HuggingFaceFW/fineweb-edu\n"
        "- https://huggingface.co/allenai/c4\n"
        "- https://huggingface.co/datasets/allenai/dolma\n"
        "model_creator: Tiny Team\n"
        "description: A tiny random llama for tests.\n"
        "---\n"
        "# Tiny llama\n\nRandom weights.\n"),
    "Tiny-Llama-v1.1-7B-Instruct": (
        "---\n"
        "model_name: Tiny Llama Chat\n"
        "license:\n"
        "  - mit\n"
        "  - apache-2.0\n"
        "tags: conversational\n"
        "languages: [en]\n"
        "language: de\n"
        "base_model:\n"
        "- Qwen/Qwen2.5-0.5B-Instruct\n"
        "- https://huggingface.co/mistralai/Mistral-7B-v0.1\n"
        "- name: Local Merge\n"
        "  organization: Example Org\n"
        "  repo_url: https://example.com/merge\n"
        "datasets: HuggingFaceH4/ultrachat_200k\n"
        "---\n"),
    "card-edge": (
        "---\r\n"
        "base_model:\r\n"
        "license: ''\r\n"
        "tags: []\r\n"
        "author:\r\n"
        "version: '2.0'\r\n"
        "---\r\n"
        "Body.\r\n"),
    "SmolTiny-135M-v0.2": "# SmolTiny\n\nNo front matter here.\n",
}


def tokenizer_vocab_size(tok_dir):
    tok = json.loads((TOKENIZERS / tok_dir / "tokenizer.json").read_text(encoding="utf-8"))
    ids = list(tok["model"]["vocab"].values()) + [t["id"] for t in tok.get("added_tokens", [])]
    return max(ids) + 1


def config_for(case):
    model_type, cls, _, vocab, extra = CASES[case]
    if model_type == "gpt2":  # GPT2Config's own names; n_ctx as Hub gpt2 configs carry it
        return {"architectures": [cls], "model_type": "gpt2", "n_embd": HIDDEN, "n_head": HEADS, "n_layer": LAYERS,
                "n_positions": 256, "n_ctx": 256, "n_inner": None, "layer_norm_epsilon": 1e-5, "vocab_size": vocab,
                "activation_function": "gelu_new", "bos_token_id": 50256, "eos_token_id": 50256,
                "tie_word_embeddings": True, "torch_dtype": "float32", **extra}
    c = {
        "architectures": [cls],
        "model_type": model_type,
        "hidden_size": HIDDEN,
        "intermediate_size": FFN,
        "num_attention_heads": HEADS,
        "num_key_value_heads": KV_HEADS,
        "num_hidden_layers": LAYERS,
        "head_dim": HEAD_DIM,
        "max_position_embeddings": 256,
        "rms_norm_eps": 1e-6,
        "rope_theta": 10000.0,
        "hidden_act": "silu",
        "vocab_size": vocab,
        "torch_dtype": "float32",
    }
    if model_type == "qwen2":
        del c["head_dim"]  # qwen2 derives it (hidden / heads = 8)
    c.update(extra)
    return c


def weights_for(case, config, rng):
    model_type = config["model_type"]
    hd = config.get("head_dim", HIDDEN // HEADS)

    def w(*shape, scale=0.15):
        return (rng.standard_normal(shape) * scale).astype(np.float32)

    if model_type == "gpt2":  # GPT2LMHeadModel.save_pretrained: Conv1D weights are [in, out]
        t = {"transformer.wte.weight": w(config["vocab_size"], HIDDEN, scale=0.5),
             "transformer.wpe.weight": w(config["n_positions"], HIDDEN, scale=0.1),
             "transformer.ln_f.weight": 1.0 + w(HIDDEN, scale=0.1), "transformer.ln_f.bias": w(HIDDEN, scale=0.1)}
        for i in range(LAYERS):
            p = f"transformer.h.{i}."
            for ln in ("ln_1", "ln_2"):
                t[p + ln + ".weight"] = 1.0 + w(HIDDEN, scale=0.1)
                t[p + ln + ".bias"] = w(HIDDEN, scale=0.1)
            for name, (n_in, n_out) in {"attn.c_attn": (HIDDEN, 3 * HIDDEN), "attn.c_proj": (HIDDEN, HIDDEN),
                                        "mlp.c_fc": (HIDDEN, 4 * HIDDEN), "mlp.c_proj": (4 * HIDDEN, HIDDEN)}.items():
                t[p + name + ".weight"] = w(n_in, n_out)
                t[p + name + ".bias"] = w(n_out, scale=0.1)
        return t

    t = {"model.embed_tokens.weight": w(config["vocab_size"], HIDDEN, scale=0.5),
         "model.norm.weight": (1.0 + w(HIDDEN, scale=0.1))}
    for i in range(LAYERS):
        p = f"model.layers.{i}."
        t[p + "self_attn.q_proj.weight"] = w(HEADS * hd, HIDDEN)
        t[p + "self_attn.k_proj.weight"] = w(KV_HEADS * hd, HIDDEN)
        t[p + "self_attn.v_proj.weight"] = w(KV_HEADS * hd, HIDDEN)
        t[p + "self_attn.o_proj.weight"] = w(HIDDEN, HEADS * hd)
        if model_type == "qwen2":
            for n, rows in (("q", HEADS), ("k", KV_HEADS), ("v", KV_HEADS)):
                t[p + f"self_attn.{n}_proj.bias"] = w(rows * hd, scale=0.1)
        if model_type == "qwen3":
            t[p + "self_attn.q_norm.weight"] = 1.0 + w(hd, scale=0.1)
            t[p + "self_attn.k_norm.weight"] = 1.0 + w(hd, scale=0.1)
        t[p + "mlp.gate_proj.weight"] = w(FFN, HIDDEN)
        t[p + "mlp.up_proj.weight"] = w(FFN, HIDDEN)
        t[p + "mlp.down_proj.weight"] = w(HIDDEN, FFN)
        t[p + "input_layernorm.weight"] = 1.0 + w(HIDDEN, scale=0.1)
        t[p + "post_attention_layernorm.weight"] = 1.0 + w(HIDDEN, scale=0.1)
    if not config.get("tie_word_embeddings", False):
        t["lm_head.weight"] = w(config["vocab_size"], HIDDEN, scale=0.5)
    return t


def build(case, out_dir):
    """Writes the case's folder (named after the case) under out_dir and returns its path."""
    _, _, tok_dir, _, _ = CASES[case]
    folder = Path(out_dir) / case
    folder.mkdir(parents=True, exist_ok=True)
    config = config_for(case)
    seed = sum(ord(c) for c in case)
    tensors = weights_for(case, config, np.random.default_rng(seed))
    save_file(tensors, str(folder / "model.safetensors"), metadata={"format": "pt"})
    (folder / "config.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    for f in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copyfile(TOKENIZERS / tok_dir / f, folder / f)
    if case in CARDS:
        (folder / "README.md").write_bytes(CARDS[case].encode("utf-8"))
    return folder


def _digest(values):
    import hashlib
    return hashlib.sha256(json.dumps(values, ensure_ascii=False).encode("utf-8")).hexdigest()


def describe_gguf(path):
    """Everything `hfcpp convert` must reproduce, in a form small enough to commit: metadata in file
    order (key, type, value; long strings and arrays as count + sha256), then every tensor's name,
    type, ggml shape and the sha256 of its bytes."""
    import hashlib
    from gguf import GGUFReader
    r = GGUFReader(str(path))
    meta = []
    for f in r.fields.values():
        if f.name.startswith("GGUF."):
            continue
        types = [t.name for t in f.types]
        v = f.contents()
        if types[0] == "ARRAY":
            if types[1] == "FLOAT32":
                v = [float(np.float32(x)) for x in v]
            value = {"n": len(v), "sha256": _digest(v), "head": v[:3]}
        elif types[0] == "STRING" and len(v) > 200:
            value = {"n": len(v), "sha256": _digest(v)}
        elif types[0] == "FLOAT32":
            value = float(np.float32(v))
        else:
            value = v
        meta.append([f.name, "/".join(types), value])
    tensors = [[t.name, t.tensor_type.name, [int(x) for x in t.shape],
                hashlib.sha256(np.ascontiguousarray(t.data).tobytes()).hexdigest()] for t in r.tensors]
    return {"metadata": meta, "tensors": tensors}


def gguf_converter(convert, folders, out_dir):
    """Memoised (case, outtype) -> GGUF path, converted once per module by convert(folder, path, outtype)."""
    cache = {}

    def get(case, outtype):
        if (case, outtype) not in cache:
            path = Path(out_dir) / f"{case}.{outtype}.gguf"
            convert(folders[case], path, outtype)
            cache[(case, outtype)] = path
        return cache[(case, outtype)]
    return get
