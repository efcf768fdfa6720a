"""`hfcpp run` and `hfcpp pipeline text-generation`: the CLI contract (issue: Models II).

A tiny random Llama (tests/models/tiny_decoders/llama, vocab 96) gets a character-level
byte-level BPE tokenizer built here with `tokenizers` (ids 0-2 = <pad> <s> </s>, then printable
ASCII) and a small chat template, so the whole path runs: template, tokenizer, generate, stream.
Checks: exit codes and messages for bad parameters, --json shape, chat driven through stdin with
/reset and /exit, prefix reuse across turns, a template that raises, a prompt longer than the
context, and (when transformers is installed) the same greedy text as transformers' generate.
"""
import json
import os
import shutil
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TINY = os.path.join(ROOT, "tests", "models", "tiny_decoders", "llama")
HFCPP = os.environ.get("HFCPP_BIN", os.path.join(ROOT, "build", "release", "bin", "hfcpp"))

if not os.path.exists(HFCPP):
    pytest.skip(f"hfcpp binary not found at {HFCPP} (set HFCPP_BIN)", allow_module_level=True)
if not os.path.isdir(TINY):
    pytest.skip("tests/models/tiny_decoders/llama is missing (scripts/golden/make_tiny_decoders.py)",
                allow_module_level=True)
tokenizers = pytest.importorskip("tokenizers")

TEMPLATE = ("{% for m in messages %}<s>{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}"
            "{% if add_generation_prompt %}<s>assistant:{% endif %}")
RAISING = "{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}" + TEMPLATE


def make_model(folder, template=TEMPLATE):
    os.makedirs(folder, exist_ok=True)
    for name in ("config.json", "generation_config.json", "model.safetensors"):
        shutil.copy(os.path.join(TINY, name), folder)
    vocab = {"<pad>": 0, "<s>": 1, "</s>": 2}
    chars = [chr(0x120)] + [chr(b) for b in range(33, 125)]
    for i, c in enumerate(chars):
        vocab[c] = 3 + i
    assert len(vocab) == 96
    tok = tokenizers.Tokenizer(tokenizers.models.BPE(vocab=vocab, merges=[]))
    tok.pre_tokenizer = tokenizers.pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
    tok.decoder = tokenizers.decoders.ByteLevel()
    tok.add_special_tokens(["<pad>", "<s>", "</s>"])
    tok.save(os.path.join(folder, "tokenizer.json"))
    with open(os.path.join(folder, "tokenizer_config.json"), "w") as f:
        json.dump({"bos_token": "<s>", "eos_token": "</s>", "pad_token": "<pad>", "chat_template": template}, f)
    return folder


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    return make_model(str(tmp_path_factory.mktemp("tiny_llama_chat")))


def hfcpp(args, stdin=None):
    return subprocess.run([HFCPP] + args, capture_output=True, timeout=120, input=stdin)


def test_one_prompt_json_shape(model):
    proc = hfcpp(["run", model, "hello there", "--max-new-tokens", "8", "--json"])
    assert proc.returncode == 0, proc.stderr.decode()
    out = json.loads(proc.stdout)
    assert set(out) >= {"generated_text", "prompt_tokens", "new_tokens", "seconds"}
    assert 1 <= out["new_tokens"] <= 8
    assert isinstance(out["generated_text"], str)
    # Streaming prints the same text (plus a final newline).
    streamed = hfcpp(["run", model, "hello there", "--max-new-tokens", "8"])
    assert streamed.returncode == 0, streamed.stderr.decode()
    assert streamed.stdout.decode() == out["generated_text"] + "\n"


def test_seeded_sampling_repeats(model):
    args = ["run", model, "abc", "--max-new-tokens", "12", "--do-sample", "--temperature", "1.5", "--seed", "7",
            "--json"]
    a, b = hfcpp(args), hfcpp(args)
    assert a.returncode == 0, a.stderr.decode()
    assert json.loads(a.stdout)["generated_text"] == json.loads(b.stdout)["generated_text"]


@pytest.mark.parametrize("flag,value,field", [
    ("--max-new-tokens", "0", "max_new_tokens"),
    ("--temperature", "-1", "temperature"),
    ("--top-p", "1.5", "top_p"),
    ("--top-p", "0", "top_p"),
    ("--top-k", "-3", "top_k"),
    ("--min-p", "2", "min_p"),
    ("--repetition-penalty", "0", "repetition_penalty"),
])
def test_bad_parameters_exit_1(model, flag, value, field):
    proc = hfcpp(["run", model, "hi", flag, value])
    assert proc.returncode == 1, (proc.returncode, proc.stderr.decode())
    err = proc.stderr.decode()
    assert err.startswith("hfcpp: error: [generation]") and field in err, err


def test_usage_errors_exit_2(model):
    assert hfcpp(["run"]).returncode == 2
    assert hfcpp(["run", model, "hi", "--cache", "paged"]).returncode == 2
    assert hfcpp(["run", model, "hi", "--max-new-tokens", "many"]).returncode == 2


def test_prefill_chunk_gives_the_same_answer(model):
    # --prefill-chunk 3: the prompt runs 3 tokens per forward pass; 0: all at once.
    texts = []
    for chunk in ("3", "0", "512"):
        proc = hfcpp(["run", model, "hello there, how are you", "--max-new-tokens", "8", "--json",
                      "--prefill-chunk", chunk])
        assert proc.returncode == 0, proc.stderr.decode()
        texts.append(json.loads(proc.stdout)["generated_text"])
    assert texts[0] == texts[1] == texts[2]
    assert hfcpp(["run", model, "hi", "--prefill-chunk", "-1"]).returncode == 2


def test_prompt_longer_than_context_exit_1(model):
    proc = hfcpp(["run", model, "x" * 300, "--no-chat-template"])
    assert proc.returncode == 1
    assert "context" in proc.stderr.decode()


def test_template_that_raises_exit_1(tmp_path):
    folder = make_model(str(tmp_path / "raising"), RAISING)
    proc = hfcpp(["run", folder, "hi", "--system", "be brief", "--max-new-tokens", "4"])
    assert proc.returncode == 1
    assert "System role not supported" in proc.stderr.decode()
    assert hfcpp(["run", folder, "hi", "--max-new-tokens", "4"]).returncode == 0


def test_chat_over_stdin_with_reset_and_exit(model):
    stdin = b"hello\nhow are you\n/reset\nhello\n/exit\nnever read\n"
    proc = hfcpp(["run", model, "--max-new-tokens", "6", "--json", "--cache", "static"], stdin=stdin)
    assert proc.returncode == 0, proc.stderr.decode()
    lines = [json.loads(l) for l in proc.stdout.decode().splitlines()]
    assert len(lines) == 4 and lines[2] == {"reset": True}
    first, second, after_reset = lines[0], lines[1], lines[3]
    # The second turn reuses the cached conversation and prefills only what is new.
    assert second["prompt_tokens"] > first["prompt_tokens"]
    assert second["reused_tokens"] >= first["prompt_tokens"]
    # After /reset the same message gets the same (greedy) answer from a cold cache.
    assert after_reset["reused_tokens"] == 0
    assert after_reset["generated_text"] == first["generated_text"]


def test_chat_stream_text_mode(model):
    proc = hfcpp(["run", model, "--max-new-tokens", "5"], stdin=b"hi\n")
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stdout.decode().endswith("\n")


def test_pipeline_text_generation_shape(model):
    proc = hfcpp(["pipeline", "text-generation", "--model", model, "--json", "--max-new-tokens", "5", "abc"])
    assert proc.returncode == 0, proc.stderr.decode()
    out = json.loads(proc.stdout)
    assert isinstance(out, list) and len(out) == 1 and set(out[0]) == {"generated_text"}
    assert out[0]["generated_text"].startswith("abc")


def test_greedy_text_equals_transformers(model):
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    tok = transformers.PreTrainedTokenizerFast(tokenizer_file=os.path.join(model, "tokenizer.json"),
                                               eos_token="</s>", pad_token="<pad>", bos_token="<s>")
    lm = transformers.AutoModelForCausalLM.from_pretrained(model, torch_dtype=torch.float32)
    for prompt in ["hello there", "The cat sat on", "1, 2, 3,"]:
        ids = tok(prompt, return_tensors="pt").input_ids
        ref = lm.generate(ids, do_sample=False, max_new_tokens=12, pad_token_id=0)
        want = tok.decode(ref[0, ids.shape[1]:], skip_special_tokens=True)
        proc = hfcpp(["run", model, prompt, "--no-chat-template", "--max-new-tokens", "12", "--json"])
        assert proc.returncode == 0, proc.stderr.decode()
        assert json.loads(proc.stdout)["generated_text"] == want, prompt
