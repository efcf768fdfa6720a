"""Live differential test: jinja2 in transformers' environment (from .venv) against
`hfcpp chat-template`, on every real chat template in ../shared/data/tokenizers, on adversarial
snippets for each construct, and on random templates. Skips visibly without jinja2 or the binary."""
import json
import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts" / "golden"))
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

jinja2 = pytest.importorskip("jinja2", reason="jinja2 not in .venv: chat-template live tests skipped")
import make_chat_templates as ref  # noqa: E402
from chat_template_cases import CONTEXT, SNIPPETS, random_templates  # noqa: E402

BIN = pathlib.Path(os.environ.get("HFCPP_BIN", ROOT / "build" / "release" / "bin" / "hfcpp"))
DATA = ROOT.parent / "shared" / "data" / "tokenizers"

pytestmark = pytest.mark.skipif(not BIN.exists(), reason=f"hfcpp binary not built: {BIN}")


def run_cli(tokenizer, request, add_generation_prompt=False):
    cmd = [str(BIN), "chat-template", "--tokenizer", str(tokenizer), "--now", str(ref.FIXED_NOW)]
    if add_generation_prompt:
        cmd.append("--add-generation-prompt")
    p = subprocess.run(cmd, input=json.dumps(request).encode(), capture_output=True, timeout=60)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def check(expected, rc, out, err, label):
    if "text" in expected:
        assert rc == 0, f"{label}: hfcpp failed but jinja2 rendered {expected['text']!r}\nstderr: {err}"
        assert out == expected["text"], f"{label}: output differs\njinja2: {expected['text']!r}\nhfcpp:  {out!r}"
    else:
        assert rc != 0, f"{label}: jinja2 raised {expected['error']!r} but hfcpp printed {out!r}"
        assert "hfcpp: error:" in err and "Traceback" not in err, f"{label}: bad error output {err!r}"
        if expected.get("raised"):
            assert expected["error"] in err, f"{label}: raise_exception text lost: {err!r}"


def real_template_cases():
    if not DATA.exists():
        return []
    return list(ref.golden_cases(DATA))


@pytest.mark.parametrize("case", real_template_cases(),
                         ids=lambda c: f"{c['tokenizer']}-{c['conversation']}-{int(c['add_generation_prompt'])}")
def test_real_templates_live(case):
    request = dict(next(r for cid, r in ref.conversations() if cid == case["conversation"]))
    rc, out, err = run_cli(DATA / case["tokenizer"], request, case["add_generation_prompt"])
    check(case, rc, out, err, f"{case['tokenizer']}/{case['conversation']}")


def render_both(tmp_path, template, idx):
    path = tmp_path / f"t{idx}.jinja"
    path.write_bytes(template.encode("utf-8"))
    ctx = dict(CONTEXT)
    messages, tools = ctx.pop("messages"), ctx.pop("tools")
    # A .jinja file is read as text, the way transformers reads chat_template.jinja: jinja2
    # then drops one trailing newline itself.
    expected = ref.render(ref.make_environment(), template, messages, tools=tools, add_generation_prompt=True, **ctx)
    rc, out, err = run_cli(path, {"messages": messages, "tools": tools, **ctx}, add_generation_prompt=True)
    return expected, rc, out, err


@pytest.mark.parametrize("idx", range(len(SNIPPETS)))
def test_adversarial_snippets(tmp_path, idx):
    template = SNIPPETS[idx]
    expected, rc, out, err = render_both(tmp_path, template, idx)
    check(expected, rc, out, err, f"snippet {idx} {template!r}")


@pytest.mark.parametrize("seed", range(5))
def test_random_templates(tmp_path, seed):
    failures = []
    for i, template in enumerate(random_templates(seed, 40)):
        expected, rc, out, err = render_both(tmp_path, template, i)
        try:
            check(expected, rc, out, err, f"seed {seed} #{i} {template!r}")
        except AssertionError as e:
            failures.append(str(e))
    assert not failures, f"{len(failures)} mismatches:\n" + "\n\n".join(failures[:5])


def test_cli_contract(tmp_path):
    qwen = DATA / "qwen3"
    if not qwen.exists():
        pytest.skip("shared tokenizer data missing")
    # An object with kwargs, --json output.
    req = {"messages": [{"role": "user", "content": "hi"}], "enable_thinking": False, "add_generation_prompt": True}
    p = subprocess.run([str(BIN), "chat-template", "--tokenizer", str(qwen), "--json"], input=json.dumps(req).encode(),
                       capture_output=True, timeout=60)
    assert p.returncode == 0, p.stderr
    text = json.loads(p.stdout)["text"]
    assert text.endswith("<|im_start|>assistant\n<think>\n\n</think>\n\n")
    # Bad input exits 1 with a clear message; a missing flag exits 2.
    rc, out, err = run_cli(qwen, {"not_messages": []})
    assert rc == 1 and "missing field 'messages'" in err
    p = subprocess.run([str(BIN), "chat-template"], capture_output=True, timeout=60)
    assert p.returncode == 2
    rc, out, err = run_cli(DATA / "gpt2", [{"role": "user", "content": "x"}])
    assert rc == 1 and "no chat template" in err
