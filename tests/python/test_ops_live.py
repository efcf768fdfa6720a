"""Live checks of the tensor-op goldens against the reference libraries in .venv.

- Regenerates tests/golden/tensor/*.safetensors with scripts/golden/make_ops.py into a temporary
  folder and requires the same tensors (so the committed goldens match the script and the
  installed numpy/ml_dtypes).
- When torch is installed, checks the NumPy formulas used for gelu, rope and sdpa against torch.
"""
import os
import subprocess
import sys

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GOLDEN = os.path.join(ROOT, "tests", "golden", "tensor")
safetensors_numpy = pytest.importorskip("safetensors.numpy")
pytest.importorskip("ml_dtypes")


def load(path):
    return safetensors_numpy.load_file(path)


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory):
    out = tmp_path_factory.mktemp("golden")
    subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "golden", "make_ops.py"), "--out", str(out)],
                   check=True, capture_output=True)
    return out


@pytest.mark.parametrize("name", ["ops", "conversions"])
def test_goldens_are_reproducible(regenerated, name):
    tmp_path = regenerated
    committed = load(os.path.join(GOLDEN, name + ".safetensors"))
    fresh = load(str(tmp_path / (name + ".safetensors")))
    # torch-only entries may come and go with torch being installed.
    keys = {k for k in committed if "torch" not in k} | {k for k in fresh if "torch" not in k}
    for key in sorted(keys):
        assert key in committed and key in fresh, key
        np.testing.assert_allclose(fresh[key], committed[key], rtol=1e-6, atol=1e-7, err_msg=key)
    from safetensors import safe_open
    with safe_open(os.path.join(GOLDEN, name + ".safetensors"), "np") as a, safe_open(str(tmp_path / (name + ".safetensors")), "np") as b:
        ma, mb = a.metadata(), b.metadata()
    for key in ma:
        if key.startswith("hash.") or key == "f32_inputs":
            assert ma[key] == mb[key], key


def test_numpy_formulas_match_torch():
    torch = pytest.importorskip("torch")
    g = load(os.path.join(GOLDEN, "ops.safetensors"))
    x = torch.from_numpy(g["un.x"]).double()
    np.testing.assert_allclose(torch.nn.functional.gelu(x).numpy(), g["un.gelu"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(torch.nn.functional.gelu(x, approximate="tanh").numpy(), g["un.gelu_tanh"], rtol=1e-5, atol=1e-6)
    q, k, v = (torch.from_numpy(g["sdpa." + n]).double() for n in "qkv")
    k, v = k.repeat_interleave(2, 1), v.repeat_interleave(2, 1)
    out = torch.nn.functional.scaled_dot_product_attention(q, k, v)
    np.testing.assert_allclose(out.numpy(), g["sdpa.plain"], rtol=1e-5, atol=1e-6)
    # torch's is_causal is top-left aligned: our past = 0.
    out = torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True)
    lq, lk = q.shape[2], k.shape[2]
    mask = torch.ones(lq, lk, dtype=torch.bool).tril(diagonal=0)
    ref = torch.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    np.testing.assert_allclose(out.numpy(), ref.numpy(), rtol=1e-6, atol=1e-7)
    # f8 conversions as torch's .to() does them.
    t = load(os.path.join(GOLDEN, "conversions.safetensors"))
    tricky = torch.from_numpy(t["tricky"])
    assert np.array_equal(tricky.to(torch.float8_e4m3fn).view(torch.uint8).numpy(), t["tricky_e4m3"])
    assert np.array_equal(tricky.to(torch.float8_e5m2).view(torch.uint8).numpy(), t["tricky_e5m2"])
