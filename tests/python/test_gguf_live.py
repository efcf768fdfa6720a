"""Live comparison of hfcpp's GGUF reader and writer with gguf-py (the `gguf` package in .venv).

- `hfcpp inspect X.gguf --json` agrees with gguf.GGUFReader on every metadata key (type and
  value, arrays in full), every tensor (name, type, row-major shape, absolute offset, bytes) and
  the data offset: for the committed goldens, for files gguf-py writes here with random content,
  and for the real SmolLM2-135M-Instruct Q4_1 file when it is in the HF cache.
- A file read by hfcpp and written back by GgufWriter (formats_tests' GgufInterop.RewriteForPython)
  is byte-identical to gguf-py's, and GGUFReader reads it back with the same content.
- Malformed files: exit 1 with one "hfcpp: error: [gguf] ..." line.

HFCPP_BIN gives the hfcpp binary (default build/release/bin/hfcpp).
"""
import json
import os
import struct
import subprocess
from pathlib import Path

import pytest

np = pytest.importorskip("numpy")
gguf = pytest.importorskip("gguf")
from gguf import GGMLQuantizationType as Q  # noqa: E402
from gguf import GGUFValueType as V  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
HFCPP = Path(os.environ.get("HFCPP_BIN", ROOT / "build/release/bin/hfcpp"))
DRIVER = HFCPP.parent / "formats_tests"
GOLDEN = ROOT / "tests/golden/formats"

if not HFCPP.exists():
    pytest.skip(f"hfcpp binary not built: {HFCPP}", allow_module_level=True)


def smollm2_path():
    hub = os.environ.get("HF_HUB_CACHE") or os.path.join(
        os.environ.get("HF_HOME") or os.path.join(os.path.expanduser("~/.cache"), "huggingface"), "hub")
    snaps = Path(hub) / "models--QuantFactory--SmolLM2-135M-Instruct-GGUF" / "snapshots"
    found = sorted(snaps.glob("*/SmolLM2-135M-Instruct.Q4_1.gguf")) if snaps.exists() else []
    return found[0] if found else None


def inspect_json(path):
    r = subprocess.run([HFCPP, "inspect", str(path), "--json"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


SCALARS = {V.UINT8: "<B", V.INT8: "<b", V.UINT16: "<H", V.INT16: "<h", V.UINT32: "<I", V.INT32: "<i",
           V.FLOAT32: "<f", V.UINT64: "<Q", V.INT64: "<q", V.FLOAT64: "<d", V.BOOL: "<?"}


def decode_value(buf, vtype, pos):
    """A value decoded from the raw bytes (gguf-py's contents() flattens nested arrays)."""
    if vtype == V.STRING:
        n = struct.unpack_from("<Q", buf, pos)[0]
        return buf[pos + 8:pos + 8 + n].decode("utf-8"), pos + 8 + n
    if vtype == V.ARRAY:
        etype, count = struct.unpack_from("<IQ", buf, pos)
        pos += 12
        items = []
        for _ in range(count):
            item, pos = decode_value(buf, V(etype), pos)
            items.append(item)
        return items, pos
    fmt = SCALARS[vtype]
    return struct.unpack_from(fmt, buf, pos)[0], pos + struct.calcsize(fmt)


def expected_value(reader, field):
    if field.types[0] == V.ARRAY and len(field.types) > 1 and field.types[1] == V.ARRAY:
        buf = bytes(reader.data[field.offset:field.offset + sum(int(p.nbytes) for p in field.parts)])
        pos = 8 + struct.unpack_from("<Q", buf, 0)[0] + 4
        return decode_value(buf, V.ARRAY, pos)[0]
    v = field.contents()
    return v


def type_label(field):
    if field.types[0] == V.ARRAY:
        return f"ARRAY[{field.types[1].name}]"
    return field.types[0].name


def same(got, want):
    if isinstance(want, list):
        return isinstance(got, list) and len(got) == len(want) and all(same(g, w) for g, w in zip(got, want))
    if isinstance(want, float):
        if np.isnan(want):
            return got == "nan"
        if np.isinf(want):
            return got == ("inf" if want > 0 else "-inf")
        return isinstance(got, (int, float)) and float(got) == want
    return got == want and type(got) is type(want) or (isinstance(want, bool) and got is want)


def compare_with_reader(path):
    got = inspect_json(path)
    r = gguf.GGUFReader(path)
    assert got["format"] == "gguf"
    assert got["version"] == int(r.fields["GGUF.version"].parts[0][0])
    assert got["alignment"] == r.alignment
    assert got["data_offset"] == r.data_offset
    fields = [f for f in r.fields.values() if not f.name.startswith("GGUF.")]
    assert list(got["metadata"]) == [f.name for f in fields]
    for f in fields:
        assert got["metadata_types"][f.name] == type_label(f), f.name
        want = expected_value(r, f)
        assert same(got["metadata"][f.name], want), (f.name, got["metadata"][f.name], want)
    assert len(got["tensors"]) == len(r.tensors)
    for g, t in zip(got["tensors"], r.tensors):
        assert g["name"] == t.name
        assert g["type"] == t.tensor_type.name
        assert g["shape"] == [int(x) for x in reversed(t.shape.tolist())]
        assert g["offset"] == t.data_offset
        assert g["bytes"] == int(t.n_bytes)
    assert got["parameters"] == sum(int(t.n_elements) for t in r.tensors)


@pytest.mark.parametrize("name", ["values", "align64", "empty"])
def test_inspect_goldens_match_gguf_py(name):
    compare_with_reader(GOLDEN / f"{name}.gguf")


def random_file(path, seed):
    rng = np.random.default_rng(seed)
    w = gguf.GGUFWriter(path, "llama")
    if seed % 2:
        w.add_custom_alignment(int(2 ** rng.integers(3, 8)))
    for i in range(int(rng.integers(1, 30))):
        kind = int(rng.integers(0, 8))
        key = f"k{i}.{kind}"
        if kind == 0:
            w.add_uint32(key, int(rng.integers(0, 2**32)))
        elif kind == 1:
            w.add_float32(key, float(rng.standard_normal()))
        elif kind == 2:
            w.add_string(key, "".join(chr(int(c)) for c in rng.integers(32, 0x3000, int(rng.integers(1, 20)))))
        elif kind == 3:
            w.add_array(key, [f"t{j}" for j in range(int(rng.integers(1, 300)))])
        elif kind == 4:
            w.add_key_value(key, [int(x) for x in rng.integers(-(2**31), 2**31, 50)], V.ARRAY, sub_type=V.INT32)
        elif kind == 5:
            w.add_bool(key, bool(rng.integers(0, 2)))
        elif kind == 6:
            w.add_int64(key, int(rng.integers(-(2**62), 2**62)))
        else:
            w.add_float64(key, float(rng.standard_normal()))
    for i in range(int(rng.integers(0, 8))):
        shape = tuple(int(d) for d in rng.integers(1, 6, int(rng.integers(1, 4))))
        kind = int(rng.integers(0, 4))
        if kind == 0:
            w.add_tensor(f"t{i}", rng.standard_normal(shape).astype(np.float32))
        elif kind == 1:
            w.add_tensor(f"t{i}", rng.standard_normal(shape).astype(np.float16))
        elif kind == 2:
            w.add_tensor(f"t{i}", rng.integers(-100, 100, shape, dtype=np.int16))
        else:
            rows = int(rng.integers(1, 4))
            x = rng.standard_normal((rows, 32 * int(rng.integers(1, 3)))).astype(np.float32)
            w.add_tensor(f"t{i}", gguf.quants.quantize(x, Q.Q8_0), raw_dtype=Q.Q8_0)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


@pytest.mark.parametrize("seed", range(6))
def test_random_files_inspect_and_rewrite(tmp_path, seed):
    src = tmp_path / "in.gguf"
    random_file(src, seed)
    compare_with_reader(src)
    if not DRIVER.exists():
        pytest.skip(f"formats_tests not built next to hfcpp: {DRIVER}")
    dst = tmp_path / "out.gguf"
    env = dict(os.environ, HFCPP_GGUF_IN=str(src), HFCPP_GGUF_OUT=str(dst))
    r = subprocess.run([DRIVER, "--gtest_filter=GgufInterop.RewriteForPython"], env=env, capture_output=True,
                       text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    assert dst.read_bytes() == src.read_bytes()
    a, b = gguf.GGUFReader(src), gguf.GGUFReader(dst)
    assert [f.name for f in a.fields.values()] == [f.name for f in b.fields.values()]
    for t, u in zip(a.tensors, b.tensors):
        assert t.name == u.name and np.array_equal(t.data, u.data)


def test_real_smollm2_matches_gguf_py():
    path = smollm2_path()
    if path is None:
        pytest.skip("SmolLM2-135M-Instruct Q4_1 GGUF not in the HF cache (scripts/install_models.py installs it)")
    compare_with_reader(path)
    text = subprocess.run([HFCPP, "inspect", str(path)], capture_output=True, text=True, check=True).stdout
    assert "[49152 strings]" in text and "tensors:    272 (61 F32, 210 Q4_1, 1 Q8_0)" in text


@pytest.mark.parametrize("damage,fragment", [
    (lambda b: b"GGML" + b[4:], "bad magic"),
    (lambda b: b[:4] + struct.pack("<I", 1) + b[8:], "GGUF v1"),
    (lambda b: b[:4] + struct.pack(">I", 3) + b[8:], "big-endian"),
    (lambda b: b[:1500], "file truncated: a tensor dimension"),
    (lambda b: b[:-1], "run past the end of the file"),
    (lambda b: b[:8] + struct.pack("<Q", 2**62) + b[16:], "tensor count"),
])
def test_malformed_files_exit_1(tmp_path, damage, fragment):
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(damage((GOLDEN / "values.gguf").read_bytes()))
    r = subprocess.run([HFCPP, "inspect", str(bad)], capture_output=True, text=True)
    assert r.returncode == 1, r.stderr
    assert r.stdout == ""
    assert r.stderr.startswith("hfcpp: error: [gguf]") and fragment in r.stderr, r.stderr
