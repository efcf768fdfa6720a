"""`hfcpp convert` on folders with a SentencePiece tokenizer.model (tests/golden/convert_spm, made by
scripts/golden/make_spm_fixtures.py; weights drawn here with numpy).

(a) tokenizer.ggml.* (model, pre, tokens, scores, token_type, special ids, add_* flags, chat template)
    equal what convert_hf_to_gguf.py writes, computed here with the `sentencepiece` package the way
    its _create_vocab_sentencepiece / Phi3MiniModel.set_vocab and gguf-py's SpecialVocab do;
(b) live against convert_hf_to_gguf.py itself when HFCPP_CONVERT_REFERENCE names its llama.cpp
    folder and torch is importable (the whole metadata and every tensor);
(c) with llama-cpp-python (reference set), llama.cpp loads the GGUF and tokenizes like
    SentencePieceProcessor (BPE models: llama.cpp has no Unigram/Viterbi SentencePiece).
Skips visibly without the binary, gguf or sentencepiece.
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
spm = pytest.importorskip("sentencepiece", reason="sentencepiece (requirements/light.txt) is needed for the reference")
from safetensors.numpy import save_file  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import convert_models  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
HFCPP = Path(os.environ.get("HFCPP_BIN", ROOT / "build/release/bin/hfcpp"))
FIXTURES = ROOT / "tests" / "golden" / "convert_spm"
if not HFCPP.exists():
    pytest.skip(f"hfcpp binary not built: {HFCPP}", allow_module_level=True)

CASES = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())
# SentencePieceTokenTypes
NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE = 1, 2, 3, 4, 5, 6
SPECIAL_TYPES = ("bos", "eos", "unk", "sep", "pad", "cls", "mask")
ID_KEYS = {"bos": "bos_token_id", "eos": "eos_token_id", "unk": "unknown_token_id", "sep": "seperator_token_id",
           "pad": "padding_token_id", "cls": "cls_token_id", "mask": "mask_token_id"}


def hfcpp(*args, check=True):
    r = subprocess.run([str(HFCPP), *map(str, args)], capture_output=True, text=True)
    if check:
        assert r.returncode == 0, r.stderr
    return r


def does_token_look_special(t):
    return (t in ("<pad>", "<mask>", "<2mass>", "[@BOS@]") or (t.startswith("<|") and t.endswith("|>"))
            or (t.startswith("<\uff5c") and t.endswith("\uff5c>")) or (t.startswith("<unused") and t.endswith(">")))


def load_json(path):
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def reference_vocab(folder):
    """TextModel._create_vocab_sentencepiece, or Phi3MiniModel.set_vocab for phi3."""
    config = load_json(folder / "config.json")
    phi3 = config["model_type"] == "phi3"
    sp = spm.SentencePieceProcessor()
    sp.LoadFromFile(str(folder / "tokenizer.model"))
    vocab_size = config.get("vocab_size", sp.vocab_size()) if phi3 else (
        config.get("vocab_size_per_layer_input") or config.get("vocab_size") or sp.vocab_size())
    tokens = [f"[PAD{i}]" for i in range(vocab_size)]
    scores = [-10000.0] * vocab_size
    types = [UNUSED] * vocab_size
    for i in range(sp.vocab_size()):
        if i >= vocab_size:
            break
        t = NORMAL
        if sp.IsUnknown(i):
            t = UNKNOWN
        elif sp.IsControl(i):
            t = CONTROL
        elif sp.IsUnused(i):
            t = UNUSED
        elif sp.IsByte(i):
            t = BYTE
        tokens[i], scores[i], types[i] = sp.IdToPiece(i), sp.GetScore(i), t
    for token, i in (load_json(folder / "added_tokens.json") or {}).items():
        if i < vocab_size:
            tokens[i], scores[i], types[i] = token, -1000.0, USER_DEFINED
    tc = load_json(folder / "tokenizer_config.json") or {}
    for key, data in tc.get("added_tokens_decoder", {}).items():
        i, token = int(key), data["content"]
        if phi3:
            tokens[i], scores[i], types[i] = token, -1000.0, CONTROL if data.get("special") else USER_DEFINED
            continue
        if i >= vocab_size:
            continue
        if data.get("special") or does_token_look_special(token):
            types[i] = CONTROL
        else:
            token = token.replace("\u2581", " ")
            types[i] = USER_DEFINED
        tokens[i], scores[i] = token, -1000.0
    return tokens, scores, types


def reference_special(folder, n_vocab):
    """gguf-py's SpecialVocab for a folder without tokenizer.json: ids from config.json, add_* flags and
    the chat template from tokenizer_config.json."""
    ids, flags = {}, {}
    tc = load_json(folder / "tokenizer_config.json") or {}
    for typ in SPECIAL_TYPES:
        if isinstance(tc.get(f"add_{typ}_token"), bool):
            flags[typ] = tc[f"add_{typ}_token"]
    config = load_json(folder / "config.json")
    for typ in SPECIAL_TYPES:
        tid = config.get(f"{typ}_token_id")
        if isinstance(tid, int) and 0 <= tid < n_vocab:
            ids[typ] = tid
    return ids, flags, tc.get("chat_template")


def fixture_folder(case, tmp_path):
    """The committed fixture plus random weights for its architecture."""
    folder = tmp_path / case
    shutil.copytree(FIXTURES / case, folder)
    config = load_json(folder / "config.json")
    rng = np.random.default_rng(sum(map(ord, case)))
    if config["model_type"] == "llama":
        tensors = convert_models.weights_for(case, config, rng)
    else:
        tensors = {"model.embed_tokens.weight": rng.standard_normal((config["vocab_size"], 32)).astype(np.float32)}
    save_file(tensors, str(folder / "model.safetensors"), metadata={"format": "pt"})
    return folder


def convert(folder, out, outtype="f16"):
    r = hfcpp("convert", folder, "--outfile", out, "--outtype", outtype, check=False)
    if r.returncode != 0 and "cannot be converted to GGUF yet" in r.stderr:
        pytest.skip(f"hfcpp convert has no tensor mapping for this architecture yet: {r.stderr.strip()[:160]}")
    assert r.returncode == 0, r.stderr
    return out


def fields(path):
    r = gguf.GGUFReader(str(path))
    return {f.name: f.contents() for f in r.fields.values()}


@pytest.mark.parametrize("case", CASES)
def test_vocab_matches_reference(case, tmp_path):
    folder = fixture_folder(case, tmp_path)
    f = fields(convert(folder, tmp_path / "out.gguf"))
    tokens, scores, types = reference_vocab(folder)
    assert f["tokenizer.ggml.model"] == "llama"
    assert f["tokenizer.ggml.pre"] == "default"
    assert f["tokenizer.ggml.tokens"] == tokens
    assert np.array_equal(np.array(f["tokenizer.ggml.scores"], dtype=np.float32), np.array(scores, dtype=np.float32))
    assert list(f["tokenizer.ggml.token_type"]) == types
    ids, flags, template = reference_special(folder, len(tokens))
    for typ, key in ID_KEYS.items():
        assert f.get(f"tokenizer.ggml.{key}") == ids.get(typ), key
    for typ in ("bos", "eos", "sep"):
        assert f.get(f"tokenizer.ggml.add_{typ}_token") == flags.get(typ), typ
    assert f.get("tokenizer.chat_template") == template
    model_type = load_json(folder / "config.json")["model_type"]
    if model_type.startswith("gemma"):
        assert f["tokenizer.ggml.add_space_prefix"] is False
    if model_type == "gemma":
        assert f["tokenizer.ggml.eot_token_id"] == 107


def test_sampling_keys_from_generation_config(tmp_path):
    """gguf-py's Metadata.load: general.sampling.* from generation_config.json, between general.type
    and general.name; a null value is left out, repetition_penalty is penalty_repeat."""
    folder = fixture_folder("llama-spm-bpe", tmp_path)
    r = gguf.GGUFReader(str(convert(folder, tmp_path / "out.gguf")))
    keys = [k for k in r.fields if not k.startswith("GGUF.")]
    sampling = [k for k in keys if k.startswith("general.sampling.")]
    assert sampling == ["general.sampling.top_k", "general.sampling.top_p", "general.sampling.temp",
                        "general.sampling.penalty_repeat"]
    assert keys[keys.index("general.type") + 1: keys.index("general.name")] == sampling
    f = {k: r.fields[k] for k in sampling}
    assert f["general.sampling.top_k"].types == [gguf.GGUFValueType.INT32]
    assert f["general.sampling.top_k"].contents() == 40
    for key, value in (("top_p", 0.9), ("temp", 0.6), ("penalty_repeat", 1.1)):
        assert f[f"general.sampling.{key}"].types == [gguf.GGUFValueType.FLOAT32]
        assert np.float32(f[f"general.sampling.{key}"].contents()) == np.float32(value)
    # Not valid JSON: ignored, as the reference ignores it.
    (folder / "generation_config.json").write_text("{not json")
    f = fields(convert(folder, tmp_path / "out2.gguf"))
    assert not any(k.startswith("general.sampling.") for k in f)
    # A value of the wrong type is refused with the key named.
    (folder / "generation_config.json").write_text(json.dumps({"top_k": 0.5}))
    r = hfcpp("convert", folder, "--outfile", tmp_path / "out3.gguf", check=False)
    assert r.returncode == 1 and "generation_config.json 'top_k' is 0.5" in r.stderr


def test_fixtures_cover_the_reader():
    """The committed models hold what the test means to cover: both model types, byte pieces or not,
    user-defined and control pieces, padding past the model and added tokens replacing pieces."""
    from sentencepiece import sentencepiece_model_pb2 as pb
    seen = set()
    for case in CASES:
        m = pb.ModelProto()
        m.ParseFromString((FIXTURES / case / "tokenizer.model").read_bytes())
        seen.add(("model_type", m.trainer_spec.model_type))
        seen.update(("piece_type", p.type) for p in m.pieces)
        config = load_json(FIXTURES / case / "config.json")
        if config["vocab_size"] > len(m.pieces):
            seen.add("padded")
    assert {("model_type", 1), ("model_type", 2), "padded"} <= seen
    assert {("piece_type", t) for t in (NORMAL, UNKNOWN, CONTROL, USER_DEFINED, BYTE)} <= seen


def test_bad_tokenizer_model_is_refused(tmp_path):
    folder = fixture_folder("llama-spm-bpe", tmp_path)
    data = (folder / "tokenizer.model").read_bytes()
    (folder / "tokenizer.model").write_bytes(data[: len(data) // 2])
    r = hfcpp("convert", folder, "--outfile", tmp_path / "x.gguf", check=False)
    assert r.returncode == 1
    assert "[sentencepiece]" in r.stderr and "tokenizer.model" in r.stderr and "byte" in r.stderr
    assert not (tmp_path / "x.gguf").exists()


def test_matches_reference_live(tmp_path):
    ref = os.environ.get("HFCPP_CONVERT_REFERENCE")
    if not ref or not (Path(ref) / "convert_hf_to_gguf.py").is_file():
        pytest.skip("HFCPP_CONVERT_REFERENCE (llama.cpp folder with convert_hf_to_gguf.py) is not set")
    pytest.importorskip("torch", reason="torch is needed to run the reference converter")
    pytest.importorskip("transformers", reason="transformers is needed to run the reference converter")
    for case in ("llama-spm-bpe", "llama-spm-unigram"):
        folder = fixture_folder(case, tmp_path)
        out = tmp_path / f"{case}.ref.gguf"
        subprocess.run([sys.executable, str(Path(ref) / "convert_hf_to_gguf.py"), str(folder), "--outfile", str(out),
                        "--outtype", "q8_0"], check=True, capture_output=True, cwd=ref)
        ours = convert_models.describe_gguf(convert(folder, tmp_path / f"{case}.gguf", "q8_0"))
        theirs = convert_models.describe_gguf(out)
        assert [m[0] for m in ours["metadata"]] == [m[0] for m in theirs["metadata"]]
        for o, t in zip(ours["metadata"], theirs["metadata"]):
            assert o == t, o[0]
        assert ours["tensors"] == theirs["tensors"]


TEXTS = ["The quick brown fox jumps over the lazy dog.", "  leading spaces and\ttabs", "numbers 12345 and caf\u00e9",
         "unicode \u00fc\u00df \u4e2d\u6587 \U0001f680"]


# llama.cpp's "llama" vocabulary merges pieces by score, which reproduces SentencePiece's BPE models
# only; Unigram ones (Viterbi) tokenize differently there whatever the conversion writes.
@pytest.mark.parametrize("case", ["llama-spm-bpe", "gemma-spm", "phi3-spm"])
def test_llama_cpp_tokenizes_like_sentencepiece(case, tmp_path):
    llama_cpp = pytest.importorskip("llama_cpp", reason="llama-cpp-python is not installed (reference set only)")
    folder = fixture_folder(case, tmp_path)
    path = convert(folder, tmp_path / "out.gguf", "f32")
    sp = spm.SentencePieceProcessor(model_file=str(folder / "tokenizer.model"))
    if case.startswith("gemma"):
        # GemmaModel writes add_space_prefix false whatever the model says (Gemma's own models have no
        # dummy prefix; this fixture has one), so llama.cpp matches SentencePiece without it.
        from sentencepiece import sentencepiece_model_pb2 as pb
        proto = pb.ModelProto()
        proto.ParseFromString((folder / "tokenizer.model").read_bytes())
        proto.normalizer_spec.add_dummy_prefix = False
        sp = spm.SentencePieceProcessor(model_proto=proto.SerializeToString())
    llm = llama_cpp.Llama(model_path=str(path), n_ctx=64, n_threads=2, verbose=False, vocab_only=True)
    for text in TEXTS:
        assert llm.tokenize(text.encode(), add_bos=False, special=False) == sp.encode(text), text
