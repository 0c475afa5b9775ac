"""The documentation names what is there: every repository path, every ``tracker.x.y``
module or name, every ``from tracker... import ...`` and every relative link in the
Markdown files resolves in the tree, so the docs cannot drift from the code."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_SOURCE_DIRS = [ROOT / "tracker", ROOT / "tests", ROOT / "bench"]
DOCS = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md"), ROOT / "recordings/README.md"])

# A repository path: it starts a word (not inside ~/.config/tracker/... or ../shared/...).
_PATH = re.compile(r"(?<![\w./~-])((?:tracker|tests|bench|firmware_profiles|docs)/[\w./*<>-]*)")
# A dotted name under the package, e.g. tracker.sim.ble.fake or tracker.clinic.norms.NORMS.
_DOTTED = re.compile(r"(?<![\w./-])(tracker(?:\.\w+)+)")
_FROM_IMPORT = re.compile(r"^\s*from\s+(tracker(?:\.\w+)*)\s+import\s+(\([^)]*\)|[^\n#]+)", re.M)
_LINK = re.compile(r"\]\(([^)\s]+)\)")
# A source or style file named on its own in backticks, e.g. `coach.py` or `decoders/base.py`.
_FILE = re.compile(r"`([\w*/-]+\.(?:py|tcss))`")


def _text(doc: Path) -> str:
    return doc.read_text(encoding="utf-8")


def _where(doc: Path) -> str:
    return str(doc.relative_to(ROOT))


def _paths(doc: Path) -> list[str]:
    return sorted({m.rstrip(".,:;") for m in _PATH.findall(_text(doc))})


def _module_and_rest(dotted: str) -> tuple[str, list[str]]:
    """The longest prefix of ``dotted`` that is a module in the tree, and the names after it."""
    parts = dotted.split(".")
    for end in range(len(parts), 0, -1):
        base = ROOT.joinpath(*parts[:end])
        if base.with_suffix(".py").is_file() or (base / "__init__.py").is_file():
            return ".".join(parts[:end]), parts[end:]
    return "", parts


def _resolves(dotted: str) -> bool:
    module, rest = _module_and_rest(dotted)
    if not module:
        return False
    obj = importlib.import_module(module)
    for name in rest:
        if not hasattr(obj, name):
            return False
        obj = getattr(obj, name)
    return True


def _dotted_names(doc: Path) -> list[str]:
    text = _text(doc)
    names = {m.rstrip(".") for m in _DOTTED.findall(text)}
    for module, imported in _FROM_IMPORT.findall(text):
        for item in imported.strip("()").split(","):
            name = item.split("#")[0].split(" as ")[0].strip()
            if name:
                names.add(f"{module}.{name}")
    return sorted(names)


@pytest.mark.parametrize("doc", DOCS, ids=_where)
def test_every_repository_path_in_the_docs_exists(doc):
    # `*` and a `<placeholder>` stand for any name: some file must match
    globs = {p: re.sub(r"<[^>]*>", "*", p).rstrip("/") for p in _paths(doc)}
    missing = [p for p, pattern in globs.items() if not any(ROOT.glob(pattern))]
    assert missing == [], f"{_where(doc)} names paths that do not exist: {missing}"


def _somewhere(name: str) -> bool:
    """A file of the repository is ``name``, or ends with it (in tracker/, tests/, bench/)."""
    return any(ROOT.glob(name)) or any(any(d.glob(f"**/{name}")) for d in _SOURCE_DIRS)


@pytest.mark.parametrize("doc", DOCS, ids=_where)
def test_every_file_named_alone_in_the_docs_exists_somewhere(doc):
    names = sorted(set(_FILE.findall(_text(doc))))
    missing = [n for n in names if not _somewhere(n)]
    assert missing == [], f"{_where(doc)} names files that exist nowhere: {missing}"


@pytest.mark.parametrize("doc", DOCS, ids=_where)
def test_every_tracker_module_and_name_in_the_docs_exists(doc):
    missing = [n for n in _dotted_names(doc) if not _resolves(n)]
    assert missing == [], f"{_where(doc)} names modules or names that do not exist: {missing}"


@pytest.mark.parametrize("doc", DOCS, ids=_where)
def test_every_relative_link_in_the_docs_exists(doc):
    targets = [t.split("#")[0] for t in _LINK.findall(_text(doc))]
    local = [t for t in targets if t and "://" not in t and not t.startswith("mailto:")]
    missing = [t for t in local if not (doc.parent / t).exists()]
    assert missing == [], f"{_where(doc)} links to files that do not exist: {missing}"


def test_the_checks_see_an_old_path_and_module():
    stale = "see `tracker/dashboard/model.py` and `tracker.sources.ble`"
    assert _PATH.findall(stale) == ["tracker/dashboard/model.py"]
    assert not any(ROOT.glob("tracker/dashboard/model.py"))
    assert not _resolves("tracker.sources.ble")
    assert _resolves("tracker.sim.ble.simulated_ble_source")
    assert _PATH.findall("~/.config/tracker/programs and ../shared/tracker/x") == []
