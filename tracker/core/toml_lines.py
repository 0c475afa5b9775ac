"""Where each key of a TOML text is written, by line: ``tomllib`` keeps no positions.

A key is a path of names and 0-based indexes, ``("condition", 1, "leg")``. The scan below
is only ever run on text ``tomllib`` has accepted, so it follows valid TOML and nothing
else: table headers, arrays of tables (counted per parent), dotted keys, inline tables,
arrays over several lines, the four kinds of strings and comments.
"""

from __future__ import annotations

import bisect
import contextlib
import tomllib

Key = tuple[str | int, ...]

_QUOTES = ("'", '"')
_BARE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


def line_of(text: str, key: Key) -> int:
    """The line (from 1) where ``key`` is written, else that of the nearest table or array
    around it that is (a missing key: the table it belongs in); 1 for the top table."""
    lines = key_lines(text)
    for end in range(len(key), 0, -1):
        if key[:end] in lines:
            return lines[key[:end]]
    return 1


def key_lines(text: str) -> dict[Key, int]:
    """The line of every table, key and array element written in ``text`` (valid TOML)."""
    scan = _Scan(text)
    # Never expected (tomllib accepted the text); if it happens, the lines found so far.
    with contextlib.suppress(_Lost, IndexError, tomllib.TOMLDecodeError):
        scan.document()
    return scan.lines


class _Lost(Exception):
    """The scan stopped moving: text that is not TOML after all."""


class _Scan:
    """One pass over the text, recording the line where each key first appears."""

    def __init__(self, text: str):
        self.s, self.i = text, 0
        self.breaks = [n for n, c in enumerate(text) if c == "\n"]
        self.lines: dict[Key, int] = {}
        self.arrays: dict[Key, int] = {}  # array-of-tables path: tables so far

    def line(self) -> int:
        return bisect.bisect_left(self.breaks, self.i) + 1

    def moved(self, before: int) -> None:
        if not before < self.i <= len(self.s):
            raise _Lost

    def note(self, key: Key) -> None:
        self.lines.setdefault(key, self.line())

    def peek(self, n: int = 1) -> str:
        return self.s[self.i : self.i + n]

    def blank(self, newlines: bool = False) -> None:
        """Skip spaces and tabs (with ``newlines``: line ends and comments too)."""
        while self.i < len(self.s):
            c = self.s[self.i]
            if c in " \t" or (newlines and c in "\r\n"):
                self.i += 1
            elif newlines and c == "#":
                end = self.s.find("\n", self.i)
                self.i = len(self.s) if end < 0 else end
            else:
                return

    def document(self) -> None:
        table: Key = ()
        while True:
            self.blank(newlines=True)
            if self.i >= len(self.s):
                return
            before = self.i
            if self.peek(2) == "[[":
                table = self.header(array=True)
            elif self.peek() == "[":
                table = self.header(array=False)
            else:
                self.pair(table)
            self.moved(before)

    def header(self, array: bool) -> Key:
        """A ``[table]`` or ``[[array]]`` header: the table it opens, with indexes."""
        self.i += 2 if array else 1
        names = self.key()
        self.i += 2 if array else 1
        where: Key = ()
        for n, name in enumerate(names):
            where += (name,)
            if array and n == len(names) - 1:
                self.note(where)
                count = self.arrays.get(where, 0)
                self.arrays[where] = count + 1
                where += (count,)
            elif where in self.arrays:  # a table inside the latest table of an array
                where += (self.arrays[where] - 1,)
            self.note(where)
        return where

    def pair(self, table: Key) -> None:
        """``key = value`` (a dotted key names tables on the way)."""
        where = table
        for name in self.key():
            where += (name,)
            self.note(where)
        self.blank()
        self.i += 1  # "="
        self.blank()
        self.value(where)

    def key(self) -> list[str]:
        names = []
        while True:
            self.blank()
            start = self.i
            if self.peek() in _QUOTES:
                self.string()
                names.append(tomllib.loads("k = " + self.s[start : self.i])["k"])
            else:
                while self.i < len(self.s) and self.s[self.i] in _BARE:
                    self.i += 1
                names.append(self.s[start : self.i])
            self.blank()
            if self.peek() != ".":
                return names
            self.i += 1

    def value(self, where: Key) -> None:
        c = self.peek()
        if c in _QUOTES:
            self.string()
        elif c == "[":
            self.array(where)
        elif c == "{":
            self.inline_table(where)
        else:  # a number, a date (which may hold a space), true or false
            while self.i < len(self.s) and self.s[self.i] not in ",]}#\r\n":
                self.i += 1

    def array(self, where: Key) -> None:
        self.i += 1
        index = 0
        while True:
            self.blank(newlines=True)
            if self.peek() == "]":
                self.i += 1
                return
            before = self.i
            self.note((*where, index))
            self.value((*where, index))
            index += 1
            self.blank(newlines=True)
            if self.peek() == ",":
                self.i += 1
            self.moved(before)

    def inline_table(self, where: Key) -> None:
        self.i += 1
        while True:
            self.blank()
            if self.peek() == "}":
                self.i += 1
                return
            before = self.i
            self.pair(where)
            self.blank()
            if self.peek() == ",":
                self.i += 1
            self.moved(before)

    def string(self) -> None:
        quote = self.peek()
        if self.peek(3) == quote * 3:  # multi-line: ends at the last three of 3 to 5 quotes
            end = self.s.find(quote * 3, self.i + 3)
            while end >= 0 and quote == '"' and _escaped(self.s, end):
                end = self.s.find(quote * 3, end + 1)
            if end < 0:
                raise _Lost
            run = 3
            while run < 5 and self.s[end + run : end + run + 1] == quote:
                run += 1
            self.i = end + run
            return
        self.i += 1
        while self.s[self.i] != quote:
            self.i += 2 if quote == '"' and self.s[self.i] == "\\" else 1
        self.i += 1


def _escaped(s: str, at: int) -> bool:
    """Whether the character at ``at`` follows an odd number of backslashes."""
    n = 0
    while at - n - 1 >= 0 and s[at - n - 1] == "\\":
        n += 1
    return n % 2 == 1
