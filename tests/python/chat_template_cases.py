"""Adversarial chat-template snippets and a random template generator, shared by
test_chat_template.py (live jinja2 vs `hfcpp chat-template`) and the fuzz corpus.
Each snippet exercises one construct the way real Hugging Face templates use it."""
import random

CONTEXT = {
    "messages": [
        {"role": "system", "content": "  System prompt\n"},
        {"role": "user", "content": "Hello <world> & 'friends' \"x\""},
        {"role": "assistant", "content": "Hi! ünïcödé 🙂", "tool_calls": [
            {"type": "function", "function": {"name": "f", "arguments": {"x": 1, "y": [1.5, None, True], "z": "é"}}}]},
        {"role": "user", "content": ""},
        {"role": "tool", "content": "{\"ok\": true}", "name": "f"},
    ],
    "tools": [{"type": "function", "function": {"name": "f", "description": "Does f", "parameters": {
        "type": "object", "properties": {"x": {"type": "integer"}}, "required": ["x"]}}}],
    "bos_token": "<s>",
    "eos_token": "</s>",
    "flag": True,
    "num": 7,
    "fnum": 2.5,
    "neg": -3,
    "text": "  Mixed Case text-with (parens) [br] {x} <y>  ",
    "items_dict": {"b": 2, "a": 1, "C": 3},
    "nested": {"k": {"deep": [10, 20, 30]}, "items": "shadowed", "values": 5},
    "nums": [3, 1, 2, 3, -1, 0],
    "words": ["beta", "Alpha", "gamma", "alpha"],
    "none_val": None,
}

SNIPPETS = [
    # text, whitespace control, trim_blocks / lstrip_blocks
    "plain text\n",
    "a\n{% if true %}\nb\n{% endif %}\nc\n",
    "  {% if true %}x{% endif %}  \n  {%- if true %} y {% endif -%}  \n z",
    "{%+ if true %}keep{% endif %}\n   {%+ if true %}indent kept{% endif +%}\nnext",
    "{{- '  a  ' -}}   {{ 'b' }}  \n  {{- 'c' }}",
    "line1\n    {# comment #}\nline2 {#- trimmed -#}   line3\n  {#+ kept +#} end",
    "{% raw %}{{ not evaluated }} {% if %}{% endraw %}\n{%- raw -%}  x  {%- endraw %}|",
    "\r\nwindows\r\nnewlines\rold mac\n",
    "trailing newline kept? \n\n",
    "{% for m in messages %}\n  {{ m.role }}\n{% endfor %}\n",
    "   \t{% for i in [1,2] %}\t{{ i }}\n   {%- endfor %}",
    # literals and printing
    "{{ 1 }} {{ 1.0 }} {{ 1e16 }} {{ 1e15 }} {{ 0.1 + 0.2 }} {{ 1e-5 }} {{ -0.0 }} {{ 1_000 }} {{ 0x1F }} {{ 0o17 }} {{ 0b101 }} {{ 2.5e-3 }}",
    "{{ true }} {{ True }} {{ none }} {{ None }} {{ false }}",
    "{{ 'single' }} {{ \"double\" }} {{ 'it\\'s' }} {{ 'a\\nb\\tc\\\\d' }} {{ '\\u00e9\\x41' }} {{ 'con' 'cat' }}",
    "{{ [1, 'a', none, true, 1.5] }} {{ (1,) }} {{ (1, 2) }} {{ () }} {{ {'k': 'v', 1: [2]} }} {{ [\"it's\", 'say \"hi\"', 'both \\' \"'] }}",
    "{{ ['\\n', '\\x00', '\\u200b', '\\u00a0', 'é', '\\U0001F600', '\\x7f'] }}",
    "{{ 'a', 'b' }}",
    # operators
    "{{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % -3 }} {{ -7 % 3 }} {{ 7 / 2 }} {{ 2 ** 10 }} {{ 2 ** -1 }} {{ 2 ** 0.5 }} {{ 7.5 // 2 }} {{ -7.5 % 2 }}",
    "{{ 'ab' * 3 }} {{ 3 * 'x' }} {{ [1] * 2 }} {{ 'a' + 'b' }} {{ [1] + [2] }} {{ 1 + 2.5 }} {{ true + 1 }} {{ 'a' ~ 1 ~ none ~ undefined_var ~ [1] }}",
    "{{ 1 < 2 < 3 }} {{ 1 < 3 < 2 }} {{ 1 == 1.0 }} {{ 'a' < 'b' }} {{ [1, 2] < [1, 3] }} {{ (1, 2) == [1, 2] }} {{ none == none }} {{ 1 != 2 }}",
    "{{ 'a' in 'abc' }} {{ 'x' not in 'abc' }} {{ 1 in [1, 2] }} {{ 'k' in {'k': 1} }} {{ 3 not in nums }}",
    "{{ flag and 'yes' }} {{ none_val or 'fallback' }} {{ 0 or '' or [] }} {{ 1 and 0 }} {{ not flag }} {{ not none_val }}",
    "{{ 'yes' if flag else 'no' }} {{ 'yes' if none_val }}|{{ 'a' if false else 'b' if true else 'c' }}",
    "{{ -num }} {{ +fnum }} {{ - -neg }} {{ -2 ** 2 }} {{ (-2) ** 2 }} {{ 2 + 3 * 4 }} {{ (2 + 3) * 4 }} {{ 1 - 2 - 3 }} {{ 2 ** 3 ** 2 }}",
    "{{ 10 / 4 }} {{ 10 / 5 }} {{ 1 / 3 }} {{ 2 / 3 * 3 }} {{ 100000000000000000.0 }} {{ 123456789.123456789 }}",
    # subscripts, slicing, attributes
    "{{ messages[0].role }} {{ messages[-1]['content'] }} {{ messages[1]['role'] }} {{ nested.k.deep[1] }} {{ nested['k']['deep'][-1] }} {{ nested.k.deep.0 }}",
    "{{ nums[1:3] }} {{ nums[::-1] }} {{ nums[::2] }} {{ nums[-2:] }} {{ nums[:-2] }} {{ nums[10:] }} {{ nums[5:1:-2] }} {{ text[2:8] }} {{ 'héllo'[::-1] }} {{ 'héllo'[1] }}",
    "{{ messages[10] }}|{{ nums[1.5] }}|{{ nested.missing }}|{{ nested.items is callable }}|{{ nested['items'] }}|{{ nested.values is callable }}|{{ items_dict['zz'] }}|",
    "{{ messages[0].content is defined }} {{ messages[0].nope is defined }} {{ messages[0].nope is undefined }} {{ nope is defined }}",
    # undefined behaviour
    "{{ undefined_name }}|{{ undefined_name | length }}|{{ undefined_name | default('d') }}|{% for x in undefined_name %}x{% endfor %}|{{ undefined_name is iterable }}",
    "{{ undefined_name == undefined_name }} {{ undefined_name is none }} {{ not undefined_name }} {{ 'a' in undefined_name }}",
    "{{ undefined_name.attr }}",
    "{{ undefined_name + 1 }}",
    "{{ undefined_name['k'] }}",
    "{{ messages[0].nope.deeper }}",
    # conditionals
    "{% if num > 5 %}big{% elif num > 2 %}mid{% else %}small{% endif %}",
    "{% if none_val %}a{% elif not none_val and flag %}b{% endif %}",
    "{% if messages[0]['role'] == 'system' %}{% set sys = messages[0]['content'] %}{% endif %}[{{ sys }}]",
    # loops
    "{% for m in messages %}{{ loop.index }}/{{ loop.index0 }}/{{ loop.revindex }}/{{ loop.revindex0 }}/{{ loop.length }}/{{ loop.first }}/{{ loop.last }} {% endfor %}",
    "{% for m in messages %}{{ loop.previtem.role if loop.previtem is defined else 'none' }}>{{ loop.nextitem.role if not loop.last }} {% endfor %}",
    "{% for m in messages if m.role != 'system' %}{{ loop.index }}:{{ m.role }}/{{ loop.length }} {% endfor %}",
    "{% for x in [] %}never{% else %}empty{% endfor %} {% for x in [1] if false %}no{% else %}filtered-empty{% endfor %}",
    "{% for k, v in items_dict.items() %}{{ k }}={{ v }};{% endfor %} {% for k in items_dict %}{{ k }}{% endfor %} {% for c in 'héy' %}[{{ c }}]{% endfor %}",
    "{% for a, b in [(1, 2), [3, 4]] %}{{ a + b }} {% endfor %}",
    "{% for i in range(10) %}{% if i == 2 %}{% continue %}{% endif %}{% if i == 5 %}{% break %}{% endif %}{{ i }}{% endfor %}",
    "{% for i in range(3) %}{% for j in range(i) %}{{ loop.index }}{{ i }}{% endfor %}|{{ loop.index }} {% endfor %}",
    "{% for i in range(2, 10, 3) %}{{ i }}{{ loop.cycle('a', 'b') }}{% endfor %} {{ range(5) | list }} {{ range(5, 0, -2) | list }}",
    "{% for x in [1, 1, 2, 2, 1] %}{% if loop.changed(x) %}{{ x }}{% endif %}{% endfor %}",
    "{% for m in messages[::-1] %}{% set index = (messages|length - 1) - loop.index0 %}{{ index }}{% endfor %}",
    # scoping
    "{% set x = 1 %}{% for i in [1, 2] %}{{ x }}{% set x = x + 1 %}{{ x }}{% endfor %}{{ x }}",
    "{% set ns = namespace(count=0, items=[]) %}{% for m in messages %}{% set ns.count = ns.count + 1 %}{% set ns.items = ns.items + [m.role] %}{% endfor %}{{ ns.count }} {{ ns.items }} {{ ns }}",
    "{% set ns = namespace(a=1) %}{% set ns.b = 'new' %}{{ ns.a }}{{ ns.b }}{{ ns.missing is defined }}",
    "{% set a, b = 1, 2 %}{{ a }}{{ b }}{% set t = (3, 4) %}{% set c, d = t %}{{ c + d }}",
    "{% set block %}\n  inside {{ num }}\n{% endset %}[{{ block }}]{% set up | upper %}shout{% endset %}{{ up }}",
    "{% with a = 5, b = num %}{{ a + b }}{% endwith %}{{ a is defined }}",
    # macros
    "{% macro greet(name, punct='!') %}Hello {{ name }}{{ punct }}{% endmacro %}{{ greet('A') }} {{ greet('B', '?') }} {{ greet(name='C', punct='.') }}",
    "{% macro render(m) -%}\n  <{{ m.role }}>{{ m.content | trim }}\n{%- endmacro %}{% for m in messages %}{{ render(m) }}{% endfor %}",
    "{% set x = 'outer' %}{% macro show() %}{{ x }}{% endmacro %}{% set x = 'changed' %}{{ show() }}",
    "{% macro outer() %}[{{ caller() }}]{% endmacro %}{% call outer() %}body {{ num }}{% endcall %}",
    "{% macro va() %}{{ varargs }}{{ kwargs }}{% endmacro %}{{ va(1, 2, k=3) }}",
    "{% macro m(a) %}{{ a }}{% endmacro %}{{ m() }}|{{ m(1, 2) }}",
    "{% macro fact(n) %}{% if n <= 1 %}1{% else %}{{ n * fact(n - 1) | int }}{% endif %}{% endmacro %}{{ fact(5) }}",
    # filters
    "{{ text | trim }}|{{ text | upper }}|{{ text | lower }}|{{ text | title }}|{{ text | capitalize }}|{{ 'hello world' | title }}|{{ \"it's o'neil mc-donald\" | title }}",
    "{{ nums | length }} {{ nums | count }} {{ 'héllo' | length }} {{ items_dict | length }} {{ nums | first }} {{ nums | last }} {{ 'abc' | first }} {{ [] | first }}|",
    "{{ words | join(', ') }} {{ nums | join }} {{ messages | map(attribute='role') | join('/') }} {{ messages | join('|', attribute='role') }}",
    "{{ nums | sort }} {{ nums | sort(reverse=true) }} {{ words | sort }} {{ words | sort(case_sensitive=true) }} {{ messages | sort(attribute='role') | map(attribute='role') | list }}",
    "{{ nums | unique | list }} {{ words | unique | list }} {{ nums | reverse | list }} {{ 'abc' | reverse }} {{ nums | min }} {{ nums | max }} {{ words | max }} {{ nums | sum }}",
    "{{ items_dict | dictsort }} {{ items_dict | dictsort(reverse=true) }} {{ items_dict | dictsort(by='value') }} {{ items_dict | items | list }}",
    "{{ messages | selectattr('role', 'equalto', 'user') | list | length }} {{ messages | rejectattr('role', 'eq', 'user') | map(attribute='role') | list }} {{ messages | selectattr('tool_calls') | list | length }}",
    "{{ nums | select('odd') | list }} {{ nums | reject('even') | list }} {{ nums | select('greaterthan', 1) | list }} {{ nums | select | list }} {{ words | map('upper') | list }}",
    "{{ messages | map(attribute='name', default='anon') | list }} {{ messages | map(attribute='name') | list }}",
    "{{ none_val | default('x') }} {{ '' | default('x') }} {{ '' | default('x', true) }} {{ undefined_name | d('y') }} {{ 0 | d(5, boolean=true) }}",
    "{{ 'a-b-c' | replace('-', '+') }} {{ 'aaa' | replace('a', 'b', 2) }} {{ 3.7 | int }} {{ '42' | int }} {{ ' 12 ' | int }} {{ '3.9' | int }} {{ 'x' | int }} {{ 'x' | int(7) }} {{ '0x1A' | int(0, 16) }} {{ '1_000' | int }}",
    "{{ '3.5' | float }} {{ 'nan' | float }} {{ 'x' | float }} {{ 2 | float }} {{ 2.567 | round(2) }} {{ 2.5 | round }} {{ 3.5 | round }} {{ 2.675 | round(2) }} {{ 7 | round }} {{ 2.1 | round(0, 'ceil') }} {{ -2.5 | abs }} {{ 1234.5 | round(-2) }}",
    "{{ num | string }} {{ nums | string }} {{ none_val | string }} {{ 'x' | list }} {{ items_dict | list }} {{ 12 | string | length }}",
    "{{ 'a\\nb\\n\\nc' | indent }}|{{ 'a\\nb' | indent(2, true) }}|{{ 'a\\n\\nb' | indent(2, blank=true) }}|{{ 'x' | indent('--', first=true) }}|",
    "{{ '<a href=\"x\">&\\'</a>' | e }} {{ '<b>' | escape }} {{ '<i>' | safe }} {{ 'hello big world' | wordcount }} {{ 'hi' | center(8) }}|",
    "{{ '%s-%d-%.2f-%5s-%-4s|' | format('a', 3, 1.234, 'r', 'l') }} {{ 'x=%(x)s' | format(x=1) }} {{ '%s' % 5 }} {{ '%s and %s' % ('a', 'b') }} {{ '%05.1f' % 3.14159 }}",
    "{{ nums | batch(4) | list }} {{ nums | batch(4, 0) | list }} {{ words | sum(start=[]) if false else 'skip' }}",
    "{{ messages[2].tool_calls[0].function.arguments | tojson }}",
    "{{ tools | tojson }}\n{{ tools | tojson(indent=2) }}\n{{ {'é': 'ü', 'q': '\"\\n\\t\\u0001'} | tojson }}\n{{ {'b': 1, 'a': [1, 2.0, none]} | tojson(sort_keys=true) }}",
    "{{ items_dict | tojson(separators=(',', ':')) }} {{ 'é' | tojson(true) }} {{ [1, [2, {}], []] | tojson(indent=1) }} {{ 1e100 | tojson }} {{ 'x' | tojson(indent='\\t') }} {{ {'a': {'b': []}} | tojson(indent='>>') }}",
    "{% filter upper %}shout {{ num }}{% endfilter %} {% filter trim | title %}   x y   {% endfilter %}",
    "{{ x | nonexistent_filter }}",
    "{% if false %}{{ x | nonexistent_filter }}{% endif %}ok",
    "{{ nums | attr('count') is callable }}",
    # tests
    "{{ num is number }} {{ fnum is float }} {{ num is integer }} {{ flag is boolean }} {{ flag is number }} {{ 'x' is string }} {{ nums is sequence }} {{ items_dict is mapping }} {{ nums is iterable }} {{ num is iterable }}",
    "{{ none_val is none }} {{ flag is true }} {{ 1 is true }} {{ false is false }} {{ num is odd }} {{ num is even }} {{ 9 is divisibleby 3 }} {{ 9 is divisibleby(4) }} {{ 'ABC' is upper }} {{ 'abc' is lower }}",
    "{{ 3 is eq 3 }} {{ 3 is equalto(3) }} {{ 3 is ne 4 }} {{ 3 is lt 4 }} {{ 3 is gt 4 }} {{ 3 is ge 3 }} {{ 3 is le 2 }} {{ 'a' is in 'abc' }} {{ 'upper' is filter }} {{ 'odd' is test }} {{ range is callable }} {{ num is not none }} {{ not num is none }}",
    "{{ messages[0] is mapping }} {{ messages is not string }} {{ tools is none }} {{ tools is defined }} {{ messages[0]['content'] is string }}",
    # string methods
    "{{ text.strip() }}|{{ text.lstrip() }}|{{ text.rstrip() }}|{{ 'xxhixx'.strip('x') }}|{{ '\\n\\nA\\n'.lstrip('\\n') }}|{{ ' \\u3000 wide \\u00a0'.strip() }}|",
    "{{ 'a,b,,c'.split(',') }} {{ '  a  b c '.split() }} {{ 'a b c'.split(' ', 1) }} {{ 'a-b-c'.rsplit('-', 1) }} {{ 'x</think>y</think>z'.split('</think>')[-1] }} {{ 'l1\\nl2\\r\\nl3'.splitlines() }}",
    "{{ 'Hello'.startswith('He') }} {{ 'Hello'.endswith('lo') }} {{ 'Hello'.startswith(('x', 'H')) }} {{ 'hello'.upper() }} {{ 'HeLLo'.lower() }} {{ 'hello world'.title() }} {{ 'hELLO'.capitalize() }} {{ 'ß'.upper() }} {{ 'İ'.lower() | length }}",
    "{{ 'a-b'.replace('-', '--') }} {{ 'hello'.find('l') }} {{ 'hello'.rfind('l') }} {{ 'hello'.find('z') }} {{ 'hello'.count('l') }} {{ ', '.join(['a', 'b']) }} {{ '{} and {}'.format('x', 'y') }} {{ '{name}!'.format(name='n') }} {{ '{0:>5}|{1:.2f}'.format('r', 3.14159) }}",
    "{{ '123'.isdigit() }} {{ 'abc'.isalpha() }} {{ 'ab1'.isalnum() }} {{ '  '.isspace() }} {{ 'Ab'.isupper() }} {{ 'ab'.islower() }} {{ 'ab'.center(6, '*') }} {{ 'ab'.ljust(4, '.') }}| {{ '7'.zfill(3) }} {{ 'a=b=c'.partition('=') }} {{ 'prefix_x'.removeprefix('prefix_') }}",
    "{{ messages[1].content.split(' ')[0] }} {{ messages[0].content.strip().upper()[:3] }} {{ text.replace(' ', '') | length }}",
    # dict / list methods, globals
    "{{ items_dict.keys() | list }} {{ items_dict.values() | list }} {{ items_dict.get('a') }} {{ items_dict.get('zz') }} {{ items_dict.get('zz', 'dflt') }} {{ nums.index(2) }} {{ nums.count(3) }}",
    "{{ dict(a=1, b='x') }} {{ dict(a=1).a }} {{ dict([('k', 'v')]) }} {{ namespace(x=1).x }} {% set j = joiner('/') %}{% for i in range(3) %}{{ j() }}{{ i }}{% endfor %}",
    "{{ strftime_now('%Y-%m-%d %H:%M %d %B %A %j') }} {{ strftime_now('%-d %b') }}",
    "{{ raise_exception('Custom error: ' ~ num) }}",
    "{% if messages|length > 3 %}{{ raise_exception('Too many messages: ' + messages|length|string) }}{% endif %}",
    "{{ [1].append }}|{{ nums.append(4) }}",
    "{{ items_dict.update({'x': 1}) }}",
    "{{ range(200000) | length }}",
    "{{ 'x' ~ 5 ~ 2.0 ~ none ~ true ~ [1, 'a'] ~ {'a': 1} }}",
    "{{ messages[2].tool_calls[0]['function']['arguments']['y'] }} {{ messages[2].tool_calls | length }} {{ messages[2]['tool_calls'][0].function.name }}",
    "{% generation %}gen {{ num }}{% endgeneration %}",
    "{{ 1 + 'a' }}",
    "{{ 'a' < 1 }}",
    "{{ 1 / 0 }}",
    "{% for a, b in [1, 2] %}{% endfor %}",
    # syntax errors
    "{% if %}",
    "{% for x in %}{% endfor %}",
    "{{ }}",
    "{% endif %}",
    "{% if true %}unclosed",
    "{{ 'unterminated }}",
    "{% unknown_tag %}",
    "{{ a b }}",
    "{{ (1, 2 }}",
    "{% break %}",
    "{% macro m(a=1, b) %}{% endmacro %}",
    "{# unterminated comment",
    "{{ x is nonexistent_test }}",
]


# ---------------------------------------------------------------------------------------------
# Random templates: a small grammar over the same context, mixing the constructs above.

ATOMS = ["num", "fnum", "neg", "flag", "none_val", "text", "nums", "words", "items_dict", "messages",
         "messages[0]", "messages[1].content", "nested.k.deep", "undefined_name", "'lit'", "\"dq\"", "3", "0",
         "2.5", "-1", "true", "none", "[1, 2]", "(1, 'a')", "{'k': 2}", "''", "tools", "loop_var"]
BINOPS = ["+", "-", "*", "/", "//", "%", "~", "==", "!=", "<", ">=", "and", "or", "in", "not in"]
# Filters that jinja2 implements as generators are followed by `| list`: a printed generator
# shows a memory address, which no other implementation can reproduce.
FILTERS = ["length", "trim", "upper", "lower", "title", "capitalize", "first", "last", "list", "string", "int",
           "float", "abs", "reverse | list", "sort", "unique | list", "tojson", "join(',')", "default('D')",
           "round(1)", "replace('a', 'b')", "map(attribute='role') | list", "selectattr('role') | list",
           "items | list", "dictsort", "count", "join", "sum", "min", "max", "wordcount", "indent(2)",
           "tojson(indent=1)", "batch(2) | list", "e", "map('upper') | join", "reject('odd') | list"]
TESTS = ["defined", "undefined", "none", "string", "number", "mapping", "iterable", "sequence", "odd", "even",
         "boolean", "true", "false", "integer", "float", "divisibleby 2", "eq 3", "in [1, 2, 3]"]
METHODS = [".strip()", ".upper()", ".split()", ".split(',')", ".startswith('a')", ".endswith('t')",
           ".replace(' ', '_')", ".lower()", ".title()", ".get('k')", ".items()", ".keys()", ".find('e')"]


def random_expr(rng, depth=0):
    r = rng.random()
    if depth > 3 or r < 0.3:
        return rng.choice(ATOMS)
    if r < 0.45:
        return f"({random_expr(rng, depth + 1)} {rng.choice(BINOPS)} {random_expr(rng, depth + 1)})"
    if r < 0.6:
        return f"{random_expr(rng, depth + 1)} | {rng.choice(FILTERS)}"
    if r < 0.7:
        return f"({random_expr(rng, depth + 1)} is {'not ' if rng.random() < 0.3 else ''}{rng.choice(TESTS)})"
    if r < 0.78:
        return f"{rng.choice(['text', 'messages[1].content', 'items_dict', 'words[0]', 'nested'])}{rng.choice(METHODS)}"
    if r < 0.86:
        a, b = rng.choice(["", "1", "-2", "::-1", "1:", ":2", "::2"]), ""
        return f"{rng.choice(['nums', 'text', 'words', 'messages'])}[{a or '0'}]" if not a or ':' not in a else \
            f"{rng.choice(['nums', 'text', 'words'])}[{a}]"
    if r < 0.93:
        return f"({random_expr(rng, depth + 1)} if {random_expr(rng, depth + 1)} else {random_expr(rng, depth + 1)})"
    return f"(not {random_expr(rng, depth + 1)})"


def random_stmt(rng, depth=0):
    r = rng.random()
    ws = lambda: rng.choice(["", "-", "", "+"]) if rng.random() < 0.5 else ""
    pad = lambda: rng.choice(["", " ", "\n", "  \n  ", "\t"])
    if depth > 2 or r < 0.35:
        return f"{pad()}{{{{{ws().replace('+', '')} {random_expr(rng)} {ws().replace('+', '')}}}}}{pad()}"
    if r < 0.5:
        return f"{{%{ws()} if {random_expr(rng)} {ws()}%}}{random_stmt(rng, depth + 1)}{{% else %}}{random_stmt(rng, depth + 1)}{{% endif %}}{pad()}"
    if r < 0.65:
        src = rng.choice(["nums", "words", "messages", "items_dict", "text", "range(3)", "[]"])
        flt = f" if loop_var {rng.choice(['is defined', '!= 3', 'is string'])}" if rng.random() < 0.3 else ""
        body = random_stmt(rng, depth + 1)
        extra = rng.choice(["{{ loop.index }}", "{{ loop.last }}", "{% if loop.first %}F{% endif %}", "", "{% break %}"])
        return f"{pad()}{{% for loop_var in {src}{flt} %}}{extra}{body}{{% endfor %}}{pad()}"
    if r < 0.75:
        return f"{{% set tmp = {random_expr(rng)} %}}{{{{ tmp }}}}"
    if r < 0.85:
        return f"{{% set ns = namespace(v={random_expr(rng)}) %}}{{% set ns.v = ns.v ~ 'x' %}}{{{{ ns.v }}}}"
    word = rng.choice(["text", "with space  ", "tab\t", "nl"])
    return pad() + "literal " + word + "\n"


def random_templates(seed, count):
    rng = random.Random(seed)
    return ["".join(random_stmt(rng) for _ in range(rng.randint(1, 4))) for _ in range(count)]
