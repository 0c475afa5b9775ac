"""The locator of keys in TOML text: every key written, found on its line, however written."""

from __future__ import annotations

import json
import re
import tomllib

from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.core.toml_lines import key_lines, line_of

NAMES = st.text(alphabet="abxyz_-", min_size=1, max_size=3) | st.sampled_from(
    ["a.b", "sp ace", 'q"t', "é", "[x]", "#"]
)
TRICKY = "ab#[]={},\"'\\\n "
SCALARS = st.one_of(
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.text(alphabet=TRICKY, max_size=8).map(lambda s: json.dumps(s, ensure_ascii=False)),
    st.text(alphabet=TRICKY.replace("'", "").replace("\n", ""), max_size=8).map(lambda s: f"'{s}'"),
    st.sampled_from(["1979-05-27 07:32:00Z", "07:32:00", "0x1F", "1_000", "+inf"]),
)
MULTILINE = st.text(alphabet='ab#[]=\n "', max_size=12).map(
    lambda s: '"""' + s.replace('"', "'") + '"""'
) | st.text(alphabet="ab#[]=\n \"'", max_size=12).map(lambda s: "'''" + s.replace("'", '"') + "'''")


def _scalar_text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else repr(value)


def _name(name: str) -> str:
    return name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else json.dumps(name, ensure_ascii=False)


class _Writer:
    """TOML text written line by line, noting the line each key is written on."""

    def __init__(self):
        self.parts: list[str] = []
        self.line = 1
        self.lines: dict[tuple, int] = {}

    def put(self, text: str, *keys: tuple) -> None:
        for key in keys:
            self.lines.setdefault(key, self.line)
        self.parts.append(text + "\n")
        self.line += text.count("\n") + 1

    def pairs(self, table: tuple, items, draw) -> None:
        for name, style in items:
            key = (*table, name)
            if style == "scalar":
                self.put(f"{_name(name)} = {_scalar_text(draw(SCALARS))}  # [no] = x", key)
            elif style == "multiline":
                self.put(f"{_name(name)} = {draw(MULTILINE)}", key)
            elif style == "dotted":
                inner = draw(NAMES)
                value = _scalar_text(draw(SCALARS))
                self.put(f"{_name(name)} . {_name(inner)} = {value}", key, (*key, inner))
            elif style == "inline":
                names = draw(st.lists(NAMES, unique=True, max_size=3))
                body = ", ".join(f"{_name(n)} = {_scalar_text(draw(SCALARS))}" for n in names)
                self.put(f"{_name(name)} = {{ {body} }}", key, *[(*key, n) for n in names])
            else:  # an array over several lines, of scalars or inline tables
                self.put(f"{_name(name)} = [  # a [comment]", key)
                for i in range(draw(st.integers(0, 3))):
                    if draw(st.booleans()):
                        inner = draw(NAMES)
                        self.put(f"  {{ {_name(inner)} = 1 }},", (*key, i), (*key, i, inner))
                    else:
                        self.put(f"  {_scalar_text(draw(SCALARS))} ,", (*key, i))
                    if draw(st.booleans()):
                        self.put("")
                self.put("]")


STYLES = st.sampled_from(["scalar", "multiline", "dotted", "inline", "array"])


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_every_key_is_found_on_the_line_it_is_written(data):
    draw = data.draw
    names = draw(st.lists(NAMES, unique=True, min_size=1, max_size=9))
    top, tables, arrays = names[:3], names[3:6], names[6:]
    w = _Writer()
    w.pairs((), [(n, draw(STYLES)) for n in top], draw)
    for t in tables:
        w.put(f"[ {_name(t)} ]", (t,))
        w.pairs((t,), [(n, draw(STYLES)) for n in draw(st.lists(NAMES, unique=True))], draw)
    for t in arrays:
        for i in range(draw(st.integers(1, 3))):
            w.put(f"[[{_name(t)}]]  # [[not]]", (t,), (t, i))
            own = draw(st.lists(NAMES, unique=True, max_size=3))
            w.pairs((t, i), [(n, draw(STYLES)) for n in own if n != "sub"], draw)
            if draw(st.booleans()):
                w.put(f"[{_name(t)}.sub]", (t, i, "sub"))
                w.pairs((t, i, "sub"), [("x", draw(STYLES))], draw)
    text = "".join(w.parts)
    tomllib.loads(text)  # the text is valid TOML
    assert key_lines(text) == w.lines


def test_a_missing_key_is_placed_at_its_table_and_an_unknown_table_at_the_top():
    text = 'name = "x"\n\n[[condition]]\nname = "a"\n\n[[condition]]\nname = "b"\n'
    assert line_of(text, ("condition", 1, "leg")) == 6
    assert line_of(text, ("condition", 1, "name")) == 7
    assert line_of(text, ("nothing", 0)) == 1
    assert line_of(text, ()) == 1


def test_text_that_is_not_toml_gives_what_it_found_and_no_error():
    lines = key_lines('a = 1\nb = [1, 2\n"')
    assert (lines[("a",)], lines[("b",)], lines[("b", 1)]) == (1, 2, 2)
    for text in ['"', "[[", "a = [", "a = {", "= = =", "[a", "'''", "a.", "]]]", "x = 1 2 3"]:
        key_lines(text)
