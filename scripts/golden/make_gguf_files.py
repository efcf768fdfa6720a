#!/usr/bin/env python3
"""Small GGUF goldens for the GGUF reader and writer (tests/formats/gguf_test.cpp).

Written with gguf-py's GGUFWriter (the `gguf` package, version recorded in the output) and read
back with its GGUFReader to record what a correct reader sees:

  values.gguf   every metadata value type (u8..i64, f32, f64, bool, string) and arrays of each,
                an array of strings (with non-ASCII), nested arrays; plain tensors F32, F16, BF16,
                F64, I8, I16, I32, I64 (1-4 dims); raw block tensors Q4_0, Q8_0 (quantized by
                gguf-py), Q4_K and Q4_1 (raw bytes with sane f16 scales).
  align64.gguf  general.alignment = 64 with tensors whose sizes are not multiples of 64.
  empty.gguf    only general.architecture, no tensors.

For each FILE.gguf, FILE.expected.json holds {"gguf_version", "version", "alignment",
"data_offset", "metadata": [{"key", "type", "value"}] (arrays: {"element_type", "items"}),
"tensors": [{"name", "type", "shape" (row-major), "offset", "nbytes", "fnv1a64"}]}, where
fnv1a64 is the 64-bit FNV-1a hash of the tensor's bytes (as a decimal string).

The C++ test checks the reader against these, and that GgufWriter, fed what the reader found,
writes the same bytes as gguf-py did.

Usage: .venv/bin/python scripts/golden/make_gguf_files.py [--out tests/golden/formats]
"""
import argparse
import json
import pathlib

import gguf
import numpy as np
from gguf import GGMLQuantizationType as Q
from gguf import GGUFValueType as V


def fnv1a64(data: bytes) -> str:
    h = 0xCBF29CE484222325
    for b in data:
        h ^= b
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return str(h)


def json_scalar(v):
    if isinstance(v, (np.floating, float)):
        return float(v)
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    if isinstance(v, (np.integer, int)):
        return int(v)
    return v


SCALARS = {V.UINT8: "<B", V.INT8: "<b", V.UINT16: "<H", V.INT16: "<h", V.UINT32: "<I", V.INT32: "<i",
           V.FLOAT32: "<f", V.UINT64: "<Q", V.INT64: "<q", V.FLOAT64: "<d", V.BOOL: "<?"}


def nested_array_at(buf: bytes):
    """The value of the key/value pair starting at buf[0] (an ARRAY), decoded recursively."""
    import struct
    pos = 8 + struct.unpack_from("<Q", buf, 0)[0] + 4  # key, value type

    def value(vtype, pos):
        if vtype == V.STRING:
            n = struct.unpack_from("<Q", buf, pos)[0]
            return buf[pos + 8:pos + 8 + n].decode("utf-8"), pos + 8 + n
        if vtype == V.ARRAY:
            etype, count = struct.unpack_from("<IQ", buf, pos)
            pos += 12
            items = []
            for _ in range(count):
                item, pos = value(V(etype), pos)
                items.append(item)
            return items, pos
        fmt = SCALARS[vtype]
        return to_json(struct.unpack_from(fmt, buf, pos)[0]), pos + struct.calcsize(fmt)

    return value(V.ARRAY, pos)[0]


def describe(path: pathlib.Path) -> dict:
    r = gguf.GGUFReader(path)
    metadata = []
    for field in r.fields.values():
        if field.name.startswith("GGUF."):
            continue
        entry = {"key": field.name, "type": field.types[0].name}
        if field.types[0] == V.ARRAY:
            entry["element_type"] = field.types[1].name if len(field.types) > 1 else "UINT8"
            if field.types[1] == V.ARRAY:  # contents() flattens nested arrays: decode the bytes
                entry["value"] = nested_array_at(bytes(r.data[field.offset:]))
            else:
                entry["value"] = to_json(field.contents())
        else:
            entry["value"] = to_json(field.contents())
        metadata.append(entry)
    tensors = []
    for t in r.tensors:
        raw = bytes(np.asarray(r.data[t.data_offset:t.data_offset + int(t.n_bytes)]))
        tensors.append({
            "name": t.name,
            "type": t.tensor_type.name,
            "shape": [int(x) for x in reversed(t.shape.tolist())],
            "offset": int(t.data_offset - r.data_offset),
            "nbytes": int(t.n_bytes),
            "fnv1a64": fnv1a64(raw),
        })
    version = int(r.fields["GGUF.version"].parts[0][0])
    return {"gguf_version": gguf.__version__ if hasattr(gguf, "__version__") else "0.19.0",
            "version": version, "alignment": int(r.alignment), "data_offset": int(r.data_offset),
            "metadata": metadata, "tensors": tensors}


def to_json(v):
    if isinstance(v, list):
        return [to_json(x) for x in v]
    if isinstance(v, float):
        return v if np.isfinite(v) else str(v)
    return json_scalar(v)


def write_values(path: pathlib.Path):
    rng = np.random.default_rng(7)
    w = gguf.GGUFWriter(path, "llama")
    w.add_uint8("test.u8", 200)
    w.add_int8("test.i8", -100)
    w.add_uint16("test.u16", 60000)
    w.add_int16("test.i16", -30000)
    w.add_uint32("test.u32", 4_000_000_000)
    w.add_int32("test.i32", -2_000_000_000)
    w.add_uint64("test.u64", 18_000_000_000_000_000_000)
    w.add_int64("test.i64", -9_000_000_000_000_000_000)
    w.add_float32("test.f32", 1e-5)
    w.add_float64("test.f64", -3.141592653589793)
    w.add_bool("test.bool_true", True)
    w.add_bool("test.bool_false", False)
    w.add_string("test.string", "héllo wörld ✓ 🤗")
    for name, vtype, values in [
        ("u8", V.UINT8, [0, 1, 255]), ("i8", V.INT8, [-128, 0, 127]), ("u16", V.UINT16, [0, 65535]),
        ("i16", V.INT16, [-32768, 32767]), ("u32", V.UINT32, [0, 4294967295]), ("i32", V.INT32, [-5, 7]),
        ("u64", V.UINT64, [2**64 - 1, 0]), ("i64", V.INT64, [-(2**63), 2**63 - 1]),
        ("f32", V.FLOAT32, [0.5, -1.25, 3.0e38]), ("f64", V.FLOAT64, [1e-300, 2.5]),
        ("bool", V.BOOL, [True, False, True]),
    ]:
        w.add_key_value(f"test.array.{name}", values, V.ARRAY, sub_type=vtype)
    w.add_array("test.array.strings", ["a", "", "▁the", "<|im_start|>", "ü"])
    w.add_key_value("test.array.nested", [[1, 2, 3], [4], [5, 6]], V.ARRAY, sub_type=V.ARRAY)
    w.add_key_value("test.array.nested_strings", [["x", "y"], ["z"]], V.ARRAY, sub_type=V.ARRAY)
    w.add_uint32("general.quantization_version", 2)

    w.add_tensor("plain.f32", rng.standard_normal((3, 5)).astype(np.float32))
    w.add_tensor("plain.f16", rng.standard_normal((2, 3, 4)).astype(np.float16))
    bf16 = (rng.standard_normal((4, 6)).astype(np.float32).view(np.uint32) >> 16).astype(np.uint16)
    w.add_tensor("plain.bf16", bf16, raw_dtype=Q.BF16)
    w.add_tensor("plain.f64", rng.standard_normal((7,)))
    w.add_tensor("plain.i8", rng.integers(-128, 127, (2, 2, 2, 3), dtype=np.int8))
    w.add_tensor("plain.i16", rng.integers(-30000, 30000, (5,), dtype=np.int16))
    w.add_tensor("plain.i32", rng.integers(-(2**31), 2**31 - 1, (2, 9), dtype=np.int32))
    w.add_tensor("plain.i64", rng.integers(-(2**62), 2**62, (3,), dtype=np.int64))

    x = rng.standard_normal((4, 64)).astype(np.float32)
    w.add_tensor("quant.q4_0", gguf.quants.quantize(x, Q.Q4_0), raw_dtype=Q.Q4_0)
    w.add_tensor("quant.q8_0", gguf.quants.quantize(x, Q.Q8_0), raw_dtype=Q.Q8_0)
    w.add_tensor("quant.q4_1", gguf.quants.quantize(x, Q.Q4_1), raw_dtype=Q.Q4_1)
    # gguf-py cannot quantize Q4_K: random bytes with small finite f16 d / dmin per block.
    q4k = rng.integers(0, 256, (2, 144), dtype=np.uint8)
    q4k[:, 0:2] = np.frombuffer(np.float16(0.01).tobytes(), dtype=np.uint8)
    q4k[:, 2:4] = np.frombuffer(np.float16(0.002).tobytes(), dtype=np.uint8)
    w.add_tensor("quant.q4_k", q4k, raw_dtype=Q.Q4_K)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def write_align64(path: pathlib.Path):
    rng = np.random.default_rng(11)
    w = gguf.GGUFWriter(path, "test")
    w.add_custom_alignment(64)
    w.add_string("general.name", "alignment test")
    w.add_tensor("a", rng.standard_normal((3,)).astype(np.float32))
    w.add_tensor("b", rng.standard_normal((5, 3)).astype(np.float16))
    w.add_tensor("c", rng.integers(0, 100, (17,), dtype=np.int8))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def write_empty(path: pathlib.Path):
    w = gguf.GGUFWriter(path, "empty")
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="tests/golden/formats")
    args = ap.parse_args()
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for name, make in [("values", write_values), ("align64", write_align64), ("empty", write_empty)]:
        path = out / f"{name}.gguf"
        make(path)
        (out / f"{name}.expected.json").write_text(json.dumps(describe(path), indent=1, ensure_ascii=False) + "\n")
        print(f"wrote {path} ({path.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
