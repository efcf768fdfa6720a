"""Live interop between hfcpp's safetensors code and the Python safetensors library (.venv).

- Files written by Python load in hfcpp and, written back by hfcpp, are byte-identical, for
  every dtype both know (F64..BOOL, U16/U32/U64, BF16, F8_E4M3, F8_E5M2).
- Sharded sets written by hfcpp load in Python and match huggingface_hub's split.
- The CLI contract of `hfcpp inspect`: --json on Python-written files, folders, indexes and
  cached repo ids; exit 1 with a one-line message for every malformed file; exit 2 for usage.

HFCPP_BIN gives the hfcpp binary (default build/release/bin/hfcpp); the rewrite driver is the
formats_tests binary next to it (test SafetensorsInterop.RewriteForPython).
"""
import json
import os
import struct
import subprocess
from pathlib import Path

import pytest

np = pytest.importorskip("numpy")
ml_dtypes = pytest.importorskip("ml_dtypes")
pytest.importorskip("safetensors")
from safetensors import deserialize, safe_open  # noqa: E402
from safetensors.numpy import save, save_file  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
HFCPP = Path(os.environ.get("HFCPP_BIN", ROOT / "build/release/bin/hfcpp"))
DRIVER = HFCPP.parent / "formats_tests"

if not HFCPP.exists():
    pytest.skip(f"hfcpp binary not built: {HFCPP}", allow_module_level=True)

# Every dtype both libraries know, with its numpy (ml_dtypes) type.
DTYPES = {
    "F64": np.float64, "F32": np.float32, "F16": np.float16, "BF16": ml_dtypes.bfloat16,
    "I64": np.int64, "I32": np.int32, "I16": np.int16, "I8": np.int8,
    "U64": np.uint64, "U32": np.uint32, "U16": np.uint16, "U8": np.uint8, "BOOL": np.bool_,
    "F8_E4M3": ml_dtypes.float8_e4m3fn, "F8_E5M2": ml_dtypes.float8_e5m2,
}


def random_array(code, shape, rng):
    dtype = np.dtype(DTYPES[code])
    n = int(np.prod(shape, dtype=np.int64))
    if code == "BOOL":
        return rng.integers(0, 2, size=shape).astype(np.bool_)
    raw = rng.integers(0, 256, size=n * dtype.itemsize, dtype=np.uint8)
    return raw.view(dtype).reshape(shape)  # random bit patterns, NaNs included: bytes compared


def run(args, env=None, timeout=60):
    full_env = dict(os.environ, **(env or {}))
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, env=full_env,
                          timeout=timeout)


def rewrite_with_hfcpp(src, dst, shard_dir=None, max_shard=None):
    if not DRIVER.exists():
        pytest.skip(f"formats_tests not built next to hfcpp: {DRIVER}")
    env = {"HFCPP_INTEROP_IN": str(src), "HFCPP_INTEROP_OUT": str(dst)}
    if shard_dir is not None:
        env.update(HFCPP_INTEROP_SHARD_DIR=str(shard_dir), HFCPP_INTEROP_MAX_SHARD=str(max_shard))
    r = run([DRIVER, "--gtest_filter=SafetensorsInterop.RewriteForPython"], env)
    assert r.returncode == 0, r.stdout + r.stderr


def tensor_bytes(data):
    return {name: (info["dtype"], list(info["shape"]), bytes(info["data"])) for name, info in deserialize(data)}


@pytest.mark.parametrize("code", sorted(DTYPES))
def test_python_file_round_trips_through_hfcpp_byte_identical(tmp_path, code):
    rng = np.random.default_rng(len(code) * 7919 + ord(code[-1]))
    tensors = {"weight": random_array(code, (3, 5), rng), "bias": random_array(code, (7,), rng),
               "scalar": random_array(code, (), rng), "empty": random_array(code, (0, 4), rng)}
    src = tmp_path / "py.safetensors"
    save_file(tensors, str(src), metadata={"format": "pt"})
    dst = tmp_path / "hfcpp.safetensors"
    rewrite_with_hfcpp(src, dst)
    assert dst.read_bytes() == src.read_bytes()
    # And per tensor through the reference reader: same dtype, shape and bytes.
    got = tensor_bytes(dst.read_bytes())
    for name, array in tensors.items():
        assert got[name] == (code, list(array.shape), array.tobytes()), name


def test_mixed_dtypes_and_names_byte_identical(tmp_path):
    rng = np.random.default_rng(1)
    tensors = {f"layers.{i}.{code.lower()}": random_array(code, (i + 1, 3), rng)
               for i, code in enumerate(sorted(DTYPES))}
    tensors["é/ünïcode name"] = random_array("F32", (2,), rng)
    tensors["tab\tquote\"back\\slash"] = random_array("U8", (1,), rng)
    src = tmp_path / "mixed.safetensors"
    save_file(tensors, str(src))  # no metadata: the header has no __metadata__ key
    dst = tmp_path / "mixed_hfcpp.safetensors"
    rewrite_with_hfcpp(src, dst)
    assert dst.read_bytes() == src.read_bytes()
    with safe_open(str(dst), framework="np") as f:
        assert sorted(f.keys()) == sorted(tensors)
        assert f.metadata() is None


def test_sharded_set_matches_huggingface_hub_and_loads_in_python(tmp_path):
    base = pytest.importorskip("huggingface_hub.serialization._base")
    rng = np.random.default_rng(2)
    tensors = {f"model.layers.{i}.w": random_array("F32", (16, 16), rng) for i in range(6)}
    tensors["model.embed"] = random_array("BF16", (600,), rng)  # 1200 B > max: its own shard
    tensors["model.norm"] = random_array("F16", (10,), rng)
    src = tmp_path / "all.safetensors"
    save_file(tensors, str(src), metadata={"format": "pt"})
    shard_dir = tmp_path / "sharded"
    rewrite_with_hfcpp(src, tmp_path / "unused.safetensors", shard_dir, 2500)

    # hfcpp shards in name order; huggingface_hub's split over the same order must agree.
    ordered = {k: tensors[k] for k in sorted(tensors)}
    split = base.split_state_dict_into_shards_factory(
        ordered, get_storage_size=lambda a: a.nbytes, filename_pattern="model{suffix}.safetensors",
        max_shard_size=2500)
    index_text = (shard_dir / "model.safetensors.index.json").read_text()
    index = json.loads(index_text)
    assert index["weight_map"] == split.tensor_to_filename
    assert index["metadata"] == split.metadata
    assert index_text == json.dumps(index, indent=2, sort_keys=True) + "\n"  # transformers' layout
    assert sorted(p.name for p in shard_dir.glob("*.safetensors")) == sorted(split.filename_to_tensors)
    for name, array in tensors.items():
        with safe_open(str(shard_dir / index["weight_map"][name]), framework="np") as f:
            assert f.metadata() == {"format": "pt"}
            got = tensor_bytes((shard_dir / index["weight_map"][name]).read_bytes())[name]
            assert got[2] == array.tobytes()

    # inspect on the folder and on the index agree with the single file.
    single = json.loads(run([HFCPP, "inspect", "--json", src]).stdout)
    for target in (shard_dir, shard_dir / "model.safetensors.index.json"):
        r = run([HFCPP, "inspect", "--json", target])
        assert r.returncode == 0, r.stderr
        assert json.loads(r.stdout) == single


def expected_inspect(path):
    data = Path(path).read_bytes()
    tensors = sorted((name, info["dtype"], list(info["shape"])) for name, info in deserialize(data))
    with safe_open(str(path), framework="np") as f:
        metadata = f.metadata() or {}
    n = struct.unpack("<Q", data[:8])[0]
    return {
        "format": "safetensors",
        "tensors": [{"name": a, "dtype": b, "shape": c} for a, b, c in tensors],
        "parameters": int(sum(np.prod(c, dtype=np.int64) for _, _, c in tensors)),
        "bytes": len(data) - 8 - n,
        "metadata": metadata,
    }


def test_inspect_json_on_python_file(tmp_path):
    rng = np.random.default_rng(3)
    tensors = {"b": random_array("BF16", (4, 8), rng), "a": random_array("I64", (3,), rng),
               "z": random_array("BOOL", (), rng)}
    path = tmp_path / "x.safetensors"
    save_file(tensors, str(path), metadata={"format": "pt"})
    r = run([HFCPP, "inspect", "--json", path])
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == expected_inspect(path)
    human = run([HFCPP, "inspect", path])
    assert human.returncode == 0
    assert "BF16" in human.stdout and "[4, 8]" in human.stdout and "parameters" in human.stdout


def test_inspect_lists_dtypes_hfcpp_cannot_compute(tmp_path):
    arrays = {"c": np.zeros((2,), np.complex64), "e": np.zeros((3,), ml_dtypes.float8_e8m0fnu)}
    path = tmp_path / "exotic.safetensors"
    save_file(arrays, str(path))
    r = run([HFCPP, "inspect", "--json", path])
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)
    assert got == expected_inspect(path)
    assert {t["dtype"] for t in got["tensors"]} == {"C64", "F8_E8M0"}


def test_inspect_cached_repo_id(tmp_path):
    path = tmp_path / "w.safetensors"
    save_file({"w": np.ones((2, 2), np.float32)}, str(path))
    commit = "0123456789abcdef0123456789abcdef01234567"
    repo = tmp_path / "cache" / "models--org--tiny"
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(commit)
    snap = repo / "snapshots" / commit
    snap.mkdir(parents=True)
    (snap / "model.safetensors").write_bytes(path.read_bytes())
    env = {"HF_HUB_CACHE": str(tmp_path / "cache")}
    for arg in ("org/tiny", f"org/tiny@{commit}", "org/tiny@main"):
        r = run([HFCPP, "inspect", "--json", arg], env)
        assert r.returncode == 0, r.stderr
        assert json.loads(r.stdout)["parameters"] == 4
    r = run([HFCPP, "inspect", "org/tiny@v2"], env)
    assert r.returncode == 1
    assert "refs/v2" in r.stderr and r.stderr.count("\n") == 1
    r = run([HFCPP, "inspect", "org/absent"], env)
    assert r.returncode == 1 and "models--org--absent" in r.stderr


def test_inspect_default_model_matches_python():
    cache = os.environ.get("HF_HUB_CACHE") or os.path.join(
        os.environ.get("HF_HOME") or os.path.join(os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "huggingface"), "hub")
    repo = Path(cache) / "models--sentence-transformers--all-MiniLM-L6-v2"
    if not (repo / "refs" / "main").exists():
        pytest.skip("sentence-transformers/all-MiniLM-L6-v2 is not in the HF cache (scripts/setup installs it)")
    commit = (repo / "refs" / "main").read_text().strip()
    r = run([HFCPP, "inspect", "--json", "sentence-transformers/all-MiniLM-L6-v2"])
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == expected_inspect(repo / "snapshots" / commit / "model.safetensors")


def header(text, data=b""):
    raw = text.encode() if isinstance(text, str) else text
    return struct.pack("<Q", len(raw)) + raw + data


T = '"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]}'
# name -> (file bytes, substring of hfcpp's message). The reference must refuse each too.
MALFORMED = {
    "empty": (b"", "too small"),
    "truncated_length": (b"\x05\x00\x00", "too small"),
    "huge_header_length": (struct.pack("<Q", 2**63) + b"{}", "exceeds the 100000000-byte limit"),
    "header_past_end": (struct.pack("<Q", 4096) + b"{}", "runs past the end"),
    "truncated_data": (header("{" + T + "}", b"a"), "exceed the 1-byte data section"),
    "trailing_bytes": (header("{" + T + "}", b"abc"), "after the last tensor"),
    "invalid_json": (header('{"a":{'), "not valid JSON"),
    "invalid_utf8": (header(b'{"\xff":{}}'), "not valid UTF-8"),
    "not_an_object": (header("[1,2]"), "expected a JSON object"),
    "unknown_dtype": (header('{"a":{"dtype":"Q8","shape":[1],"data_offsets":[0,1]}}', b"a"), "unknown dtype 'Q8'"),
    "negative_shape": (header('{"a":{"dtype":"U8","shape":[-2],"data_offsets":[0,2]}}', b"ab"), "negative"),
    "float_shape": (header('{"a":{"dtype":"U8","shape":[2.0],"data_offsets":[0,2]}}', b"ab"), "non-negative integer"),
    "overflowing_shape": (header('{"a":{"dtype":"F32","shape":[8589934592,8589934592],"data_offsets":[0,4]}}', b"abcd"), "overflows"),
    "offsets_out_of_bounds": (header('{"a":{"dtype":"U8","shape":[8],"data_offsets":[0,8]}}', b"ab"), "exceed"),
    "overlapping": (header('{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"b":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}', b"ab"), "overlap"),
    "hole": (header('{"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}', b"ab"), "hole"),
    "size_not_matching_shape": (header('{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}', b"x" * 8), "needs 12 bytes"),
    "missing_field": (header('{"a":{"dtype":"U8","shape":[1]}}', b"a"), "missing field 'data_offsets'"),
    "metadata_not_string": (header('{"__metadata__":{"k":[1]}}'), "expected a string value"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_file_exit_1_one_line(tmp_path, case):
    data, message = MALFORMED[case]
    with pytest.raises(Exception):
        deserialize(data)  # the reference refuses it too
    path = tmp_path / f"{case}.safetensors"
    path.write_bytes(data)
    r = run([HFCPP, "inspect", path], timeout=20)
    assert r.returncode == 1, (r.returncode, r.stderr)
    assert r.stdout == ""
    assert r.stderr.startswith("hfcpp: error: [safetensors] ") and r.stderr.count("\n") == 1, r.stderr
    assert message in r.stderr, r.stderr
    assert str(path) in r.stderr


def test_duplicate_tensor_name_refused_although_reference_keeps_last(tmp_path):
    path = tmp_path / "dup.safetensors"
    path.write_bytes(header("{" + T + "," + T + "}", b"ab"))
    r = run([HFCPP, "inspect", path])
    assert r.returncode == 1 and "twice" in r.stderr


ACCEPTED = {
    "whitespace_and_unknown_field": header(' {"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1],"x":{"y":[1]}}}\n', b"a"),
    "unsorted_offsets": header('{"b":{"dtype":"U8","shape":[1],"data_offsets":[1,2]},"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}', b"ab"),
    "null_metadata": header('{"__metadata__":null}'),
    "empty": header("{}"),
    "packed_f4": header('{"a":{"dtype":"F4","shape":[4],"data_offsets":[0,2]}}', b"ab"),
}


@pytest.mark.parametrize("case", sorted(ACCEPTED))
def test_files_the_reference_accepts_are_accepted(tmp_path, case):
    path = tmp_path / f"{case}.safetensors"
    path.write_bytes(ACCEPTED[case])
    r = run([HFCPP, "inspect", "--json", path])
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)
    want = sorted((n, i["dtype"], list(i["shape"])) for n, i in deserialize(ACCEPTED[case]))
    assert [(t["name"], t["dtype"], t["shape"]) for t in got["tensors"]] == want


@pytest.mark.parametrize("args", [["inspect"], ["inspect", "--bogus", "x"], ["inspect", "a", "b"]])
def test_usage_errors_exit_2(args):
    r = run([HFCPP, *args])
    assert r.returncode == 2, (r.returncode, r.stderr)


def test_inspect_help_and_missing_path(tmp_path):
    r = run([HFCPP, "inspect", "--help"])
    assert r.returncode == 0 and "--json" in r.stdout
    r = run([HFCPP, "inspect", tmp_path / "nope.safetensors"])
    assert r.returncode == 1 and "nope.safetensors" in r.stderr
    gguf = tmp_path / "m.gguf"
    gguf.write_bytes(b"GGUF\x03\x00\x00\x00")
    r = run([HFCPP, "inspect", gguf])
    assert r.returncode == 1 and "[gguf]" in r.stderr and "truncated" in r.stderr
