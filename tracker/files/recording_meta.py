"""The types of what a recording's header and events hold, checked as it is read.

Recordings are shared between people: a value of the wrong type (``rate_hz = "fast"``,
an ``after_t_s`` in text) is a one-line message naming the file and the key, never a
traceback further on. Keys this version does not use are left alone.
"""

from __future__ import annotations

import math

from tracker.core.datafiles import number_problem, short_repr

LEGS = ("left", "right")
# header "meta": the stream's settings (decoding needs them) and the session's choices
_META_NUMBERS = {
    "rate_hz": {"lo": 0.0, "allow_lo": False},
    "acc_range": {"lo": 0.0, "allow_lo": False},
    "gyr_range": {"lo": 0.0, "allow_lo": False},
    "min_depth_deg": {"lo": 0.0, "hi": 180.0},
}
_META_TEXTS = ("program", "program_toml", "exercise", "started_utc", "kind")  # kind: a simulation's
# events: when they happened, and what the dashboard shows of them
_EVENT_NUMBERS = ("after_t_s", "battery_pct", "rate_hz", "loss_fraction")
_EVENT_TEXTS = ("detail", "command", "reason", "cue")


def meta_problem(meta: dict) -> str | None:
    """What is wrong with the header's ``meta`` for this version, or None."""
    for key, bounds in _META_NUMBERS.items():
        value = meta.get(key)
        if value is not None and (problem := number_problem(value, **bounds)):
            return f"meta.{key} {problem}"
    for key in _META_TEXTS:
        if meta.get(key) is not None and not isinstance(meta[key], str):
            return f"meta.{key} must be text, not {short_repr(meta[key])}"
    for key in ("painful_leg", "sensor_leg"):
        if meta.get(key) is not None and meta[key] not in LEGS:
            return f"meta.{key} must be left or right, not {short_repr(meta[key])}"
    return None


def event_problem(event: dict) -> str | None:
    """What is wrong with an event's fields, or None (``kind`` is known to be text)."""
    problem = number_problem(event.get("t_s"))
    if problem:
        return f"t_s {problem}"
    for key in _EVENT_NUMBERS:
        value = event.get(key)
        if value is not None and (problem := number_problem(value)):
            return f"{key} {problem}"
    for key in _EVENT_TEXTS:
        if event.get(key) is not None and not isinstance(event[key], str):
            return f"{key} must be text, not {short_repr(event[key])}"
    return None


def describe_event(index: int, event: dict) -> str:
    """``event 3 ('recalibrate' at t = 12.0 s)``, for a message."""
    t = event.get("t_s")
    at = f" at t = {t:.1f} s" if isinstance(t, int | float) and math.isfinite(t) else ""
    return f"event {index} ({event.get('kind')!r}{at})"
