"""Small random Gemma / Gemma 2 / Gemma 3 / Phi-3 checkpoints for `hfcpp convert` tests and goldens
(numpy + safetensors only).

Each case is a folder with config.json, model.safetensors (weights drawn from a fixed seed) and the
SentencePiece tokenizer.model + tokenizer_config.json of a tests/golden/convert_spm fixture. Shared by
tests/python/test_convert_archs.py and scripts/golden/make_convert_arch_golden.py, which must build the
same folders byte for byte.

The cases cover what the conversion does differently per architecture: gemma in f16 (the reference
adds 1 to the norms in f16), gemma2 in bf16 with its sandwich norms and soft-capping, gemma3 with
q/k norms and an embedding padded past vocab_size (trimmed), phi3 with fused qkv / gate_up and an
untied lm_head, phi3 with longrope factors.
"""
import json
import shutil
from pathlib import Path

import numpy as np
from safetensors.numpy import save_file

ROOT = Path(__file__).resolve().parents[2]
SPM_FIXTURES = ROOT / "tests" / "golden" / "convert_spm"

HIDDEN, HEADS, KV_HEADS, HEAD_DIM, FFN, LAYERS = 32, 4, 2, 8, 64, 2

_COMMON = {"hidden_size": HIDDEN, "intermediate_size": FFN, "num_attention_heads": HEADS,
           "num_key_value_heads": KV_HEADS, "num_hidden_layers": LAYERS, "max_position_embeddings": 256,
           "rms_norm_eps": 1e-6, "rope_theta": 10000.0}
_GEMMA = {**_COMMON, "head_dim": HEAD_DIM, "hidden_activation": "gelu_pytorch_tanh", "bos_token_id": 2,
          "eos_token_id": 1, "pad_token_id": 0}

# name -> (tokenizer fixture, storage dtype, config, embedding rows past vocab_size)
CASES = {
    "gemma": ("gemma-spm", "float16",
              {"architectures": ["GemmaForCausalLM"], "model_type": "gemma", **_GEMMA, "vocab_size": 1232}, 0),
    "gemma2": ("gemma-spm", "bfloat16",
               {"architectures": ["Gemma2ForCausalLM"], "model_type": "gemma2", **_GEMMA, "vocab_size": 1232,
                "query_pre_attn_scalar": HEAD_DIM, "sliding_window": 64, "final_logit_softcapping": 30.0,
                "attn_logit_softcapping": 50.0}, 0),
    "gemma3": ("gemma3-spm", "float32",
               {"architectures": ["Gemma3ForCausalLM"], "model_type": "gemma3_text", **_GEMMA, "vocab_size": 1150,
                "query_pre_attn_scalar": HEAD_DIM, "sliding_window": 64, "rope_local_base_freq": 10000.0,
                "rope_theta": 1000000.0, "final_logit_softcapping": None, "attn_logit_softcapping": None}, 0),
    # Gemma3Model.modify_tensors keeps the first len(vocab) embedding rows.
    "gemma3-padded": ("gemma3-spm", "float32",
                      {"architectures": ["Gemma3ForCausalLM"], "model_type": "gemma3_text", **_GEMMA,
                       "vocab_size": 1150, "query_pre_attn_scalar": HEAD_DIM, "sliding_window": 64,
                       "final_logit_softcapping": None, "attn_logit_softcapping": None}, 2),
    "phi3": ("phi3-spm", "float32",
             {"architectures": ["Phi3ForCausalLM"], "model_type": "phi3", **_COMMON, "vocab_size": 1208,
              "hidden_act": "silu", "bos_token_id": 1, "eos_token_id": 1200, "pad_token_id": 1200,
              "original_max_position_embeddings": 256, "rope_scaling": None, "sliding_window": 256,
              "tie_word_embeddings": False}, 0),
    "phi3-longrope": ("phi3-spm", "float32",
                      {"architectures": ["Phi3ForCausalLM"], "model_type": "phi3", **_COMMON, "vocab_size": 1208,
                       "max_position_embeddings": 1024, "hidden_act": "silu", "bos_token_id": 1,
                       "eos_token_id": 1200, "pad_token_id": 1200, "original_max_position_embeddings": 256,
                       "rope_scaling": {"type": "longrope", "long_factor": [1.0, 1.5, 3.0, 6.0],
                                        "short_factor": [1.0, 1.1, 1.2, 1.3]},
                       "sliding_window": None, "tie_word_embeddings": False}, 0),
}


# Multimodal checkpoints: case -> the text case whose weights and tokenizer its language model carries,
# so its GGUF must hold exactly that case's tensors. gemma3-mm is a Gemma3ForConditionalGeneration
# (language_model.* plus a one-layer SigLIP vision_tower.* and the multi_modal_projector.*): its
# config.json is what transformers 4.57.1's Gemma3Config(text_config=..., vision_config=...)
# .save_pretrained writes for gemma3's hyperparameters (test_convert_archs.py checks that transformers
# loads the folder as that model, every weight present).
MULTIMODAL_CASES = {"gemma3-mm": "gemma3"}
_VISION = {"hidden_size": 16, "intermediate_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2,
           "image_size": 32, "patch_size": 8}
_GEMMA3_MM_CONFIG = {
    "architectures": ["Gemma3ForConditionalGeneration"], "boi_token_index": 255999, "dtype": "float32",
    "eoi_token_index": 256000, "image_token_index": 262144, "initializer_range": 0.02, "mm_tokens_per_image": 4,
    "model_type": "gemma3",
    "text_config": {"_sliding_window_pattern": 6, "attention_bias": False, "attention_dropout": 0.0,
                    "attn_logit_softcapping": None, "final_logit_softcapping": None, "head_dim": HEAD_DIM,
                    "hidden_activation": "gelu_pytorch_tanh", "hidden_size": HIDDEN, "initializer_range": 0.02,
                    "intermediate_size": FFN, "layer_types": ["sliding_attention"] * LAYERS,
                    "max_position_embeddings": 256, "model_type": "gemma3_text", "num_attention_heads": HEADS,
                    "num_hidden_layers": LAYERS, "num_key_value_heads": KV_HEADS, "query_pre_attn_scalar": HEAD_DIM,
                    "rms_norm_eps": 1e-06, "rope_local_base_freq": 10000.0, "rope_scaling": None,
                    "rope_theta": 1000000.0, "sliding_window": 64, "use_bidirectional_attention": False,
                    "use_cache": True, "vocab_size": 1150},
    "transformers_version": "4.57.1",
    "vision_config": {"attention_dropout": 0.0, "hidden_act": "gelu_pytorch_tanh", "hidden_size": 16,
                      "image_size": 32, "intermediate_size": 32, "layer_norm_eps": 1e-06,
                      "model_type": "siglip_vision_model", "num_attention_heads": 2, "num_channels": 3,
                      "num_hidden_layers": 1, "patch_size": 8},
}


def vision_weights(rng):
    """SiglipVisionModel (with its attention-pooling head) and Gemma3MultiModalProjector weights in
    Gemma3ForConditionalGeneration's saved names."""
    v, ffn, patch = _VISION["hidden_size"], _VISION["intermediate_size"], _VISION["patch_size"]
    positions = (_VISION["image_size"] // patch) ** 2

    def w(*shape):
        return (rng.standard_normal(shape) * 0.1).astype(np.float32)

    p = "vision_tower.vision_model."
    t = {p + "embeddings.patch_embedding.weight": w(v, 3, patch, patch), p + "embeddings.patch_embedding.bias": w(v),
         p + "embeddings.position_embedding.weight": w(positions, v)}
    blocks = [p + "encoder.layers.0.", p + "head."]
    for b in blocks:
        for fc, shape in (("mlp.fc1", (ffn, v)), ("mlp.fc2", (v, ffn))):
            t[b + fc + ".weight"], t[b + fc + ".bias"] = w(*shape), w(shape[0])
    for name in ("layer_norm1", "layer_norm2", "self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj",
                 "self_attn.out_proj"):
        shape = (v, v) if "proj" in name else (v,)
        t[blocks[0] + name + ".weight"], t[blocks[0] + name + ".bias"] = w(*shape), w(v)
    t.update({p + "head.attention.in_proj_weight": w(3 * v, v), p + "head.attention.in_proj_bias": w(3 * v),
              p + "head.attention.out_proj.weight": w(v, v), p + "head.attention.out_proj.bias": w(v),
              p + "head.layernorm.weight": w(v), p + "head.layernorm.bias": w(v), p + "head.probe": w(1, 1, v),
              p + "post_layernorm.weight": w(v), p + "post_layernorm.bias": w(v),
              "multi_modal_projector.mm_input_projection_weight": w(v, HIDDEN),
              "multi_modal_projector.mm_soft_emb_norm.weight": w(v)})
    return t


def build_multimodal(case, out_dir):
    text_case = MULTIMODAL_CASES[case]
    tok, dtype, _, _ = CASES[text_case]
    folder = Path(out_dir) / case
    folder.mkdir(parents=True, exist_ok=True)
    text = weights_for(text_case, np.random.default_rng(sum(ord(c) for c in text_case)))
    tensors = {"language_model." + k: v for k, v in text.items()}
    tensors.update(vision_weights(np.random.default_rng(sum(ord(c) for c in case))))
    save_file(to_storage(tensors, dtype), str(folder / "model.safetensors"), metadata={"format": "pt"})
    (folder / "config.json").write_text(json.dumps(_GEMMA3_MM_CONFIG, indent=2) + "\n", encoding="utf-8")
    for f in ("tokenizer.model", "tokenizer_config.json"):
        shutil.copyfile(SPM_FIXTURES / tok / f, folder / f)
    return folder


def config_for(case):
    return dict(CASES[case][2], torch_dtype=CASES[case][1])


def weights_for(case, rng):
    """float32 arrays in Hugging Face names (the storage dtype is applied by build)."""
    config = config_for(case)
    model_type = config["model_type"]
    vocab = config["vocab_size"] + CASES[case][3]

    def w(*shape, scale=0.15):
        return (rng.standard_normal(shape) * scale).astype(np.float32)

    # Gemma's RMSNorm multiplies by (1 + w), so its weights sit near 0; Phi-3's near 1.
    norm = (lambda: w(HIDDEN, scale=0.1)) if model_type.startswith("gemma") else (lambda: 1.0 + w(HIDDEN, scale=0.1))
    t = {"model.embed_tokens.weight": w(vocab, HIDDEN, scale=0.5), "model.norm.weight": norm()}
    for i in range(LAYERS):
        p = f"model.layers.{i}."
        if model_type == "phi3":
            t[p + "self_attn.qkv_proj.weight"] = w((HEADS + 2 * KV_HEADS) * HEAD_DIM, HIDDEN)
            t[p + "mlp.gate_up_proj.weight"] = w(2 * FFN, HIDDEN)
        else:
            t[p + "self_attn.q_proj.weight"] = w(HEADS * HEAD_DIM, HIDDEN)
            t[p + "self_attn.k_proj.weight"] = w(KV_HEADS * HEAD_DIM, HIDDEN)
            t[p + "self_attn.v_proj.weight"] = w(KV_HEADS * HEAD_DIM, HIDDEN)
            t[p + "mlp.gate_proj.weight"] = w(FFN, HIDDEN)
            t[p + "mlp.up_proj.weight"] = w(FFN, HIDDEN)
        t[p + "self_attn.o_proj.weight"] = w(HIDDEN, HEADS * HEAD_DIM)
        t[p + "mlp.down_proj.weight"] = w(HIDDEN, FFN)
        t[p + "input_layernorm.weight"] = norm()
        t[p + "post_attention_layernorm.weight"] = norm()
        if model_type in ("gemma2", "gemma3_text"):
            t[p + "pre_feedforward_layernorm.weight"] = norm()
            t[p + "post_feedforward_layernorm.weight"] = norm()
        if model_type == "gemma3_text":
            t[p + "self_attn.q_norm.weight"] = w(HEAD_DIM, scale=0.1)
            t[p + "self_attn.k_norm.weight"] = w(HEAD_DIM, scale=0.1)
    if not config.get("tie_word_embeddings", True):
        t["lm_head.weight"] = w(vocab, HIDDEN, scale=0.5)
    return t


def to_storage(tensors, dtype):
    """safetensors.numpy cannot write bfloat16 from numpy; ml_dtypes provides the type."""
    if dtype == "float32":
        return tensors
    if dtype == "float16":
        return {k: v.astype(np.float16) for k, v in tensors.items()}
    import ml_dtypes
    return {k: v.astype(ml_dtypes.bfloat16) for k, v in tensors.items()}


def build(case, out_dir, extra_tensors=None):
    """Writes the case's folder (named after the case) under out_dir and returns its path."""
    if case in MULTIMODAL_CASES:
        return build_multimodal(case, out_dir)
    tok, dtype, _, _ = CASES[case]
    folder = Path(out_dir) / case
    folder.mkdir(parents=True, exist_ok=True)
    tensors = weights_for(case, np.random.default_rng(sum(ord(c) for c in case)))
    tensors.update(extra_tensors or {})
    save_file(to_storage(tensors, dtype), str(folder / "model.safetensors"), metadata={"format": "pt"})
    (folder / "config.json").write_text(json.dumps(config_for(case), indent=2) + "\n", encoding="utf-8")
    for f in ("tokenizer.model", "tokenizer_config.json"):
        shutil.copyfile(SPM_FIXTURES / tok / f, folder / f)
    return folder
