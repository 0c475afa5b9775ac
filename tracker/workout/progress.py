"""Home progress: each stored workout per exercise and side, and its trends in plain words.

A session in the history keeps the pipeline's summary (every rep) and the coach's (every set
with its leg, and what the program prescribed). Here they become one row per exercise and
side of a session (reps done against prescribed, depth, tempo, wobble, smoothness, balance
hold and sway), trends of each measure over the sessions ("wobble down 35 % since 12 Nov")
and the painful side against the good side. Headless: the CLI and the dashboard both use it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

# Measures a trend is drawn for: (key, words, unit, the better direction: -1 lower, +1
# higher, 0 neither), and the words for a change (up, down).
TREND_MEASURES = (
    ("completion_pct", "reps done of those prescribed", " %", 1, ("more done", "fewer done")),
    ("depth_deg", "depth", "°", 0, ("deeper", "shallower")),
    ("descent_s", "time on the way down", " s", 0, ("slower down", "faster down")),
    ("wobble_deg", "wobble", "°", -1, ("shakier", "steadier")),
    ("sparc", "smoothness (SPARC)", "", 1, ("smoother", "less smooth")),
    ("hold_s", "balance hold", " s", 1, ("longer", "shorter")),
    ("sway_rms_deg", "sway", "°", -1, ("more sway", "steadier")),
)
SAME_PCT = 10.0  # a change smaller than this (or than SAME_SPARC) is "about the same"
SAME_SPARC = 0.2  # SPARC is compared by difference: its values are negative and near -1.4..-8
ROW_FIELDS = (
    "session_id",
    "started_utc",
    "program",
    "simulated",
    "exercise",
    "kind",
    "side",
    "side_role",
    "sets_done",
    "sets_planned",
    "reps_done",
    "reps_prescribed",
    "completion_pct",
    "depth_deg",
    "descent_s",
    "ascent_s",
    "wobble_deg",
    "sparc",
    "hold_s",
    "hold_target_s",
    "sway_rms_deg",
    "recording_path",
)


def _mean(values) -> float | None:
    vals = [float(v) for v in values if v is not None and math.isfinite(float(v))]
    return round(sum(vals) / len(vals), 3) if vals else None


def _role(leg: str | None, painful: str | None) -> str | None:
    if leg is None or painful is None:
        return None
    return "painful" if leg == painful else "good"


def _leg(role: str | None, painful: str | None) -> str | None:
    if role is None or painful not in ("left", "right"):
        return None
    return painful if role == "painful" else ("left" if painful == "right" else "right")


def exercise_rows(session: dict) -> list[dict]:
    """One row per exercise and side of a stored session (``History.sessions()`` item)."""
    summary = session.get("summary") or {}
    coach = summary.get("coach") or {}
    painful = coach.get("painful_leg")
    reps = summary.get("reps") or []
    rows: dict[tuple, dict] = {}

    def row(step: dict, leg: str | None) -> dict:
        key = (step["name"], leg)
        if key not in rows:
            rows[key] = {
                "session_id": session.get("id"),
                "started_utc": session.get("started_utc"),
                "program": session.get("program"),
                "simulated": bool(session.get("simulated")),
                "exercise": step["name"],
                "kind": step["kind"],
                "side": leg,
                "side_role": _role(leg, painful),
                "sets_done": 0,
                "sets_planned": 0,
                "reps_done": 0,
                "reps_prescribed": 0,
                "hold_target_s": step.get("hold_s") if step["kind"] == "balance" else None,
                "recording_path": session.get("recording_path"),
                "_sets": [],
            }
        return rows[key]

    for step in coach.get("steps", []):
        planned = step.get("planned")
        for p in planned or []:
            r = row(step, _leg(p["side"], painful) if p["side"] else None)
            r["sets_planned"] += 1
            r["reps_prescribed"] += int(p["target"])
        for s in step.get("sets", []):
            r = row(step, s.get("side"))
            if s.get("ended") != "skipped" or s.get("reps"):
                r["sets_done"] += 1
            r["reps_done"] += int(s.get("reps", 0)) + int(s.get("extra_reps", 0))
            if not planned:  # stored before the plan was kept: what the sets asked for
                r["sets_planned"] += 1
                r["reps_prescribed"] += int(s.get("target", 0))
            r["_sets"].append(s)
    out = []
    for r in rows.values():
        sets = r.pop("_sets")
        mine = [
            rep
            for rep in reps
            if any(s["start_s"] - 0.01 <= rep["start_s"] <= s["end_s"] + 0.01 for s in sets)
        ]
        is_reps = r["kind"] == "reps"
        r["completion_pct"] = (
            round(100.0 * min(r["reps_done"], r["reps_prescribed"]) / r["reps_prescribed"], 1)
            if r["reps_prescribed"]
            else None
        )
        for key in ("depth_deg", "descent_s", "ascent_s", "wobble_deg", "sparc"):
            r[key] = _mean(rep.get(key) for rep in mine) if is_reps else None
        r["hold_s"] = _mean(s.get("hold_s") for s in sets) if r["kind"] == "balance" else None
        r["sway_rms_deg"] = (
            _mean(s.get("sway_rms_deg") for s in sets) if r["kind"] == "balance" else None
        )
        out.append({k: r[k] for k in ROW_FIELDS})
    return out


def side_text(row: dict) -> str:
    if row["side"] is None:
        return "both legs"
    role = f" ({row['side_role']})" if row["side_role"] else ""
    return f"{row['side']} leg{role}"


def _num(value, unit="", nd=1) -> str:
    return "–" if value is None else f"{value:.{nd}f}{unit}".replace("-", "−")


def row_text(row: dict) -> str:
    """One line for a person: what was done against what was prescribed, and how."""
    done, wanted = row["reps_done"], row["reps_prescribed"]
    head = f"{row['exercise']} · {side_text(row)}: "
    if row["kind"] == "balance":
        held = "not held" if row["hold_s"] is None else f"held {_num(row['hold_s'], ' s', 0)}"
        target = f" of {row['hold_target_s']:g} s" if row["hold_target_s"] else ""
        sway = f" · sway {_num(row['sway_rms_deg'], '°', 2)}" if row["sway_rms_deg"] else ""
        sets = f" ({row['sets_done']}/{row['sets_planned']} stances)" if wanted > 1 else ""
        return head + held + target + sets + sway
    if row["kind"] == "hold":
        return head + f"{done}/{wanted} holds"
    parts = [f"{done}/{wanted} reps"]
    if row["depth_deg"] is not None:
        parts += [
            f"depth {_num(row['depth_deg'], '°', 0)}",
            f"{_num(row['descent_s'], ' s')} down",
            f"wobble {_num(row['wobble_deg'], '°', 2)}",
            f"SPARC {_num(row['sparc'], '', 2)}",
        ]
    return head + " · ".join(parts)


def _date(started_utc: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(str(started_utc).replace("Z", "+00:00"))
    except ValueError:
        return None


def day_text(started_utc: str | None) -> str:
    """'12 Nov' (with the year when it is not this year's)."""
    d = _date(started_utc)
    if d is None:
        return str(started_utc)
    year = "" if d.year == datetime.now().year else f" {d.year}"
    return f"{d.day} {d:%b}{year}"


@dataclass(frozen=True)
class Trend:
    """One measure of one exercise and side over the sessions, oldest first."""

    exercise: str
    side: str | None
    side_role: str | None
    measure: str
    words: str
    unit: str
    dates: tuple[str, ...]  # started_utc of each point
    values: tuple[float, ...]
    before: float  # mean of the first sessions
    after: float  # mean of the last sessions
    since: str  # started_utc of the first session
    change_pct: float | None  # None for SPARC (compared by difference)
    direction: str  # up | down | same
    verdict: str  # "steadier", "shakier", ... or "" (about the same, or no better way)
    better: bool | None

    @property
    def where(self) -> str:
        """'Slow single-leg mini-squats, left leg (painful)'."""
        where = self.exercise + ("" if self.side is None else f", {self.side} leg")
        return where + (f" ({self.side_role})" if self.side_role else "")

    @property
    def text(self) -> str:
        """'Slow mini-squats, left leg (painful): wobble down 35 % since 12 Nov (0.90° → ...'."""
        return f"{self.where}: {self.change}"

    @property
    def change(self) -> str:
        """'wobble down 35 % since 12 Nov (0.90° → 0.59°): steadier'."""
        nd = 2 if self.measure in ("wobble_deg", "sway_rms_deg", "sparc") else 1
        nd = 0 if self.measure in ("completion_pct", "hold_s", "depth_deg") else nd
        span = f"{_num(self.before, self.unit, nd)} → {_num(self.after, self.unit, nd)}"
        since = day_text(self.since)
        if self.direction == "same":
            return f"{self.words} about the same since {since} ({span})"
        size = "" if self.change_pct is None else f" {abs(self.change_pct):.0f} %"
        verdict = f": {self.verdict}" if self.verdict else ""
        return f"{self.words} {self.direction}{size} since {since} ({span}){verdict}"


def _series(sessions: list[dict]) -> dict[tuple, list[tuple[str, dict]]]:
    """(exercise, side) -> [(started_utc, row)], oldest first."""
    out: dict[tuple, list] = {}
    for s in sorted(sessions, key=lambda s: (s["started_utc"], s["id"])):
        for r in exercise_rows(s):
            out.setdefault((r["exercise"], r["side"]), []).append((s["started_utc"], r))
    return out


def trends(sessions: list[dict], *, window: int = 3) -> list[Trend]:
    """Each measure's change from the first sessions to the last ones (means of up to
    ``window`` each, fewer when there are few sessions), per exercise and side."""
    out = []
    for (exercise, side), points in _series(sessions).items():
        role = points[-1][1]["side_role"]
        for key, words, unit, better_dir, verdicts in TREND_MEASURES:
            pts = [(d, r[key]) for d, r in points if r[key] is not None]
            if len(pts) < 2:
                continue
            k = max(1, min(window, len(pts) // 2))
            before = sum(v for _, v in pts[:k]) / k
            after = sum(v for _, v in pts[-k:]) / k
            diff = after - before
            if key == "sparc":
                pct, same = None, abs(diff) < SAME_SPARC
            else:
                pct = 100.0 * diff / abs(before) if before else None
                same = abs(diff) < 1e-9 if pct is None else abs(pct) < SAME_PCT
            direction = "same" if same else ("up" if diff > 0 else "down")
            verdict = "" if same else verdicts[0 if diff > 0 else 1]
            better = None if same or not better_dir else (diff > 0) == (better_dir > 0)
            out.append(
                Trend(
                    exercise, side, role, key, words, unit,
                    tuple(d for d, _ in pts), tuple(float(v) for _, v in pts),
                    before, after, pts[0][0], pct, direction, verdict, better,
                )
            )  # fmt: skip
    return out


def side_comparisons(sessions: list[dict]) -> list[str]:
    """The painful side against the good side, per exercise, in its latest session with both."""
    lines = []
    for exercise, by_role in _latest_pairs(sessions).items():
        painful, good = by_role["painful"], by_role["good"]
        parts = []
        for key, words, unit, _, _ in TREND_MEASURES:
            a, b = painful.get(key), good.get(key)
            if a is None or b is None or key == "completion_pct":
                continue
            nd = 2 if key in ("wobble_deg", "sway_rms_deg", "sparc") else 0
            text = f"{words} {_num(a, unit, nd)} vs {_num(b, unit, nd)}"
            if key != "sparc" and b and abs(a - b) / abs(b) * 100 >= SAME_PCT:
                more = "more" if a > b else "less"
                text += f" ({abs(a - b) / abs(b) * 100:.0f} % {more} on the painful side)"
            parts.append(text)
        if parts:
            day = day_text(painful["started_utc"])
            lines.append(
                f"{exercise} on {day}, painful ({painful['side']}) vs good ({good['side']}) "
                f"side: " + "; ".join(parts)
            )
    return lines


def _latest_pairs(sessions: list[dict]) -> dict[str, dict[str, dict]]:
    out: dict[str, dict[str, dict]] = {}
    for s in sorted(sessions, key=lambda s: (s["started_utc"], s["id"])):
        by_ex: dict[str, dict[str, dict]] = {}
        for r in exercise_rows(s):
            if r["side_role"] and (r["reps_done"] or r["hold_s"] is not None):
                by_ex.setdefault(r["exercise"], {})[r["side_role"]] = r
        for ex, roles in by_ex.items():
            if {"painful", "good"} <= set(roles):
                out[ex] = roles
    return out


def session_headline(session: dict) -> str:
    """'Session 12 · 19 Nov 09:15 · demo: 48/50 reps, 6/6 sets (simulated)'."""
    rows = exercise_rows(session)
    coach = (session.get("summary") or {}).get("coach") or {}
    reps = sum(r["reps_done"] for r in rows if r["kind"] == "reps")
    wanted = sum(r["reps_prescribed"] for r in rows if r["kind"] == "reps")
    d = _date(session["started_utc"])
    when = f"{day_text(session['started_utc'])} {d:%H:%M}" if d else session["started_utc"]
    sets = f"{coach.get('sets_done', 0)}/{coach.get('sets_planned', 0)} sets"
    sim = " (simulated)" if session.get("simulated") else ""
    return f"Session {session['id']} · {when} · {session.get('program') or '?'}: " + (
        f"{reps}/{wanted} reps, {sets}{sim}"
    )


def trend_group(sessions: list[dict]) -> tuple[list[dict], str]:
    """The sessions a trend is drawn over: the real ones when there are any (simulated
    data never mixes with a person's), else the simulated ones; and a label."""
    real = [s for s in sessions if not s.get("simulated")]
    if real:
        return real, ""
    return sessions, " (simulated sessions)"
