"""The published JSON Schemas: up to date with the types, and every shipped file passes its own
(checked by a small draft-7 reader here, which refuses a keyword it does not know)."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest

from tracker.cli import main
from tracker.commands.schemas import schema_texts
from tracker.core import datafiles

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = {
    "firmware-profile.schema.json": "firmware_profiles",
    "program.schema.json": "programs",
    "protocol.schema.json": "protocols",
}
_ANNOTATIONS = {"$schema", "$defs", "title", "description", "default", "discriminator"}
_TYPES = {
    "object": dict,
    "array": list,
    "string": str,
    "boolean": bool,
    "integer": int,
    "number": (int, float),
}


def _problems(value, schema: dict, root: dict, where: str = "") -> list[str]:
    """Where ``value`` breaks ``schema`` (the JSON Schema draft 7 keywords the files use)."""
    unknown = set(schema) - _ANNOTATIONS - set(_CHECKS)
    assert not unknown, f"the reader does not know {unknown}"
    out = []
    for keyword, check in _CHECKS.items():
        if keyword in schema and not check(value, schema[keyword], schema, root, where, out):
            out.append(f"{where or '(top)'}: {keyword} {schema[keyword]!r}")
    return out


def _type(value, name, *_):
    wanted = _TYPES[name]
    return isinstance(value, wanted) and (name in ("boolean",) or not isinstance(value, bool))


def _properties(value, props, schema, root, where, out):
    if isinstance(value, dict):
        for k, sub in props.items():
            if k in value:
                out += _problems(value[k], sub, root, f"{where}.{k}")
    return True


def _additional(value, allowed, schema, root, where, out):
    if not isinstance(value, dict):
        return True
    extra = [k for k in value if k not in schema.get("properties", {})]
    if allowed is False:
        return not extra
    for k in extra:
        out += _problems(value[k], allowed, root, f"{where}.{k}")
    return True


def _items(value, sub, schema, root, where, out):
    for i, item in enumerate(value if isinstance(value, list) else []):
        out += _problems(item, sub, root, f"{where}[{i}]")
    return True


def _ref(value, ref, schema, root, where, out):
    target = root
    for part in ref.removeprefix("#/").split("/"):
        target = target[part]
    out += _problems(value, target, root, where)
    return True


_CHECKS = {
    "$ref": _ref,
    "type": _type,
    "properties": _properties,
    "additionalProperties": _additional,
    "required": lambda v, names, *_: not isinstance(v, dict) or all(n in v for n in names),
    "items": _items,
    "minItems": lambda v, n, *_: not isinstance(v, list) or len(v) >= n,
    "maxItems": lambda v, n, *_: not isinstance(v, list) or len(v) <= n,
    "enum": lambda v, options, *_: any(v == o and type(v) is type(o) for o in options),
    "minimum": lambda v, n, *_: v >= n,
    "maximum": lambda v, n, *_: v <= n,
    "exclusiveMinimum": lambda v, n, *_: v > n,
    "pattern": lambda v, p, *_: re.search(p, v) is not None,
    "anyOf": lambda v, subs, s, root, w, out: any(not _problems(v, x, root, w) for x in subs),
}


def _shipped_files(schema_name: str) -> list[Path]:
    files = sorted(datafiles.shipped_dir(SHIPPED[schema_name]).glob("*.toml"))
    assert files
    return files


def test_the_committed_schemas_are_those_the_types_give():
    texts = schema_texts()
    assert sorted(p.name for p in (ROOT / "schemas").iterdir()) == sorted(texts)
    for name, text in texts.items():
        committed = (ROOT / "schemas" / name).read_text(encoding="utf-8")
        assert committed == text, f"schemas/{name} is stale: run tracker schemas"


def test_the_schemas_are_written_where_asked(tmp_path, capsys):
    assert main(["schemas", str(tmp_path / "here")]) == 0
    assert sorted(p.name for p in (tmp_path / "here").iterdir()) == sorted(SHIPPED)
    assert capsys.readouterr().out.count("\n") == 3


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_every_shipped_file_passes_its_schema(name):
    schema = json.loads(schema_texts()[name])
    for path in _shipped_files(name):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        assert _problems(data, schema, schema) == [], path.name


@pytest.mark.parametrize(
    ("name", "change", "where"),
    [
        ("program.schema.json", lambda d: d["step"][0].update(colour=1), ".step[0]"),
        ("program.schema.json", lambda d: d["step"][1].update(sets=0), ".step[1].sets"),
        ("protocol.schema.json", lambda d: d["condition"][0].update(leg="up"), ".condition[0].leg"),
        ("protocol.schema.json", lambda d: d.update(name="a b"), ".name"),
        ("firmware-profile.schema.json", lambda d: d["battery"].update(source="x"), ".battery"),
        ("firmware-profile.schema.json", lambda d: d["acc"].update(axes=["x", "y"]), ".acc.axes"),
        ("firmware-profile.schema.json", lambda d: d["gatt"].update(data=1), ".gatt.data"),
        ("firmware-profile.schema.json", lambda d: d.pop("commands"), "(top)"),
    ],
)
def test_a_schema_refuses_what_the_loader_refuses(name, change, where):
    schema = json.loads(schema_texts()[name])
    path = _shipped_files(name)[-1]
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    change(data)
    assert any(p.startswith(f"{where}:") for p in _problems(data, schema, schema)), path.name


def test_a_folder_that_cannot_be_written_is_one_line(tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    assert main(["schemas", str(blocker / "inside")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot write" in err and "Traceback" not in err
