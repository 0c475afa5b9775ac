"""Command-line verbs, one module each."""

from __future__ import annotations

import argparse
import math
import os


def depth_deg(text: str) -> float:
    """``--min-depth``: degrees of thigh inclination, above 0 and at most 180."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not (math.isfinite(value) and 0 < value <= 180):
        raise argparse.ArgumentTypeError(f"must be above 0 and at most 180 degrees, not {text}")
    return value


def folder(text: str) -> str:
    """``--profiles-dir`` and ``--protocols``: a folder that exists (a mistyped one was
    ignored without a word)."""
    if not os.path.isdir(text):
        why = "not a folder" if os.path.exists(text) else "no such folder"
        raise argparse.ArgumentTypeError(f"{why}: {text}")
    return text
