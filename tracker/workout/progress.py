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
    ("hold_s", "time on one leg", " s", 1, ("longer", "shorter")),
    ("sway_rms_deg", "sway", "°", -1, ("more sway", "steadier")),
)
# What "done of prescribed" counts, by the kind of exercise: a stance on one leg is done
# for a time, so its share is the time held (each stance up to its target) of the time
# prescribed, not the stances counted.
COMPLETION_WORDS = {
    "reps": "reps done of those prescribed",
    "balance": "time held of that prescribed",
    "hold": "holds done of those prescribed",
}
SAME_PCT = 10.0  # a change smaller than this (or than SAME_SPARC) is "about the same"
SAME_SPARC = 0.2  # SPARC is compared by difference: its values are negative and near -1.4..-8
# A share in % is compared by difference too, in percentage points: 67 % -> 100 % is 33
# points more, and "up 50 %" would read as 50 points.
SAME_POINTS = 10.0
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


def measure_words(key: str, words: str, kind: str) -> str:
    """A measure's words for an exercise of ``kind`` (``TREND_MEASURES``' words otherwise)."""
    return COMPLETION_WORDS.get(kind, words) if key == "completion_pct" else words


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
    order = list(dict.fromkeys(name for name, _ in rows))
    sides = {"painful": 0, "good": 1, None: 2}
    for key in sorted(rows, key=lambda k: (order.index(k[0]), sides[rows[k]["side_role"]])):
        r = rows[key]
        sets = r.pop("_sets")
        mine = [
            rep
            for rep in reps
            if any(s["start_s"] - 0.01 <= rep["start_s"] <= s["end_s"] + 0.01 for s in sets)
        ]
        is_reps = r["kind"] == "reps"
        if r["kind"] == "balance":
            target = r["hold_target_s"] or 0.0
            done = sum(min(s.get("hold_s") or 0.0, target) for s in sets)
            wanted = r["sets_planned"] * target
        else:
            done, wanted = min(r["reps_done"], r["reps_prescribed"]), r["reps_prescribed"]
        r["completion_pct"] = round(100.0 * done / wanted, 1) if wanted else None
        for key in ("depth_deg", "descent_s", "ascent_s", "wobble_deg", "sparc"):
            r[key] = _mean(rep.get(key) for rep in mine) if is_reps else None
        r["hold_s"] = _mean(s.get("hold_s") for s in sets) if r["kind"] == "balance" else None
        r["sway_rms_deg"] = (
            _mean(s.get("sway_rms_deg") for s in sets) if r["kind"] == "balance" else None
        )
        out.append({k: r[k] for k in ROW_FIELDS})
    return out


def side_text(side: str | None, role: str | None) -> str:
    """'left leg (painful)', 'both legs'."""
    if side is None:
        return "both legs"
    return f"{side} leg" + (f" ({role})" if role else "")


def _num(value, unit="", nd=1) -> str:
    return "–" if value is None else f"{value:.{nd}f}{unit}".replace("-", "−")


def row_text(row: dict) -> str:
    """One line for a person: what was done against what was prescribed, and how."""
    done, wanted = row["reps_done"], row["reps_prescribed"]
    head = f"{row['exercise']} · {side_text(row['side'], row['side_role'])}: "
    if row["kind"] == "balance":
        target = row["hold_target_s"]
        if row["hold_s"] is not None:
            held = f"held {_num(row['hold_s'], ' s', 0)}" + (f" of {target:g} s" if target else "")
        else:  # skipped, or no stance long and steady enough to be measured
            held = "not done" if not row["sets_done"] else "no stance measured"
            held += f" (target {target:g} s)" if target else ""
        sway = f" · sway {_num(row['sway_rms_deg'], '°', 2)}" if row["sway_rms_deg"] else ""
        sets = f" ({row['sets_done']}/{row['sets_planned']} stances)" if wanted > 1 else ""
        return head + held + sets + sway
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


def days_text(dates: tuple[str, ...] | list[str]) -> str:
    """The days from the first of ``dates`` to the last: '2 Dec', '2-4 Dec', '30 Nov-2 Dec'."""
    first, last = _date(dates[0]), _date(dates[-1])
    if first is None or last is None or first.year != last.year:
        return day_text(dates[0]) + ("" if dates[0] == dates[-1] else f"-{day_text(dates[-1])}")
    if first.date() == last.date():
        return day_text(dates[-1])
    start = str(first.day) if first.month == last.month else f"{first.day} {first:%b}"
    return f"{start}-{day_text(dates[-1])}"


def _digits(key: str) -> int:
    """Decimals a measure is told with."""
    return 2 if key in ("wobble_deg", "sway_rms_deg", "sparc") else 1 if key == "descent_s" else 0


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
    change_pct: float | None  # None for SPARC and shares in % (compared by difference)
    direction: str  # up | down | same
    verdict: str  # "steadier", "shakier", ... or "" (about the same, or no better way)
    better: bool | None
    window: int = 1  # sessions averaged at each end

    @property
    def where(self) -> str:
        """'Slow single-leg mini-squats, left leg (painful)'."""
        return f"{self.exercise}, {side_text(self.side, self.side_role)}"

    @property
    def text(self) -> str:
        """'Slow mini-squats, left leg (painful): wobble down 35 % since 12 Nov (0.90° → ...'."""
        return f"{self.where}: {self.change}"

    @property
    def change(self) -> str:
        """'wobble down 35 % since 12 Nov (0.90° → 0.59°): steadier'; the values are means
        of a few sessions when there are enough, and then say whose: '(12-14 Nov 0.90° →
        18-20 Nov 0.59°)'. A share in % changes 'from 67 % on 12-14 Nov to 100 % on ...'."""
        nd = _digits(self.measure)
        before, after = _num(self.before, self.unit, nd), _num(self.after, self.unit, nd)
        first, last = self.dates[: self.window], self.dates[-self.window :]
        verdict = f": {self.verdict}" if self.verdict else ""
        if self.measure == "completion_pct" and self.direction != "same":
            span = f"from {before} on {days_text(first)} to {after} on {days_text(last)}"
            return f"{self.words} {self.direction} {span}{verdict}"
        if self.window > 1:
            before, after = f"{days_text(first)} {before}", f"{days_text(last)} {after}"
        since = f"since {day_text(self.since)} ({before} → {after})"
        if self.direction == "same":
            return f"{self.words} about the same {since}"
        size = "" if self.change_pct is None else f" {abs(self.change_pct):.0f} %"
        return f"{self.words} {self.direction}{size} {since}{verdict}"


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
        role, kind = points[-1][1]["side_role"], points[-1][1]["kind"]
        for key, words, unit, better_dir, verdicts in TREND_MEASURES:
            pts = [(d, r[key]) for d, r in points if r[key] is not None]
            if len(pts) < 2:
                continue
            k = max(1, min(window, len(pts) // 2))
            before = sum(v for _, v in pts[:k]) / k
            after = sum(v for _, v in pts[-k:]) / k
            diff = after - before
            if key in ("sparc", "completion_pct"):
                pct, same = None, abs(diff) < (SAME_SPARC if key == "sparc" else SAME_POINTS)
            else:
                pct = 100.0 * diff / abs(before) if before else None
                same = abs(diff) < 1e-9 if pct is None else abs(pct) < SAME_PCT
            direction = "same" if same else ("up" if diff > 0 else "down")
            verdict = "" if same else verdicts[0 if diff > 0 else 1]
            better = None if same or not better_dir else (diff > 0) == (better_dir > 0)
            out.append(
                Trend(
                    exercise, side, role, key, measure_words(key, words, kind), unit,
                    tuple(d for d, _ in pts), tuple(float(v) for _, v in pts),
                    before, after, pts[0][0], pct, direction, verdict, better, k,
                )
            )  # fmt: skip
    return out


@dataclass(frozen=True)
class SidePair:
    """An exercise's painful side against its good side (rows of ``exercise_rows``)."""

    exercise: str
    painful: dict
    good: dict

    @property
    def day(self) -> str:
        return day_text(self.painful["started_utc"])

    @property
    def sides(self) -> str:
        """'painful (left) vs good (right) side'."""
        return f"painful ({self.painful['side']}) vs good ({self.good['side']}) side"

    def part(self, key: str) -> str | None:
        """'wobble 1.20° vs 0.80° (50 % more on the painful side)'; None when a side has
        no value (and for the share done, which says nothing of how)."""
        a, b = self.painful.get(key), self.good.get(key)
        if a is None or b is None or key == "completion_pct":
            return None
        words, unit = next(m[1:3] for m in TREND_MEASURES if m[0] == key)
        nd = _digits(key)
        text = f"{words} {_num(a, unit, nd)} vs {_num(b, unit, nd)}"
        if key != "sparc" and b and abs(a - b) / abs(b) * 100 >= SAME_PCT:
            more = "more" if a > b else "less"
            text += f" ({abs(a - b) / abs(b) * 100:.0f} % {more} on the painful side)"
        return text

    @property
    def text(self) -> str:
        parts = [p for p in (self.part(m[0]) for m in TREND_MEASURES) if p]
        head = f"{self.exercise} on {self.day}, {self.sides}: "
        return head + "; ".join(parts) if parts else ""


def side_pairs(sessions: list[dict]) -> list[SidePair]:
    """The painful side against the good side, per exercise, in its latest session with both."""
    return [
        SidePair(exercise, roles["painful"], roles["good"])
        for exercise, roles in _latest_pairs(sessions).items()
    ]


def side_comparisons(sessions: list[dict]) -> list[str]:
    """``side_pairs`` in words, one line per exercise."""
    return [p.text for p in side_pairs(sessions) if p.text]


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


def program_title(session: dict) -> str:
    """The program as a person knows it: its title ('Hip rehab (short demo)'), which the
    dashboard shows, else its name."""
    coach = (session.get("summary") or {}).get("coach") or {}
    return coach.get("title") or session.get("program") or coach.get("program") or "?"


def session_headline(session: dict) -> str:
    """'Session 12 · 19 Nov 09:15 · Hip rehab (short demo): 48/50 reps, 6/6 sets (simulated)'."""
    rows = exercise_rows(session)
    coach = (session.get("summary") or {}).get("coach") or {}
    reps = sum(r["reps_done"] for r in rows if r["kind"] == "reps")
    wanted = sum(r["reps_prescribed"] for r in rows if r["kind"] == "reps")
    d = _date(session["started_utc"])
    when = f"{day_text(session['started_utc'])} {d:%H:%M}" if d else session["started_utc"]
    sets = f"{coach.get('sets_done', 0)}/{coach.get('sets_planned', 0)} sets"
    sim = " (simulated)" if session.get("simulated") else ""
    return f"Session {session['id']} · {when} · {program_title(session)}: " + (
        f"{reps}/{wanted} reps, {sets}{sim}"
    )


def trend_group(sessions: list[dict]) -> tuple[list[dict], str]:
    """The sessions a trend is drawn over: the real ones when there are any (simulated
    data never mixes with a person's), else the simulated ones; and a label."""
    real = [s for s in sessions if not s.get("simulated")]
    if real:
        return real, ""
    return sessions, " (simulated sessions)"
