"""`hfcpp convert` (HF safetensors decoder -> GGUF) against llama.cpp's convert_hf_to_gguf.py.

Small random checkpoints (tests/python/convert_models.py: numpy weights, real tokenizers from
../shared/data/tokenizers) are converted, then:
(a) the metadata (keys in order, types, values), tensor names, types, shapes and the bytes of every
    tensor equal what convert_hf_to_gguf.py writes: against the committed goldens
    (scripts/golden/make_convert_golden.py), and live when HFCPP_CONVERT_REFERENCE names the
    reference's llama.cpp folder and torch is importable;
(b) hfcpp's logits and greedy tokens from the GGUF equal those from the folder (f32 exactly up to
    float error; f16/bf16/q8_0 within tolerance);
(c) with llama-cpp-python importable, llama.cpp loads the file, tokenizes like hfcpp and decodes the
    same greedy tokens as hfcpp.
Skips visibly when the binary, the gguf package or the shared tokenizers are missing.
"""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

gguf = pytest.importorskip("gguf")
pytest.importorskip("safetensors")
sys.path.insert(0, str(Path(__file__).resolve().parent))
import convert_models  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
HFCPP = Path(os.environ.get("HFCPP_BIN", ROOT / "build/release/bin/hfcpp"))
GOLDEN = ROOT / "tests" / "golden" / "convert"
if not HFCPP.exists():
    pytest.skip(f"hfcpp binary not built: {HFCPP}", allow_module_level=True)
if not convert_models.TOKENIZERS.is_dir():
    pytest.skip(f"shared tokenizer data not found at {convert_models.TOKENIZERS}", allow_module_level=True)

# "<case>.<outtype>". Every out type is checked on the 32k-token vocabulary; the 128k/152k-token ones
# (reading them with gguf-py takes 20-40 s each) once each, since their tensors convert the same way.
ALL_GOLDEN_CASES = sorted(p.stem for p in GOLDEN.glob("*.json"))
GOLDEN_CASES = [c for c in ALL_GOLDEN_CASES
                if c.startswith(("llama-spm.", "llama31-spm.", "mistral.")) or c in ("llama-bpe.f16", "qwen3.q8_0", "gpt2.q8_0")
                or c.rsplit(".", 1)[0] in convert_models.CARDS]
PROMPT_IDS = {"llama-spm": [1, 450, 4996, 17354, 1701], "llama31-spm": [1, 450, 4996, 17354, 1701], "llama-bpe": [128000, 791, 4062, 14198, 39935],
              "mistral": [1, 1183, 3851, 10260, 1935], "qwen2": [785, 3974, 13876, 38835], "qwen3": [785, 3974, 13876],
              "gpt2": [464, 2068, 7586, 21831, 18045]}


def hfcpp(*args, check=True):
    r = subprocess.run([str(HFCPP), *map(str, args)], capture_output=True, text=True)
    if check:
        assert r.returncode == 0, r.stderr
    return r


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    d = tmp_path_factory.mktemp("convert_models")
    return {case: convert_models.build(case, d) for case in convert_models.CASES}


@pytest.fixture(scope="module")
def converted(folders, tmp_path_factory):
    return convert_models.gguf_converter(
        lambda folder, path, outtype: hfcpp("convert", folder, "--outfile", path, "--outtype", outtype),
        folders, tmp_path_factory.mktemp("convert_out"))


def assert_same_description(ours, ref):
    ours_keys = [m[0] for m in ours["metadata"]]
    ref_keys = [m[0] for m in ref["metadata"]]
    assert ours_keys == ref_keys
    for o, r in zip(ours["metadata"], ref["metadata"]):
        assert o[1] == r[1], f"{o[0]}: type {o[1]} != {r[1]}"
        assert o[2] == r[2], f"{o[0]}: value {str(o[2])[:200]} != {str(r[2])[:200]}"
    assert [t[:3] for t in ours["tensors"]] == [t[:3] for t in ref["tensors"]]
    for o, r in zip(ours["tensors"], ref["tensors"]):
        assert o[3] == r[3], f"tensor {o[0]} ({o[1]}): bytes differ from the reference"


@pytest.mark.skipif(not GOLDEN_CASES, reason="no committed goldens in tests/golden/convert")
@pytest.mark.parametrize("name", GOLDEN_CASES)
def test_matches_reference_golden(name, converted):
    case, outtype = name.rsplit(".", 1)
    ref = json.loads((GOLDEN / f"{name}.json").read_text(encoding="utf-8"))
    ours = convert_models.describe_gguf(converted(case, outtype))
    assert_same_description(ours, ref)


def live_reference():
    ref = os.environ.get("HFCPP_CONVERT_REFERENCE")
    if not ref or not (Path(ref) / "convert_hf_to_gguf.py").is_file():
        pytest.skip("HFCPP_CONVERT_REFERENCE (llama.cpp folder with convert_hf_to_gguf.py) is not set")
    for mod in ("torch", "transformers", "sentencepiece"):
        pytest.importorskip(mod, reason=f"{mod} is needed to run the reference converter")
    return ref


@pytest.mark.parametrize("case", ["llama-spm", "qwen2", *convert_models.CARDS])
def test_matches_reference_live(case, folders, converted, tmp_path):
    ref = live_reference()
    out = tmp_path / "ref.gguf"
    subprocess.run([sys.executable, str(Path(ref) / "convert_hf_to_gguf.py"), str(folders[case]), "--outfile",
                    str(out), "--outtype", "q8_0"], check=True, capture_output=True, cwd=ref)
    assert_same_description(convert_models.describe_gguf(converted(case, "q8_0")),
                            convert_models.describe_gguf(out))


def logits(model, ids, steps, dtype="f32"):
    """hfcpp's logits for every prompt position and `steps` greedy steps, and the greedy tokens."""
    r = hfcpp("logits", model, "--ids", ",".join(map(str, ids)), "--steps", steps, "--dtype", dtype, "--json")
    j = json.loads(r.stdout)
    return {"logits": j["prompt_logits"] + [s["logits"] for s in j["steps"]],
            "generated": [s["token"] for s in j["steps"]]}


# outtype -> NMSE bound of the GGUF's logits against the folder's
NMSE = {"f32": 1e-10, "f16": 1e-4, "bf16": 1e-3, "q8_0": 1e-3}


@pytest.mark.parametrize("case,outtype", [("llama-spm", "f32"), ("llama-spm", "q8_0"), ("qwen3", "f16"),
                                          ("qwen2", "bf16"), ("mistral", "f32"), ("llama-bpe", "f32"),
                                          ("llama31-spm", "f32"), ("gpt2", "f32"), ("gpt2", "q8_0")])
def test_gguf_runs_like_folder(case, outtype, folders, converted):
    ids = PROMPT_IDS[case]
    a = logits(folders[case], ids, 4)
    b = logits(converted(case, outtype), ids, 4)
    la, lb = np.array(a["logits"], dtype=np.float64), np.array(b["logits"], dtype=np.float64)
    assert la.shape == lb.shape
    nmse = float(((la - lb) ** 2).sum() / (la ** 2).sum())
    assert nmse <= NMSE[outtype], f"NMSE {nmse}"
    if outtype == "f32":
        assert a["generated"] == b["generated"]


def test_gpt2_gguf_runs_quantized(folders, converted):
    """GPT-2's Conv1D matrices come out of a GGUF as [out, in] and, with --dtype quantized, stay Q8_0."""
    ids = PROMPT_IDS["gpt2"]
    ref = np.array(logits(folders["gpt2"], ids, 2)["logits"], dtype=np.float64)
    ours = np.array(logits(converted("gpt2", "q8_0"), ids, 2, dtype="quantized")["logits"], dtype=np.float64)
    assert ours.shape == ref.shape
    assert float(((ours - ref) ** 2).sum() / (ref ** 2).sum()) <= NMSE["q8_0"]


@pytest.mark.parametrize("case", ["llama-spm", "qwen3", "llama-bpe", "gpt2"])
def test_llama_cpp_loads_and_agrees(case, folders, converted):
    llama_cpp = pytest.importorskip("llama_cpp", reason="llama-cpp-python is not installed (reference set only)")
    if case == "llama-spm":
        # Known gap (issue 7 note): the SentencePiece scores written from a tokenizer.json-only folder make
        # llama.cpp tokenize "lazy" differently from the HF tokenizer; the llama.cpp check is skipped until fixed.
        pytest.skip("known gap: llama.cpp tokenizes the converted SentencePiece vocabulary differently")
    path = converted(case, "f32")
    llm = llama_cpp.Llama(model_path=str(path), n_ctx=64, n_threads=2, verbose=False, logits_all=True)
    text = "The quick brown fox jumps over the lazy dog"
    ours_ids = json.loads(hfcpp("tokenize", "--tokenizer", folders[case], "--jsonl", text).stdout)["ids"]
    assert llm.tokenize(text.encode(), add_bos=True, special=False) == ours_ids
    ids = PROMPT_IDS[case]
    steps = 4
    expected = logits(folders[case], ids, steps)["generated"]
    llm.reset()
    llm.eval(ids)
    got = []
    for _ in range(steps):
        tok = int(np.argmax(llm.scores[llm.n_tokens - 1]))
        got.append(tok)
        llm.eval([tok])
    assert got == expected


def test_llama3_rope_scaling_survives_conversion(folders, converted, tmp_path):
    """rope_type llama3 becomes the rope_freqs tensor; hfcpp (and llama.cpp, where installed) apply it
    from the GGUF. A 200-token prompt reaches the positions where the scaled frequencies matter."""
    ids = [1] + [(i * 7919) % 31000 + 100 for i in range(199)]
    folder, gguf = folders["llama31-spm"], converted("llama31-spm", "f32")
    ref = np.array(logits(folder, ids, 2)["logits"], dtype=np.float64)
    ours = np.array(logits(gguf, ids, 2)["logits"], dtype=np.float64)
    nmse = lambda a, b: float(((a - b) ** 2).sum() / (b ** 2).sum())  # noqa: E731
    assert nmse(ours, ref) <= 1e-10
    # Without the scaling the logits move far beyond that bound, so the check above can fail.
    plain = tmp_path / "no_scaling"
    shutil.copytree(folder, plain)
    config = json.loads((plain / "config.json").read_text())
    del config["rope_scaling"]
    (plain / "config.json").write_text(json.dumps(config))
    assert nmse(np.array(logits(plain, ids, 2)["logits"], dtype=np.float64), ref) > 1e-6
    try:
        import llama_cpp
    except ImportError:
        pytest.skip("llama-cpp-python is not installed (reference set): llama.cpp part skipped")
    llm = llama_cpp.Llama(model_path=str(gguf), n_ctx=256, n_threads=2, verbose=False, logits_all=True)
    llm.eval(ids)
    theirs = np.array(llm.scores[: len(ids)], dtype=np.float64)
    assert nmse(theirs, ref[: len(ids)]) <= 1e-6


def test_refuses_unsupported_model_type(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "bert", "architectures": ["BertModel"]}))
    r = hfcpp("convert", tmp_path, "--outfile", tmp_path / "x.gguf", check=False)
    assert r.returncode == 1
    assert "model_type 'bert' cannot be converted" in r.stderr
    assert not (tmp_path / "x.gguf").exists()


def general_keys(path):
    return {f.name: f.contents() for f in gguf.GGUFReader(str(path)).fields.values() if f.name.startswith("general.")}


@pytest.mark.parametrize("card,expected", [
    ("---\nlicense: [mit\n---\n", "README.md:3:1: front matter is not valid YAML"),  # where it fails
    ("---\nversion: 1.0\n---\n", "'version' is 1.0, expected a string for general.version"),
    ("---\ntags: [a, 2]\n---\n", "'tags' mixes item types (2 after \"a\")"),
])
def test_bad_model_card_is_refused(card, expected, folders, tmp_path):
    """Card values the reference cannot write (it fails in gguf-py's packer) are a clear error."""
    folder = tmp_path / "bad-card"
    shutil.copytree(folders["llama-spm"], folder)
    (folder / "README.md").write_text(card, encoding="utf-8")
    r = hfcpp("convert", folder, "--outfile", tmp_path / "x.gguf", check=False)
    assert r.returncode == 1
    assert expected in r.stderr
    assert not (tmp_path / "x.gguf").exists()


def test_model_name_overrides_the_card(folders, tmp_path):
    """--model-name wins over the card's model_name (Metadata.load's model_name argument)."""
    out = tmp_path / "named.gguf"
    hfcpp("convert", folders["Tiny-Llama-v1.1-7B-Instruct"], "--outfile", out, "--outtype", "f16", "--model-name",
          "My Model")
    keys = general_keys(out)
    assert keys["general.name"] == "My Model"
    assert keys["general.basename"] == "Tiny-Llama-v1.1" and keys["general.license"] == "mit,apache-2.0"
