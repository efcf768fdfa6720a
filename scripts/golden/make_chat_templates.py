#!/usr/bin/env python3
"""Golden renders of every chat template in ../shared/data/tokenizers, made with jinja2 in the
environment transformers builds for apply_chat_template(..., tokenize=False).

Replicated behaviour: transformers 4.57 (src/transformers/utils/chat_template_utils.py,
_compile_jinja_template and render_jinja_template; the same code is on main in 2025):
  ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                extensions=[AssistantTracker, jinja2.ext.loopcontrols])
  env.filters["tojson"] = tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False)
  env.globals["raise_exception"], env.globals["strftime_now"]
  template.render(messages=, tools=, documents=, add_generation_prompt=,
                  **{**tokenizer.special_tokens_map, **kwargs})
special_tokens_map: bos/eos/unk/sep/pad/cls/mask_token (str or AddedToken content) when set,
plus additional_special_tokens when non-empty (PreTrainedTokenizerBase.special_tokens_map).
transformers itself is not needed (nor installed); jinja2 is the version pinned in .venv.

Usage: .venv/bin/python scripts/golden/make_chat_templates.py [--data ../shared/data/tokenizers]
writes tests/golden/tokenizers/chat_templates.jsonl. The module is also imported by
tests/python/test_chat_template.py for the live differential test.
"""
import argparse
import json
import pathlib
from datetime import datetime, timezone

import jinja2
from jinja2.ext import Extension, loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment

ROOT = pathlib.Path(__file__).resolve().parents[2]
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "tokenizers"
OUT = ROOT / "tests" / "golden" / "tokenizers" / "chat_templates.jsonl"
# strftime_now is pinned to this instant (UTC) so goldens are reproducible; hfcpp takes --now.
FIXED_NOW = 1735689600  # 2025-01-01T00:00:00Z


class GenerationTag(Extension):
    """transformers' AssistantTracker without the tracking: {% generation %} renders its body."""

    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
        return jinja2.nodes.CallBlock(self.call_method("_render"), [], [], body).set_lineno(lineno)

    def _render(self, caller):
        return caller()


def make_environment(now=FIXED_NOW):
    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    def strftime_now(format):
        return datetime.fromtimestamp(now, tz=timezone.utc).strftime(format)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[GenerationTag, loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


def special_tokens_map(config):
    def text(v):
        if isinstance(v, str):
            return v
        if isinstance(v, dict) and isinstance(v.get("content"), str):
            return v["content"]
        return ""

    out = {}
    for name in ["bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"]:
        t = text(config.get(name))
        if t:
            out[name] = t
    extra = config.get("additional_special_tokens") or []
    if extra:
        out["additional_special_tokens"] = [text(t) for t in extra]
    return out


def render(env, template, messages, tools=None, documents=None, add_generation_prompt=False, **kwargs):
    """Returns {"text": ...} or {"error": message, "raised": bool} (raised: raise_exception)."""
    try:
        compiled = env.from_string(template)
        text = compiled.render(messages=messages, tools=tools, documents=documents,
                               add_generation_prompt=add_generation_prompt, **kwargs)
        return {"text": text}
    except jinja2.exceptions.TemplateSyntaxError as e:
        return {"error": str(e), "raised": False, "syntax": True}
    except jinja2.exceptions.TemplateError as e:
        raised = type(e) is jinja2.exceptions.TemplateError
        return {"error": str(e), "raised": raised}
    except Exception as e:  # Python-level errors inside the template (TypeError, ...)
        return {"error": f"{type(e).__name__}: {e}", "raised": False}


TOOLS = [
    {"type": "function", "function": {
        "name": "get_weather", "description": "Weather for a city — « quoted » & <escaped>?",
        "parameters": {"type": "object", "properties": {
            "city": {"type": "string", "description": "City name"},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}}, "required": ["city"]}}},
    {"type": "function", "function": {
        "name": "add", "description": "Add two numbers",
        "parameters": {"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "integer"}},
                       "required": ["a", "b"]}}},
]


def conversations():
    """(id, request) pairs; request = {"messages": [...], optional "tools", kwargs}."""
    sys_msg = {"role": "system", "content": "You are a helpful assistant."}
    tool_call_str = {"type": "function", "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}}
    tool_call_obj = {"type": "function", "function": {"name": "add", "arguments": {"a": 1.5, "b": 2}}}
    return [
        ("single_user", {"messages": [{"role": "user", "content": "Hello!"}]}),
        ("multi_turn", {"messages": [sys_msg, {"role": "user", "content": "What is 2+2?"},
                                     {"role": "assistant", "content": "4."},
                                     {"role": "user", "content": "And 3+3?"}]}),
        ("no_system_two_turns", {"messages": [{"role": "user", "content": "Hi"},
                                              {"role": "assistant", "content": "Hello."},
                                              {"role": "user", "content": "Bye"},
                                              {"role": "assistant", "content": "Goodbye."}]}),
        ("unicode", {"messages": [{"role": "system", "content": "Réponds en français. 日本語も 🙂"},
                                  {"role": "user", "content": "  Ça va? \u00a0 naïve café — עברית \u200b\n"},
                                  {"role": "assistant", "content": "\tTrès bien ✓ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢\n\n"},
                                  {"role": "user", "content": "\"quotes\" 'single' \\backslash {{ not jinja }}"}]}),
        ("empty_content", {"messages": [{"role": "user", "content": ""},
                                        {"role": "assistant", "content": ""},
                                        {"role": "user", "content": " "}]}),
        ("tools", {"messages": [sys_msg, {"role": "user", "content": "Weather in Paris?"}], "tools": TOOLS}),
        ("tool_calls_str_args", {"messages": [
            {"role": "user", "content": "Weather in Paris?"},
            {"role": "assistant", "content": None, "tool_calls": [tool_call_str]},
            {"role": "tool", "name": "get_weather", "content": "{\"temp\": 21}"},
            {"role": "assistant", "content": "It is 21 degrees."}], "tools": TOOLS}),
        ("tool_calls_obj_args", {"messages": [
            {"role": "user", "content": "Add 1.5 and 2, and weather in Paris"},
            {"role": "assistant", "content": "", "tool_calls": [tool_call_obj, tool_call_str]},
            {"role": "tool", "content": "3.5"},
            {"role": "tool", "content": "sunny"},
            {"role": "user", "content": "Thanks"}], "tools": TOOLS}),
        ("reasoning", {"messages": [
            {"role": "user", "content": "Think first."},
            {"role": "assistant", "content": "<think>\nLet me think.\n</think>\n\nDone."},
            {"role": "user", "content": "Again?"},
            {"role": "assistant", "content": "Sure.", "reasoning_content": "Easy."}]}),
        ("thinking_off", {"messages": [{"role": "user", "content": "Quick answer"}], "enable_thinking": False}),
        ("multimodal_content", {"messages": [
            {"role": "system", "content": [{"type": "text", "text": "Describe images."}]},
            {"role": "user", "content": [{"type": "image"}, {"type": "text", "text": " What is this? "}]}]}),
        ("bad_alternation", {"messages": [{"role": "user", "content": "one"}, {"role": "user", "content": "two"}]}),
    ]


def template_sources(data_dir):
    for cfg_path in sorted(pathlib.Path(data_dir).glob("*/tokenizer_config.json")):
        config = json.loads(cfg_path.read_text(encoding="utf-8"))
        template = config.get("chat_template")
        if template is None:
            continue
        if isinstance(template, list):
            for entry in template:
                yield cfg_path.parent.name, entry["name"], entry["template"], special_tokens_map(config)
        else:
            yield cfg_path.parent.name, "default", template, special_tokens_map(config)


def golden_cases(data_dir):
    env = make_environment()
    for tok, name, template, specials in template_sources(data_dir):
        for conv_id, request in conversations():
            for agp in (False, True):
                req = dict(request)
                messages = req.pop("messages")
                tools = req.pop("tools", None)
                kwargs = {**specials, **req}
                result = render(env, template, messages, tools=tools, add_generation_prompt=agp, **kwargs)
                yield {"tokenizer": tok, "template": name, "conversation": conv_id, "add_generation_prompt": agp,
                       **result}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=str(DEFAULT_DATA))
    ap.add_argument("--out", default=str(OUT))
    args = ap.parse_args()
    out = pathlib.Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    n = errors = 0
    with out.open("w", encoding="utf-8") as f:
        f.write(json.dumps({"meta": {"jinja2": jinja2.__version__, "replicates": "transformers 4.57 chat_template_utils",
                                     "strftime_now_utc": FIXED_NOW}}) + "\n")
        for conv_id, request in conversations():
            f.write(json.dumps({"conversation": conv_id, "request": request}, ensure_ascii=False) + "\n")
        for case in golden_cases(args.data):
            f.write(json.dumps(case, ensure_ascii=False) + "\n")
            n += 1
            errors += "error" in case
    print(f"wrote {n} cases ({errors} expected errors) to {out}")


if __name__ == "__main__":
    main()
