"""`hfcpp quantize` against llama.cpp (llama-cpp-python's llama_model_quantize) on SmolLM2-135M.

- The F16 file hfcpp writes from the Q4_1 GGUF (`quantize ... F16 --allow-requantize`) equals
  llama.cpp's F16 conversion tensor by tensor (bytes), with the same metadata keys in the same order.
- For Q4_K_M, Q3_K_M, Q5_K_M, Q2_K and Q4_K_S (and the rest of the mixes), `hfcpp quantize --dry-run
  --json` picks the same type for every tensor as llama.cpp does on the same F16 file.
- Q8_0 and Q4_0: hfcpp's quantized tensors are byte-identical to llama.cpp's, in the same order.
Skips visibly without llama-cpp-python (CI's light .venv) or without the Q4_1 file in the HF cache;
the committed golden (formats_tests GgufQuantizeMix.*) covers the type choice there.
"""
import ctypes
import json
import os
import subprocess
from pathlib import Path

import pytest

gguf = pytest.importorskip("gguf")
llama_cpp = pytest.importorskip("llama_cpp", reason="llama-cpp-python is not installed (reference set only)")
from gguf import GGUFReader  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
HFCPP = Path(os.environ.get("HFCPP_BIN", ROOT / "build/release/bin/hfcpp"))
if not HFCPP.exists():
    pytest.skip(f"hfcpp binary not built: {HFCPP}", allow_module_level=True)

FTYPES = {"Q2_K": 10, "Q3_K_M": 12, "Q4_K_S": 14, "Q4_K_M": 15, "Q5_K_M": 17, "Q4_0": 2, "Q8_0": 7, "Q6_K": 18}


def smollm2_q4_1():
    hub = os.environ.get("HF_HUB_CACHE") or os.path.join(
        os.environ.get("HF_HOME") or os.path.expanduser("~/.cache/huggingface"), "hub")
    found = sorted(Path(hub).glob("models--QuantFactory--SmolLM2-135M-Instruct-GGUF/snapshots/*/"
                                  "SmolLM2-135M-Instruct.Q4_1.gguf"))
    return found[0] if found else None


SRC = smollm2_q4_1()
if SRC is None:
    pytest.skip("SmolLM2-135M-Instruct.Q4_1.gguf is not in the HF cache", allow_module_level=True)


def llama_quantize(src, dst, ftype, allow_requantize=False):
    p = llama_cpp.llama_model_quantize_default_params()
    p.ftype = ftype
    p.nthread = 2
    p.allow_requantize = allow_requantize
    assert llama_cpp.llama_model_quantize(str(src).encode(), str(dst).encode(), ctypes.byref(p)) == 0


def hfcpp(*args):
    r = subprocess.run([str(HFCPP), *map(str, args)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return r.stdout


@pytest.fixture(scope="module")
def f16_pair(tmp_path_factory):
    d = tmp_path_factory.mktemp("quant")
    ours, theirs = d / "hfcpp_f16.gguf", d / "llama_f16.gguf"
    hfcpp("quantize", SRC, ours, "F16", "--allow-requantize", "--json")
    llama_quantize(SRC, theirs, 1, allow_requantize=True)
    return d, ours, theirs


def keys(reader):
    return [k for k in reader.fields if not k.startswith("GGUF.")]


def test_f16_conversion_matches_llama_cpp(f16_pair):
    _, ours, theirs = f16_pair
    a, b = GGUFReader(ours), GGUFReader(theirs)
    assert keys(a) == keys(b)
    assert int(a.fields["general.file_type"].contents()) == 1
    assert [t.name for t in a.tensors] == [t.name for t in b.tensors]
    for x, y in zip(a.tensors, b.tensors):
        assert x.tensor_type == y.tensor_type, x.name
        assert bytes(x.data.tobytes()) == bytes(y.data.tobytes()), x.name


@pytest.mark.parametrize("mix", ["Q4_K_M", "Q3_K_M", "Q5_K_M", "Q2_K", "Q4_K_S", "Q6_K", "Q4_0", "Q8_0"])
def test_type_choice_matches_llama_cpp(f16_pair, mix):
    d, _, f16 = f16_pair
    out = d / f"llama_{mix}.gguf"
    llama_quantize(f16, out, FTYPES[mix])
    want = {t.name: t.tensor_type.name for t in GGUFReader(out).tensors}
    plan = json.loads(hfcpp("quantize", f16, d / "unused.gguf", mix, "--dry-run", "--json"))
    got = {t["name"]: t["type"] for t in plan["tensors"]}
    assert got == want
    assert [t["name"] for t in plan["tensors"]] == list(want)
    assert plan["file_type"] == FTYPES[mix]
    if mix not in ("Q8_0", "Q4_0"):
        out.unlink()


@pytest.mark.parametrize("mix", ["Q8_0", "Q4_0"])
def test_legacy_data_identical_to_llama_cpp(f16_pair, mix):
    d, _, f16 = f16_pair
    theirs = d / f"llama_{mix}.gguf"
    if not theirs.exists():
        llama_quantize(f16, theirs, FTYPES[mix])
    ours = d / f"hfcpp_{mix}.gguf"
    hfcpp("quantize", f16, ours, mix, "--json")
    a, b = GGUFReader(ours), GGUFReader(theirs)
    assert keys(a) == keys(b)
    assert int(a.fields["general.file_type"].contents()) == FTYPES[mix]
    for x, y in zip(a.tensors, b.tensors, strict=True):
        assert (x.name, x.tensor_type) == (y.name, y.tensor_type)
        assert bytes(x.data.tobytes()) == bytes(y.data.tobytes()), x.name
    # the same layout: identical files up to the header
    assert ours.stat().st_size == theirs.stat().st_size


def test_bad_type_is_a_usage_error(f16_pair):
    d, ours, _ = f16_pair
    r = subprocess.run([str(HFCPP), "quantize", str(ours), str(d / "x.gguf"), "Q9_9"], capture_output=True, text=True)
    assert r.returncode == 2 and "unknown type 'Q9_9'" in r.stderr
    r = subprocess.run([str(HFCPP), "quantize", str(SRC), str(d / "x.gguf"), "Q8_0"], capture_output=True, text=True)
    assert r.returncode == 1 and "--allow-requantize" in r.stderr
