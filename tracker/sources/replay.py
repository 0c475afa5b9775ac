"""Recorded sessions as samples: the same blocks for `tracker analyze` and for replay."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from tracker.types import ImuBlock


def iter_blocks(path: str | Path) -> Iterator[ImuBlock]:
    """The samples of a recording (own format or interchange CSV), in order.

    Packet recordings are decoded with the firmware profile stored in them, so
    replay re-runs decoding exactly as it ran live.
    """
    from tracker.recording import Recording, open_any

    opened = open_any(path)
    if not isinstance(opened, Recording):
        yield opened.block
        return
    if opened.profile_toml is not None:
        from tracker.decode import decode_recording

        yield decode_recording(opened)
        return
    yield from opened.sample_blocks()
