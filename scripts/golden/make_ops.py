#!/usr/bin/env python3
"""Goldens for hfcpp's tensor ops and dtype conversions.

Writes tests/golden/tensor/ops.safetensors (inputs and expected outputs of every op family,
computed in float64 with NumPy, or with torch when it is installed for gelu/sdpa) and
tests/golden/tensor/conversions.safetensors (f16/bf16/f8 conversions from numpy/ml_dtypes:
explicit tables for the 8-bit formats and FNV-1a-64 hashes over exhaustive input sets that
tests/tensor/conversions_test.cpp regenerates bit for bit). Library versions go in the metadata.

Run: .venv/bin/python scripts/golden/make_ops.py [--out DIR]
"""
import json
import math
import os
import sys

import ml_dtypes
import numpy as np
from safetensors.numpy import save_file

try:
    import torch
except ImportError:  # torch is optional: numpy float64 formulas are the reference then
    torch = None

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "tests", "golden", "tensor")
if "--out" in sys.argv:  # tests/python/test_ops_live.py regenerates into a temporary folder
    OUT = sys.argv[sys.argv.index("--out") + 1]
rng = np.random.default_rng(20240601)


def f32(a):
    return np.ascontiguousarray(np.asarray(a, dtype=np.float32))


def randn(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def bf16_round(a):
    return np.asarray(a, np.float32).astype(ml_dtypes.bfloat16).astype(np.float32)


erf = np.vectorize(math.erf)
T = {}  # name -> array


def put(name, a):
    T[name] = np.ascontiguousarray(a)


# ---- elementwise (broadcast [3,1,33] with [4,33]) ----
a = randn(3, 1, 33)
b = randn(4, 33)
put("ew.a", a)
put("ew.b", b)
ad, bd = a.astype(np.float64), b.astype(np.float64)
put("ew.add", f32(ad + bd))
put("ew.sub", f32(ad - bd))
put("ew.mul", f32(ad * bd))
put("ew.div", f32(ad / (np.abs(bd) + 0.5)))
put("ew.div_b", f32(np.abs(b) + 0.5))
put("ew.maximum", f32(np.maximum(ad, bd)))
put("ew.minimum", f32(np.minimum(ad, bd)))
x = randn(5, 67) * 2
put("un.x", x)
xd = x.astype(np.float64)
pos = np.abs(xd) + 0.1
put("un.pos", f32(pos))
put("un.neg", f32(-xd))
put("un.exp", f32(np.exp(xd)))
put("un.log", f32(np.log(f32(pos).astype(np.float64))))
put("un.sqrt", f32(np.sqrt(f32(pos).astype(np.float64))))
put("un.rsqrt", f32(1 / np.sqrt(f32(pos).astype(np.float64))))
put("un.tanh", f32(np.tanh(xd)))
put("un.abs", f32(np.abs(xd)))
put("un.sigmoid", f32(1 / (1 + np.exp(-xd))))
put("un.relu", f32(np.maximum(xd, 0)))
put("un.pow2_5", f32(f32(pos).astype(np.float64) ** 2.5))
put("un.add_scalar", f32(xd + 1.25))
put("un.mul_scalar", f32(xd * -0.75))
put("un.silu", f32(xd / (1 + np.exp(-xd))))
put("un.quick_gelu", f32(xd / (1 + np.exp(-1.702 * xd))))
if torch is not None:
    tx = torch.from_numpy(x).double()
    put("un.gelu", f32(torch.nn.functional.gelu(tx, approximate="none").numpy()))
    put("un.gelu_tanh", f32(torch.nn.functional.gelu(tx, approximate="tanh").numpy()))
else:
    put("un.gelu", f32(0.5 * xd * (1 + erf(xd / math.sqrt(2)))))
    put("un.gelu_tanh", f32(0.5 * xd * (1 + np.tanh(math.sqrt(2 / math.pi) * (xd + 0.044715 * xd**3)))))
cond = rng.random((5, 1)) > 0.5
put("ew.cond", cond.astype(np.uint8))
put("ew.where", f32(np.where(cond, xd, -xd)))
up = randn(5, 67)
put("un.up", up)
put("un.swiglu", f32(xd / (1 + np.exp(-xd)) * up.astype(np.float64)))

# ---- reductions over each dim of [6, 33] ----
r = randn(6, 33) * 3
put("red.x", r)
rd = r.astype(np.float64)
for d in (0, 1):
    put(f"red.sum{d}", f32(rd.sum(d)))
    put(f"red.mean{d}", f32(rd.mean(d)))
    put(f"red.max{d}", f32(rd.max(d)))
    put(f"red.min{d}", f32(rd.min(d)))
    put(f"red.argmax{d}", rd.argmax(d).astype(np.int64))
    m = rd.max(d, keepdims=True)
    put(f"red.logsumexp{d}", f32((m + np.log(np.exp(rd - m).sum(d, keepdims=True))).squeeze(d)))
    put(f"red.var{d}", f32(rd.var(d, ddof=1)))

# ---- softmax / norms ----
s = randn(7, 129) * 4
put("sm.x", s)
sd = s.astype(np.float64)
e = np.exp(sd - sd.max(-1, keepdims=True))
put("sm.softmax", f32(e / e.sum(-1, keepdims=True)))
put("sm.log_softmax", f32(np.log(e / e.sum(-1, keepdims=True))))
n = randn(3, 5, 96) + 0.5
w = randn(96)
bias = randn(96)
put("norm.x", n)
put("norm.w", w)
put("norm.b", bias)
nd = n.astype(np.float64)
mu = nd.mean(-1, keepdims=True)
var = ((nd - mu) ** 2).mean(-1, keepdims=True)
put("norm.layer_norm", f32((nd - mu) / np.sqrt(var + 1e-5) * w + bias))
rms = np.sqrt((nd**2).mean(-1, keepdims=True) + 1e-6)
put("norm.rms_norm", f32(nd / rms * w))
put("norm.rms_norm_gemma", f32(nd / rms * (1.0 + w.astype(np.float64))))
res = randn(3, 5, 96)
put("norm.residual", res)
summed = nd + res.astype(np.float64)
put("norm.add_rms_sum", f32(summed))
put("norm.add_rms_norm", f32(summed / np.sqrt((summed**2).mean(-1, keepdims=True) + 1e-6) * w))
# bf16: input rounded to bf16, compute in f32, output rounded to bf16 (what torch does on CPU).
nb = bf16_round(n)
put("norm.x_bf16", nb)
nbd = nb.astype(np.float64)
put("norm.rms_norm_bf16", bf16_round(nbd / np.sqrt((nbd**2).mean(-1, keepdims=True) + 1e-6) * bf16_round(w)))
put("norm.w_bf16", bf16_round(w))

# ---- rope: x [2, 3, 5, 16], positions [5] = 3..7, theta 10000, rotary_dim 16 and 8 ----
xr = randn(2, 3, 5, 16)
put("rope.x", xr)
positions = np.arange(3, 8, dtype=np.int64)
put("rope.positions", positions)


def rope_tables(positions, rot, theta):
    # transformers' default rope in float32, step by step.
    inv = (1.0 / (np.float32(theta) ** (np.arange(0, rot, 2, dtype=np.int64).astype(np.float32) / np.float32(rot)))).astype(np.float32)
    ang = (positions.astype(np.float32)[:, None] * inv[None, :]).astype(np.float32)
    return np.cos(ang.astype(np.float64)), np.sin(ang.astype(np.float64))


for rot in (16, 8):
    c, sn = rope_tables(positions, rot, 10000.0)
    put(f"rope.cos{rot}", f32(c))
    put(f"rope.sin{rot}", f32(sn))
    xd = xr.astype(np.float64)
    h = rot // 2
    # NeoX / HF Llama: rotate_half
    x1, x2 = xd[..., :h], xd[..., h:rot]
    neox = np.concatenate([x1 * c - x2 * sn, x2 * c + x1 * sn, xd[..., rot:]], -1)
    put(f"rope.neox{rot}", f32(neox))
    xe, xo = xd[..., 0:rot:2], xd[..., 1:rot:2]
    inter = np.stack([xe * c - xo * sn, xo * c + xe * sn], -1).reshape(*xd.shape[:-1], rot)
    put(f"rope.gptj{rot}", f32(np.concatenate([inter, xd[..., rot:]], -1)))

# ---- embedding / concat ----
table = randn(11, 7)
ids = np.array([[3, 0, 10], [5, 5, 1]], dtype=np.int64)
put("emb.table", table)
put("emb.ids", ids)
put("emb.out", table[ids])
c0, c1 = randn(2, 3, 4), randn(2, 5, 4)
put("cat.a", c0)
put("cat.b", c1)
put("cat.out", np.concatenate([c0, c1], 1))

# ---- sdpa: q [2, 4, 5, 16], k/v [2, 2, 9, 16] (GQA 2), past = 4 ----
B, H, Hkv, Lq, Lk, D = 2, 4, 2, 5, 9, 16
q, k, v = randn(B, H, Lq, D), randn(B, Hkv, Lk, D), randn(B, Hkv, Lk, D)
put("sdpa.q", q)
put("sdpa.k", k)
put("sdpa.v", v)
add_mask = (randn(1, 1, Lq, Lk) * 2).astype(np.float32)
bool_mask = rng.random((B, 1, Lq, Lk)) > 0.3
bool_mask[..., 0] = True  # keep every row non-empty
pad = np.ones((B, Lk), dtype=np.uint8)
pad[1, :2] = 0
put("sdpa.add_mask", add_mask)
put("sdpa.bool_mask", bool_mask.astype(np.uint8))
put("sdpa.key_padding", pad)


def sdpa_ref(q, k, v, mask=None, bool_mask=None, causal=False, past=None, window=0, pad=None, softcap=0.0):
    qd, kd, vd = (t.astype(np.float64) for t in (q, k, v))
    g = q.shape[1] // k.shape[1]
    kd, vd = np.repeat(kd, g, axis=1), np.repeat(vd, g, axis=1)
    s = qd @ kd.transpose(0, 1, 3, 2) / math.sqrt(q.shape[-1])
    if softcap:
        s = softcap * np.tanh(s / softcap)
    if mask is not None:
        s = s + mask
    keep = np.ones(s.shape, bool)
    if bool_mask is not None:
        keep &= bool_mask
    lq, lk = q.shape[2], k.shape[2]
    past = lk - lq if past is None else past
    i = np.arange(lq)[:, None] + past
    j = np.arange(lk)[None, :]
    if causal:
        keep &= j <= i
    if window:
        keep &= (i - j) < window
    if pad is not None:
        keep &= pad.astype(bool)[:, None, None, :]
    s = np.where(keep, s, -np.inf)
    m = s.max(-1, keepdims=True)
    p = np.exp(s - m)
    p /= p.sum(-1, keepdims=True)
    return f32(p @ vd)


put("sdpa.plain", sdpa_ref(q, k, v))
put("sdpa.causal", sdpa_ref(q, k, v, causal=True))
put("sdpa.causal_past2", sdpa_ref(q, k, v, causal=True, past=2))
put("sdpa.add_mask_out", sdpa_ref(q, k, v, mask=add_mask))
put("sdpa.bool_mask_out", sdpa_ref(q, k, v, bool_mask=bool_mask))
put("sdpa.window3", sdpa_ref(q, k, v, causal=True, window=3))
put("sdpa.padding", sdpa_ref(q, k, v, causal=True, pad=pad))
put("sdpa.softcap", sdpa_ref(q * 4, k, v, softcap=5.0))
put("sdpa.q4", f32(q * 4))
if torch is not None:  # torch's own kernel as a second opinion on the plain case
    put("sdpa.torch_plain", f32(torch.nn.functional.scaled_dot_product_attention(
        torch.from_numpy(q), torch.from_numpy(np.repeat(k, 2, 1)), torch.from_numpy(np.repeat(v, 2, 1))).numpy()))

versions = {"numpy": np.__version__, "ml_dtypes": ml_dtypes.__version__,
            "torch": torch.__version__ if torch is not None else "absent",
            "python": sys.version.split()[0], "generator": "scripts/golden/make_ops.py"}
os.makedirs(OUT, exist_ok=True)
save_file(T, os.path.join(OUT, "ops.safetensors"), metadata={k: str(v) for k, v in versions.items()})

# ---------------- conversions ----------------
def fnv1a64(data: bytes) -> str:
    """FNV-1a 64 over the bytes (sequential by definition; a few MB take a few seconds)."""
    h = 0xcbf29ce484222325
    for byte in data:
        h ^= byte
        h = (h * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


LOW = [0x0000, 0x0001, 0x0FFF, 0x1000, 0x1001, 0x7FFF, 0x8000, 0x8001, 0xFFFF]


def exhaustive_f32_inputs():
    """Every (hi16 << 16 | low) for the low words in LOW, NaNs dropped, in (hi, low) order."""
    hi = np.arange(65536, dtype=np.uint32)[:, None] << 16
    bits = (hi | np.array(LOW, dtype=np.uint32)[None, :]).reshape(-1)
    is_nan = (bits & 0x7FFFFFFF) > 0x7F800000
    return bits[~is_nan].view(np.float32)


np.seterr(over="ignore")  # overflow to inf is the behaviour under test
conv = {}
meta = dict(versions)
xs = exhaustive_f32_inputs()
meta["f32_inputs"] = str(len(xs))
meta["hash.f32_to_f16"] = fnv1a64(xs.astype(np.float16).view(np.uint16).tobytes())
meta["hash.f32_to_bf16"] = fnv1a64(xs.astype(ml_dtypes.bfloat16).view(np.uint16).tobytes())
meta["hash.f32_to_e4m3"] = fnv1a64(xs.astype(ml_dtypes.float8_e4m3fn).view(np.uint8).tobytes())
meta["hash.f32_to_e5m2"] = fnv1a64(xs.astype(ml_dtypes.float8_e5m2).view(np.uint8).tobytes())
all16 = np.arange(65536, dtype=np.uint16)
meta["hash.f16_to_f32"] = fnv1a64(all16.view(np.float16).astype(np.float32).view(np.uint32).tobytes())
meta["hash.bf16_to_f32"] = fnv1a64(all16.view(ml_dtypes.bfloat16).astype(np.float32).view(np.uint32).tobytes())
all8 = np.arange(256, dtype=np.uint8)
conv["e4m3_to_f32"] = all8.view(ml_dtypes.float8_e4m3fn).astype(np.float32)
conv["e5m2_to_f32"] = all8.view(ml_dtypes.float8_e5m2).astype(np.float32)
# Explicit tricky values with their encodings, for readable failures.
tricky = np.concatenate([
    np.array([0.0, -0.0, 1.0, -1.0, 448.0, 464.0, 464.0001, 479.9, 480.0, 1e6, 57344.0, 61439.0,
              61440.0, 65535.0, 65536.0, 65519.99, 65520.0, 2.0**-9, 2.0**-10, 3 * 2.0**-11, 2.0**-16,
              2.0**-17, 3 * 2.0**-18, 2.0**-24, 2.0**-25, 3 * 2.0**-26, 6.1e-5, 1e-8, np.inf, -np.inf,
              1.00390625, 1.01171875, 1.0009765625, 1.0029296875], np.float32),
    (rng.standard_normal(200) * np.exp2(rng.integers(-20, 18, 200))).astype(np.float32),
])
conv["tricky"] = tricky
conv["tricky_f16"] = tricky.astype(np.float16).view(np.uint16)
conv["tricky_bf16"] = tricky.astype(ml_dtypes.bfloat16).view(np.uint16)
conv["tricky_e4m3"] = tricky.astype(ml_dtypes.float8_e4m3fn).view(np.uint8)
conv["tricky_e5m2"] = tricky.astype(ml_dtypes.float8_e5m2).view(np.uint8)
save_file(conv, os.path.join(OUT, "conversions.safetensors"), metadata={k: str(v) for k, v in meta.items()})
for name in ("ops", "conversions"):
    p = os.path.join(OUT, name + ".safetensors")
    print(p, os.path.getsize(p), "bytes")
