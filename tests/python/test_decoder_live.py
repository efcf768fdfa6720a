"""`hfcpp logits MODEL --ids ... --steps N --json` (hidden debug command) against transformers.

Live: fresh random decoder-only models built here with transformers' config classes (other sizes
and seeds than the committed tiny models), saved to a temporary folder; hfcpp's prompt logits and
greedy decode-step logits must match transformers' (eager attention, DynamicCache) within the f32
tolerance, and the greedy tokens must be the same. These run when torch and transformers import
(CI's light .venv lacks them: they skip with a message). The estimate-memory and bad-input checks
need only the hfcpp binary.
"""
import json
import os
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TINY = os.path.join(ROOT, "tests", "models", "tiny_decoders")
HFCPP = os.environ.get("HFCPP_BIN", os.path.join(ROOT, "build", "release", "bin", "hfcpp"))
DECODERS = sorted(os.listdir(TINY)) if os.path.isdir(TINY) else []

if not os.path.exists(HFCPP):
    pytest.skip(f"hfcpp binary not found at {HFCPP} (set HFCPP_BIN)", allow_module_level=True)


def hfcpp(args):
    return subprocess.run([HFCPP] + args, capture_output=True, timeout=300)


@pytest.mark.parametrize("name", DECODERS)
def test_estimate_memory_counts_every_parameter(name):
    proc = hfcpp(["estimate-memory", os.path.join(TINY, name), "--json", "--batch", "2", "--seq-len", "40"])
    assert proc.returncode == 0, proc.stderr.decode()
    e = json.loads(proc.stdout)
    assert e["decoder"] and e["parameters_match"], (name, e)
    assert e["kv_cache_sliding_bytes"] <= e["kv_cache_bytes"]


def test_logits_bad_input_exit_codes():
    model = os.path.join(TINY, "llama")
    proc = hfcpp(["logits", model, "--ids", "1,x"])
    assert proc.returncode == 2 and b"not an integer" in proc.stderr, proc.stderr
    proc = hfcpp(["logits", model, "--ids", "1,2", "--cache", "fp8"])
    assert proc.returncode == 2 and b"int4" in proc.stderr, proc.stderr
    proc = hfcpp(["logits", model, "--ids", "1,2,500"])
    assert proc.returncode == 1 and b"token id 500" in proc.stderr, proc.stderr
    proc = hfcpp(["logits", model, "--ids", "1,2,3,4", "--cache", "static", "--steps", "0"])
    assert proc.returncode == 0, proc.stderr
    proc = hfcpp(["logits", os.path.join(TINY, "no-such-model"), "--ids", "1"])
    assert proc.returncode == 1, proc.stderr


try:
    import numpy as np
    import torch
    import transformers
except ImportError as exc:  # CI's light .venv
    torch = None
    SKIP_REASON = f"transformers/torch not importable ({exc}): live decoder comparison skipped"


def live_configs():
    T = transformers
    common = dict(vocab_size=80, hidden_size=48, intermediate_size=40, num_hidden_layers=3, num_attention_heads=4,
                  num_key_value_heads=2, max_position_embeddings=64, initializer_range=0.2, pad_token_id=0,
                  bos_token_id=1, eos_token_id=2)
    return {
        "llama": T.LlamaConfig(**common, rope_scaling={"rope_type": "yarn", "factor": 2.0,
                                                       "original_max_position_embeddings": 32}),
        "mistral": T.MistralConfig(**common, sliding_window=5),
        "qwen3": T.Qwen3Config(**common, head_dim=8),
        "gemma2": T.Gemma2Config(**common, head_dim=12, sliding_window=4, query_pre_attn_scalar=12),
        "gemma3_text": T.Gemma3TextConfig(**common, head_dim=12, sliding_window=4, sliding_window_pattern=3),
        "phi3": T.Phi3Config(**common, partial_rotary_factor=0.5),
        "phi3_longrope": T.Phi3Config(**common, original_max_position_embeddings=12,
                                      rope_scaling={"type": "longrope", "short_factor": [1.0, 1.2, 1.5, 2.0, 3.0, 4.0],
                                                    "long_factor": [1.1, 1.6, 2.0, 3.0, 5.0, 8.0]}),
        "gpt2": T.GPT2Config(vocab_size=80, n_embd=48, n_layer=3, n_head=4, n_positions=64, initializer_range=0.2),
    }


@pytest.mark.parametrize("arch", ["llama", "mistral", "qwen3", "gemma2", "gemma3_text", "phi3", "phi3_longrope",
                                  "gpt2"])
@pytest.mark.parametrize("cache", ["dynamic", "sliding", "static"])
def test_logits_match_transformers(arch, cache, tmp_path):
    if torch is None:
        pytest.skip(SKIP_REASON)
    torch.manual_seed(7)
    model = transformers.AutoModelForCausalLM.from_config(live_configs()[arch], attn_implementation="eager")
    model.eval()
    model.save_pretrained(tmp_path, safe_serialization=True)
    ids = [1, 44, 7, 63, 12, 9, 30, 71, 5]
    steps = 8
    proc = hfcpp(["logits", str(tmp_path), "--ids", ",".join(map(str, ids)), "--steps", str(steps),
                  "--cache", cache, "--json"])
    assert proc.returncode == 0, proc.stderr.decode()
    got = json.loads(proc.stdout)
    with torch.no_grad():
        cache_obj = transformers.DynamicCache(config=model.config)
        out = model(torch.tensor([ids]), past_key_values=cache_obj, use_cache=True)
        expected_prompt = out.logits[0].numpy()
        np.testing.assert_allclose(np.array(got["prompt_logits"]), expected_prompt, rtol=1e-4, atol=1e-4)
        logits = out.logits[0, -1]
        for s in range(steps):
            token = int(logits.argmax())
            assert got["steps"][s]["token"] == token, f"{arch}: greedy step {s}"
            out = model(torch.tensor([[token]]), past_key_values=cache_obj, use_cache=True)
            logits = out.logits[0, -1]
            np.testing.assert_allclose(np.array(got["steps"][s]["logits"]), logits.numpy(), rtol=1e-4, atol=1e-4,
                                       err_msg=f"{arch}: decode step {s}")
