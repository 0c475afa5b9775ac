"""Text on the screens' fixed widths: lines that wrap under their own text, and a line that
gives up its least needed words rather than be cut."""

from __future__ import annotations

import re

from rich.text import Text
from textual.content import Content
from textual.css.styles import RulesMap
from textual.strip import Strip
from textual.style import Style
from textual.visual import RenderOptions, Visual

KEY_LEAD = r" +\S+ {2,}"  # a key list's "  s  ": its lines hang under the description


class Hanging(Visual):
    """Lines that wrap with a hanging indent: the rows a line wraps onto start under its
    text, after its lead (``lead``, a pattern matched at the line's start: its indent when
    not given) and ``hang`` more cells, not at the margin where a plain wrap puts them."""

    def __init__(self, content: Content | Text, lead: str = r" *", hang: int = 0) -> None:
        if isinstance(content, Text):
            content = Content.from_rich_text(content)
        self.content = content
        self.lead = re.compile(lead)
        self.hang = hang
        self._wrapped: tuple[int, Content] | None = None

    @property
    def plain(self) -> str:
        return self.content.plain

    def __str__(self) -> str:  # as a Content reads: its text
        return self.content.plain

    def wrap(self, width: int) -> Content:
        """The text in rows of at most ``width`` cells."""
        if self._wrapped is not None and self._wrapped[0] == width:
            return self._wrapped[1]
        rows: list[Content] = []
        for line in self.content.split("\n", allow_blank=True):
            first, *more = line.wrap(width)
            rows.append(first)
            lead = self.lead.match(line.plain)
            indent = (lead.end() if lead else 0) + self.hang
            # no room to hang, or a wrap that moved the text (never seen): a plain wrap
            if not more or indent > width // 2 or not line.plain.startswith(first.plain):
                rows += more
                continue
            rest = line[len(first.plain) :]
            rest = rest[len(rest.plain) - len(rest.plain.lstrip(" ")) :]
            rows += [Content(" " * indent) + row for row in rest.wrap(width - indent)]
        wrapped = Content("\n").join(rows)
        self._wrapped = (width, wrapped)
        return wrapped

    def render_strips(
        self, width: int, height: int | None, style: Style, options: RenderOptions
    ) -> list[Strip]:
        return self.wrap(width).render_strips(width, height, style, options)

    def get_optimal_width(self, rules: RulesMap, container_width: int) -> int:
        return self.content.get_optimal_width(rules, container_width)

    def get_minimal_width(self, rules: RulesMap) -> int:
        return self.content.get_minimal_width(rules)

    def get_height(self, rules: RulesMap, width: int) -> int:
        return self.wrap(width).get_height(rules, width)


def fitting(width: int | None, *candidates: Text) -> Text:
    """The first of ``candidates`` (from the whole line to its fewest words) that fits in
    ``width`` cells; the last one cut with an ellipsis when none does (only on a terminal
    narrower than the screens are made for, or with a clinic's own long names)."""
    for text in candidates:
        if width is None or text.cell_len <= width:
            return text
    last = candidates[-1].copy()
    last.truncate(max(width, 1), overflow="ellipsis")
    return last
