"""`hfcpp convert` on Gemma, Gemma 2, Gemma 3 (also Gemma3ForConditionalGeneration) and Phi-3 checkpoints (tests/python/convert_arch_models.py:
numpy weights, the SentencePiece fixtures of tests/golden/convert_spm).

(a) metadata (keys in order, types, values), tensor names, types, shapes and bytes equal what
    convert_hf_to_gguf.py writes: against tests/golden/convert_archs (scripts/golden/
    make_convert_arch_golden.py), and live when HFCPP_CONVERT_REFERENCE names a llama.cpp folder;
(b) the tensors against the safetensors source: Gemma's RMSNorm weights + 1 (in f16 for an f16
    checkpoint, as torch adds there), everything else unchanged, Phi-3's qkv / gate_up kept fused,
    Gemma 3's padded embedding trimmed, Phi-3's longrope factors as tensors;
(c) hfcpp runs the GGUF like the folder, and with llama-cpp-python importable llama.cpp loads the
    file and gives hfcpp's greedy tokens (and logits within float error).
Skips visibly without the binary or the gguf package.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

gguf = pytest.importorskip("gguf")
pytest.importorskip("safetensors")
sys.path.insert(0, str(Path(__file__).resolve().parent))
import convert_arch_models  # noqa: E402
import convert_models  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
HFCPP = Path(os.environ.get("HFCPP_BIN", ROOT / "build/release/bin/hfcpp"))
GOLDEN = ROOT / "tests" / "golden" / "convert_archs"
if not HFCPP.exists():
    pytest.skip(f"hfcpp binary not built: {HFCPP}", allow_module_level=True)

CASES = list(convert_arch_models.CASES)
ALL_CASES = CASES + list(convert_arch_models.MULTIMODAL_CASES)
GOLDEN_CASES = sorted(p.stem for p in GOLDEN.glob("*.json"))
PROMPT = {"gemma": [2, 651, 432, 30, 902], "gemma2": [2, 651, 432, 30, 902], "gemma3": [2, 123, 456, 789, 1000],
          "gemma3-padded": [2, 123, 456, 789, 1000], "phi3": [1, 450, 496, 173, 1101],
          "phi3-longrope": [1, 450, 496, 173, 1101], "gemma3-mm": [2, 123, 456, 789, 1000]}


def hfcpp(*args, check=True):
    r = subprocess.run([str(HFCPP), *map(str, args)], capture_output=True, text=True)
    if check:
        assert r.returncode == 0, r.stderr
    return r


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    d = tmp_path_factory.mktemp("convert_arch_models")
    return {case: convert_arch_models.build(case, d) for case in ALL_CASES}


@pytest.fixture(scope="module")
def converted(folders, tmp_path_factory):
    return convert_models.gguf_converter(
        lambda folder, path, outtype: hfcpp("convert", folder, "--outfile", path, "--outtype", outtype),
        folders, tmp_path_factory.mktemp("convert_arch_out"))


def assert_same_description(ours, ref):
    assert [m[0] for m in ours["metadata"]] == [m[0] for m in ref["metadata"]]
    for o, r in zip(ours["metadata"], ref["metadata"]):
        assert o[1] == r[1], f"{o[0]}: type {o[1]} != {r[1]}"
        assert o[2] == r[2], f"{o[0]}: value {str(o[2])[:200]} != {str(r[2])[:200]}"
    assert [t[:3] for t in ours["tensors"]] == [t[:3] for t in ref["tensors"]]
    for o, r in zip(ours["tensors"], ref["tensors"]):
        assert o[3] == r[3], f"tensor {o[0]} ({o[1]}): bytes differ from the reference"


@pytest.mark.skipif(not GOLDEN_CASES, reason="no committed goldens in tests/golden/convert_archs")
@pytest.mark.parametrize("name", GOLDEN_CASES)
def test_matches_reference_golden(name, converted):
    case, outtype = name.rsplit(".", 1)
    ref = json.loads((GOLDEN / f"{name}.json").read_text(encoding="utf-8"))
    assert_same_description(convert_models.describe_gguf(converted(case, outtype)), ref)


@pytest.mark.parametrize("case", ["gemma", "gemma2", "gemma3-padded", "phi3-longrope", "gemma3-mm"])
def test_matches_reference_live(case, folders, converted, tmp_path):
    ref = os.environ.get("HFCPP_CONVERT_REFERENCE")
    if not ref or not (Path(ref) / "convert_hf_to_gguf.py").is_file():
        pytest.skip("HFCPP_CONVERT_REFERENCE (llama.cpp folder with convert_hf_to_gguf.py) is not set")
    for mod in ("torch", "transformers", "sentencepiece"):
        pytest.importorskip(mod, reason=f"{mod} is needed to run the reference converter")
    out = tmp_path / "ref.gguf"
    subprocess.run([sys.executable, str(Path(ref) / "convert_hf_to_gguf.py"), str(folders[case]), "--outfile",
                    str(out), "--outtype", "q8_0"], check=True, capture_output=True, cwd=ref)
    assert_same_description(convert_models.describe_gguf(converted(case, "q8_0")), convert_models.describe_gguf(out))


def source_tensors(case):
    """The checkpoint's values as float32 (after its storage dtype), in Hugging Face names."""
    _, dtype, _, _ = convert_arch_models.CASES[case]
    t = convert_arch_models.weights_for(case, np.random.default_rng(sum(ord(c) for c in case)))
    return {k: np.asarray(v).astype(np.float32) for k, v in convert_arch_models.to_storage(t, dtype).items()}


def gguf_tensors(path):
    # ggml shapes are innermost first; the data comes back row-major in Hugging Face order.
    return {t.name: np.array(t.data, dtype=np.float32).reshape([int(x) for x in reversed(t.shape)])
            for t in gguf.GGUFReader(str(path)).tensors}


@pytest.mark.parametrize("case", CASES)
def test_tensors_against_source(case, converted):
    src = source_tensors(case)
    got = gguf_tensors(converted(case, "f32"))
    config = convert_arch_models.config_for(case)
    model_type = config["model_type"]
    f16_checkpoint = convert_arch_models.CASES[case][1] == "float16"
    by_hf = {"model.embed_tokens.weight": "token_embd.weight", "model.norm.weight": "output_norm.weight",
             "lm_head.weight": "output.weight"}
    layer_names = {"input_layernorm": "attn_norm", "self_attn.o_proj": "attn_output", "mlp.down_proj": "ffn_down"}
    if model_type == "phi3":
        layer_names.update({"self_attn.qkv_proj": "attn_qkv", "mlp.gate_up_proj": "ffn_up",
                            "post_attention_layernorm": "ffn_norm"})
    else:
        layer_names.update({"self_attn.q_proj": "attn_q", "self_attn.k_proj": "attn_k", "self_attn.v_proj": "attn_v",
                            "mlp.gate_proj": "ffn_gate", "mlp.up_proj": "ffn_up"})
        if model_type == "gemma":
            layer_names["post_attention_layernorm"] = "ffn_norm"
        else:
            layer_names.update({"post_attention_layernorm": "post_attention_norm",
                                "pre_feedforward_layernorm": "ffn_norm",
                                "post_feedforward_layernorm": "post_ffw_norm",
                                "self_attn.q_norm": "attn_q_norm", "self_attn.k_norm": "attn_k_norm"})
    for i in range(convert_arch_models.LAYERS):
        for hf, g in layer_names.items():
            by_hf[f"model.layers.{i}.{hf}.weight"] = f"blk.{i}.{g}.weight"
    expected_names = {by_hf[k] for k in src}
    if model_type == "phi3" and config.get("rope_scaling"):
        expected_names |= {"rope_factors_long.weight", "rope_factors_short.weight"}
        rs = config["rope_scaling"]
        assert np.array_equal(got["rope_factors_long.weight"], np.array(rs["long_factor"], dtype=np.float32))
        assert np.array_equal(got["rope_factors_short.weight"], np.array(rs["short_factor"], dtype=np.float32))
    assert set(got) == expected_names
    for hf, value in src.items():
        out = got[by_hf[hf]]
        if model_type.startswith("gemma") and hf.endswith("norm.weight"):
            # GemmaRMSNorm multiplies by (1 + w): the reference stores w + 1, computed in the
            # checkpoint's dtype when that is f16 (bf16 is widened to f32 first).
            want = (value.astype(np.float16) + np.float16(1)).astype(np.float32) if f16_checkpoint else value + 1
            assert np.array_equal(out, want), hf
        elif hf == "model.embed_tokens.weight" and case == "gemma3-padded":
            assert value.shape[0] == config["vocab_size"] + 2
            assert np.array_equal(out, value[: config["vocab_size"]]), "the padded rows are dropped"
        else:
            assert np.array_equal(out, value), hf  # Phi-3's qkv / gate_up: fused as in the checkpoint


def test_tied_lm_head_is_dropped_for_gemma(tmp_path):
    """GemmaModel / Gemma2Model.filter_tensors skip lm_head.weight (tied to the embedding)."""
    rng = np.random.default_rng(0)
    vocab = convert_arch_models.config_for("gemma2")["vocab_size"]
    folder = convert_arch_models.build("gemma2", tmp_path, {"lm_head.weight": rng.standard_normal(
        (vocab, convert_arch_models.HIDDEN)).astype(np.float32)})
    out = tmp_path / "out.gguf"
    hfcpp("convert", folder, "--outfile", out, "--outtype", "f32")
    names = [t.name for t in gguf.GGUFReader(str(out)).tensors]
    assert "output.weight" not in names and "token_embd.weight" in names


def test_bad_longrope_factors_are_refused(folders, tmp_path):
    folder = tmp_path / "bad"
    folder.mkdir()
    for f in folders["phi3-longrope"].iterdir():
        (folder / f.name).write_bytes(f.read_bytes())
    config = json.loads((folder / "config.json").read_text())
    config["rope_scaling"]["long_factor"] = [1.0, 2.0]
    (folder / "config.json").write_text(json.dumps(config))
    r = hfcpp("convert", folder, "--outfile", tmp_path / "x.gguf", check=False)
    assert r.returncode == 1
    assert "long_factor / short_factor have 2 / 4 entries, expected 4" in r.stderr
    assert not (tmp_path / "x.gguf").exists()


def logits(model, ids, steps, dtype="f32"):
    r = hfcpp("logits", model, "--ids", ",".join(map(str, ids)), "--steps", steps, "--dtype", dtype, "--json")
    j = json.loads(r.stdout)
    return np.array(j["prompt_logits"] + [s["logits"] for s in j["steps"]], dtype=np.float64), \
        [s["token"] for s in j["steps"]]


def nmse(a, b):
    return float(((a - b) ** 2).sum() / (b ** 2).sum())


# gemma's f16 checkpoint: its norms are stored as f16(w + 1), which moves them by up to 2^-11.
@pytest.mark.parametrize("case,outtype,bound", [("gemma", "f32", 1e-6), ("gemma2", "f32", 1e-10),
                                                ("gemma3", "f32", 1e-10), ("phi3", "f32", 1e-10),
                                                ("phi3-longrope", "f32", 1e-10), ("gemma2", "bf16", 1e-3),
                                                ("phi3", "q8_0", 1e-3)])
def test_gguf_runs_like_folder(case, outtype, bound, folders, converted):
    ids = PROMPT[case]
    ref, ref_tokens = logits(folders[case], ids, 4)
    ours, tokens = logits(converted(case, outtype), ids, 4)
    assert ours.shape == ref.shape
    assert nmse(ours, ref) <= bound
    if outtype == "f32":
        assert tokens == ref_tokens


def test_multimodal_gguf_is_its_language_model(folders, converted):
    """Gemma3ForConditionalGeneration: the GGUF holds language_model.* only (vision_tower.* and
    multi_modal_projector.* are left out, as convert_hf_to_gguf.py leaves them to --mmproj), so its
    tensors are the text checkpoint's and hfcpp runs it like that folder."""
    for outtype in ("f32", "q8_0"):
        ours = convert_models.describe_gguf(converted("gemma3-mm", outtype))["tensors"]
        assert ours == convert_models.describe_gguf(converted("gemma3", outtype))["tensors"]
    ids = PROMPT["gemma3-mm"]
    ref, ref_tokens = logits(folders["gemma3"], ids, 4)
    got, tokens = logits(converted("gemma3-mm", "f32"), ids, 4)
    assert nmse(got, ref) <= 1e-10 and tokens == ref_tokens


def test_multimodal_fixture_is_what_transformers_loads(folders, converted, tmp_path):
    """The gemma3-mm folder is a real Gemma3ForConditionalGeneration checkpoint: its config.json is what
    Gemma3Config(text_config, vision_config).save_pretrained writes, transformers loads every weight from
    it (none missing or unexpected), and its text logits equal hfcpp's from the converted GGUF."""
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    folder = folders["gemma3-mm"]
    model, info = transformers.Gemma3ForConditionalGeneration.from_pretrained(
        folder, output_loading_info=True, torch_dtype=torch.float32)
    assert not info["missing_keys"] and not info["unexpected_keys"] and not info["mismatched_keys"]
    saved = json.loads((folder / "config.json").read_text())
    text = {k: v for k, v in saved["text_config"].items() if not k.startswith("_") and k != "model_type"}
    vision = {k: v for k, v in saved["vision_config"].items() if k != "model_type"}
    transformers.Gemma3Config(text_config=text, vision_config=vision,
                              mm_tokens_per_image=saved["mm_tokens_per_image"]).save_pretrained(tmp_path)
    rebuilt = json.loads((tmp_path / "config.json").read_text())
    # what model.save_pretrained adds to the config's own file
    version_keys = ("architectures", "dtype", "transformers_version")
    assert {k: v for k, v in saved.items() if k not in version_keys} == \
        {k: v for k, v in rebuilt.items() if k not in version_keys}
    ids = PROMPT["gemma3-mm"]
    with torch.no_grad():
        theirs = model(input_ids=torch.tensor([ids])).logits[0].double().numpy()
    ours, _ = logits(converted("gemma3-mm", "f32"), ids, 1)
    assert nmse(ours[: len(ids)], theirs) <= 1e-8


@pytest.mark.parametrize("case", ALL_CASES)
def test_llama_cpp_loads_and_agrees(case, converted):
    llama_cpp = pytest.importorskip("llama_cpp", reason="llama-cpp-python is not installed (reference set only)")
    path = converted(case, "f32")
    ids, steps = PROMPT[case], 4
    ours, expected = logits(path, ids, steps)
    # One thread: on a busy 2-core machine llama.cpp's thread pool spins for seconds on these tiny graphs.
    llm = llama_cpp.Llama(model_path=str(path), n_ctx=64, n_threads=1, n_threads_batch=1, verbose=False,
                          logits_all=True)
    llm.eval(ids)
    got = []
    for _ in range(steps):
        tok = int(np.argmax(llm.scores[llm.n_tokens - 1]))
        got.append(tok)
        llm.eval([tok])
    assert got == expected
    theirs = np.array(llm.scores[: len(ours)], dtype=np.float64)
    assert nmse(theirs, ours) <= 1e-5
