"""One validation layer for the TOML data files (firmware profiles, programs, protocols).

Each kind describes its file as msgspec ``Struct`` types: keys, types, choices, bounds,
which keys are needed. msgspec checks a parsed file against them; this module turns its
first complaint into a message in the project's words, naming the file, the line and the
key, and refuses a number that is not finite anywhere in the file. The same types give each
kind's published JSON Schema (``json_schema``). The rules that relate keys to each other
stay with each kind, and raise through ``Document.error`` to read the same.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TypeVar, cast

import msgspec
from msgspec import inspect as mi

from tracker.core.datafiles import number_problem, parse_toml, short_repr
from tracker.core.errors import InputError
from tracker.core.toml_lines import Key, line_of

T = TypeVar("T")
Tags = tuple[str, ...]  # the tags of the kinds' tagged unions are all text

# A message of msgspec: "<what> - at `$.step[0].sets`" (no " - at" for the top table).
_AT = re.compile(r"^(.*?)(?: - at `\$(.*)`)?$", re.S)
_STEP = re.compile(r"\.([^.\[]+)|\[(\d+)\]|\[\.\.\.\]")
_FIELD = re.compile(r"^Object (missing required|contains unknown) field `(.*)`$")


@dataclass(frozen=True)
class Document:
    """A data file being validated: where it came from and its text, for messages.

    ``first_index`` is how the kind counts tables of an array in messages: 1 for
    ``step[1]``, the first step; 0 for ``packets[0]``, the first packet layout.
    """

    origin: str
    text: str
    error_type: type[InputError] = InputError
    first_index: int = 0

    def key_text(self, key: Key) -> str:
        """``condition[1].leg`` for ``("condition", 0, "leg")`` (when indexes start at 1)."""
        out = ""
        for part in key:
            if isinstance(part, int):
                out += f"[{part + self.first_index}]"
            else:
                out += f".{part}" if out else part
        return out

    def error(self, key: Key, message: str) -> InputError:
        """The error for ``key``: ``origin:line: key: message``."""
        line = line_of(self.text, key)
        return self.error_type(message, path=self.origin, line=line, key=self.key_text(key))


def load(text: str, doc: Document, model: type[T]) -> T:
    """``text`` parsed and checked against ``model``; the first problem raised for ``doc``."""
    data = parse_toml(text, doc.origin, doc.error_type)
    try:
        value = msgspec.convert(data, model)
    except msgspec.ValidationError as exc:
        key, message = _explain(str(exc), data, mi.type_info(model))
        raise doc.error(key, message) from None
    bad = _not_finite(data, ())
    if bad is not None:  # a float field without bounds takes nan and inf: none may
        problem = number_problem(bad[1])
        assert problem is not None  # a value that is not finite always has one
        raise doc.error(bad[0], problem)
    return value


def given(struct: msgspec.Struct) -> dict:
    """The fields of ``struct`` that the file gives (``UNSET`` ones left out)."""
    return {
        name: value
        for name in struct.__struct_fields__
        if (value := getattr(struct, name)) is not msgspec.UNSET
    }


def json_schema(model: type, title: str, description: str) -> dict:
    """The JSON Schema of ``model`` for editors, in draft 7 terms (the most widely read)."""
    schema = _for_editors(msgspec.json.schema(model))
    head = {"$schema": "http://json-schema.org/draft-07/schema#", "title": title}
    return {**head, "description": description, **schema}


def _for_editors(node):
    """Draft 7 has no ``prefixItems`` (and reads ``items: false`` as no item at all): a tuple
    of one type becomes ``items`` with a fixed length. Docstrings become one line."""
    if isinstance(node, list):
        return [_for_editors(n) for n in node]
    if not isinstance(node, dict):
        return node
    node = {k: _for_editors(v) for k, v in node.items()}
    if isinstance(node.get("description"), str):
        node["description"] = " ".join(node["description"].split())
    items = node.get("prefixItems")
    if items and all(item == items[0] for item in items):
        del node["prefixItems"]
        node["items"] = items[0]
    return node


def _not_finite(value, key: Key) -> tuple[Key, float] | None:
    """The first nan or inf in ``value`` and its key, or None."""
    if isinstance(value, float) and not math.isfinite(value):
        return key, value
    if not isinstance(value, dict | list):
        return None
    for k, child in value.items() if isinstance(value, dict) else enumerate(value):
        found = _not_finite(child, (*key, k))
        if found is not None:
            return found
    return None


# ------------------------------------------------------------- msgspec's complaint, in words


def _explain(text: str, data: dict, info) -> tuple[Key, str]:
    """The key and the message for msgspec's complaint ``text`` about ``data``."""
    at = _AT.match(text)
    assert at is not None  # the pattern matches any text
    what, path = at.groups()
    key: Key = ()
    value = data
    for name, index in (m.groups() for m in _STEP.finditer(path or "")):
        if name is not None:
            step = name
        elif index is not None:
            step = int(index)
        else:  # msgspec does not say which entry of a table of names: find it
            inner = _child(_plain(info, value)[0], value, None)
            step = next((k for k, v in value.items() if _problem(inner, v)), next(iter(value)))
        info, value, key = _child(info, value, step), value[step], (*key, step)
    field = _FIELD.match(what)
    if field is None:
        return key, _problem(info, value) or what
    kind, name = field.groups()
    if kind == "contains unknown":
        plain, _ = _plain(info, value)
        needed = [f.encode_name for f in getattr(plain, "fields", ()) if f.required]
        absent = [k for k in needed if k not in value]
        if not absent:
            return (*key, name), "unknown key (misspelt?)"
        name = absent[0]  # a needed key misspelt: name the one missing
    child, _ = _plain(_child(info, value, name), None)
    problem = _custom(_child(info, value, name))
    return (*key, name), problem or f"missing (expected {_describe(child)})"


def _plain(info, value):
    """``info`` without its metadata, and the variant of a union that ``value`` is."""
    if isinstance(info, mi.Metadata):
        return _plain(info.type, value)
    if isinstance(info, mi.UnionType):
        options = [t for t in info.types if not isinstance(t, mi.NoneType)]  # UNSET: left out
        if len(options) == 1:
            return _plain(options[0], value)
        tag = options[0].tag_field if isinstance(options[0], mi.StructType) else None
        if tag and isinstance(value, dict):
            for option in options:
                if isinstance(option, mi.StructType) and value.get(tag) == option.tag:
                    return option, value
    return info, value


def _custom(info) -> str | None:
    """A kind's own words for a key (``Meta(extra={"problem": ...})``), if it has them."""
    if isinstance(info, mi.Metadata):
        return (info.extra or {}).get("problem") or _custom(info.type)
    return None


def _child(info, value, step):
    """The type of ``value[step]`` (``step`` None: of any entry of a table of names)."""
    plain, _ = _plain(info, value)
    if isinstance(plain, mi.UnionType):  # a tagged union without a valid tag: the tag
        tags = tuple(t.tag for t in plain.types if isinstance(t, mi.StructType))
        return mi.LiteralType(cast(Tags, tags))
    if isinstance(plain, mi.StructType):
        for f in plain.fields:
            if f.encode_name == step:
                return f.type
        return mi.LiteralType(cast(Tags, (plain.tag,)))  # the tag field
    if isinstance(plain, mi.DictType):
        return plain.value_type
    if isinstance(plain, mi.TupleType):
        return plain.item_types[step]
    return plain.item_type  # a list


def _problem(info, value) -> str | None:
    """What is wrong with ``value`` as ``info``, in the project's words, or None."""
    custom = _custom(info)  # for too few entries: a kind's words say what is needed
    info, _ = _plain(info, value)
    problem = None
    if isinstance(info, mi.IntType | mi.FloatType):
        low = info.gt if info.gt is not None else info.ge
        problem = number_problem(
            value,
            lo=-math.inf if low is None else low,
            hi=math.inf if info.le is None else info.le,
            whole=isinstance(info, mi.IntType),
            allow_lo=info.gt is None,
        )
    elif isinstance(info, mi.StrType | mi.BoolType | mi.LiteralType | mi.StructType):
        if isinstance(info, mi.LiteralType):
            ok = value in info.values
        else:
            ok = isinstance(value, {mi.StrType: str, mi.BoolType: bool}.get(type(info), dict))
        problem = None if ok else f"must be {_describe(info)}, not {short_repr(value)}"
    elif isinstance(info, mi.UnionType | mi.DictType):
        problem = None if isinstance(value, dict) else f"must be a table, not {short_repr(value)}"
    elif isinstance(info, mi.TupleType):
        if not isinstance(value, list) or len(value) != len(info.item_types):
            problem = f"must be {_describe(info)}, not {_brief(value)}"
    elif isinstance(info, mi.ListType | mi.VarTupleType):
        if not isinstance(value, list):
            problem = f"must be {_describe(info)}, not {_brief(value)}"
        elif len(value) < (info.min_length or 0):
            problem = custom or f"must have at least {info.min_length}, not {len(value)}"
    return problem


def _describe(info) -> str:
    """``a whole number``, ``text``, ``one of left, right``, ``a list of tables``..."""
    info, _ = _plain(info, None)
    if isinstance(info, mi.ListType | mi.VarTupleType):
        return f"a list of {_plural(info.item_type)}"
    if isinstance(info, mi.TupleType):
        return f"a list of {len(info.item_types)} {_plural(info.item_types[0])}"
    if isinstance(info, mi.LiteralType):
        return "one of " + ", ".join(str(v) for v in info.values)
    simple: dict[type, str] = {
        mi.IntType: "a whole number",
        mi.FloatType: "a number",
        mi.StrType: "text",
    }
    return simple.get(type(info), "true or false" if isinstance(info, mi.BoolType) else "a table")


def _plural(info) -> str:
    info, _ = _plain(info, None)
    if isinstance(info, mi.LiteralType):
        return "values from " + ", ".join(str(v) for v in info.values)
    simple: dict[type, str] = {
        mi.IntType: "whole numbers",
        mi.FloatType: "numbers",
        mi.StrType: "text",
    }
    return simple.get(type(info), "tables")


def _brief(value) -> str:
    """A short list as written (``[30]``), else what it is."""
    text = repr(value)
    return text if isinstance(value, list) and len(text) <= 40 else short_repr(value)
