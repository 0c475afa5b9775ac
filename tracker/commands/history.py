"""`tracker history [--json|--csv]`: the home workouts kept in the history, newest first."""

from __future__ import annotations

import csv
import json
import sys
import textwrap

from tracker.core.errors import InputError


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "history",
        help="your home workouts: per session and side, and how they changed",
        description=(
            "The home workouts kept in the history (every tracker live session), newest "
            "first: per exercise and side, reps done against prescribed, depth, time down, "
            "wobble, smoothness, time held on one leg and sway; then each measure's trend in plain "
            "words and the painful side against the good side. Simulated sessions are "
            "marked, and trends use a person's real sessions only when there are any."
        ),
    )
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="one JSON list on stdout")
    out.add_argument("--csv", action="store_true", help="one row per session, exercise and side")
    out.add_argument("--screen", action="store_true", help="the history screen, with plots")
    p.add_argument("--db", metavar="PATH", help="the history database (default: per-user)")
    p.add_argument("--limit", type=int, metavar="N", help="only the newest N sessions")
    p.add_argument(
        "--add-simulated-week",
        type=int,
        nargs="?",
        const=7,
        metavar="DAYS",
        help="first add DAYS (default 7) simulated daily workouts, marked simulated "
        "(needs --db: never into your own history)",
    )
    p.set_defaults(func=run)


def run(args) -> int:
    from tracker.files.history import History

    if args.limit is not None and args.limit < 1:
        raise InputError(f"--limit must be at least 1, not {args.limit}")
    if args.add_simulated_week is not None:
        if not args.db:
            raise InputError("--add-simulated-week needs --db PATH (never your own history)")
        if not 1 <= args.add_simulated_week <= 60:
            raise InputError("--add-simulated-week takes 1 to 60 days")
    with History.open(args.db) as history:
        if args.add_simulated_week is not None:
            from tracker.sim.home import add_simulated_week

            add_simulated_week(history, days=args.add_simulated_week)
        sessions = history.sessions(limit=args.limit or 1_000_000)
        path = history.path
    if args.json:
        print(json.dumps(to_json(sessions), indent=1, ensure_ascii=False))
    elif args.csv:
        write_csv(sessions, sys.stdout)
    elif args.screen:
        from tracker.screens.workout.history import HistoryApp

        HistoryApp(sessions, str(path)).run()
    else:
        print(text(sessions, str(path)), end="")
    return 0


def to_json(sessions: list[dict]) -> list[dict]:
    """The contract's list (newest first), each session with its rows per exercise and side."""
    from tracker.workout.progress import exercise_rows

    return [s | {"exercises": exercise_rows(s)} for s in sessions]


def write_csv(sessions: list[dict], stream) -> None:
    """One row per session, exercise and side; cells a spreadsheet will not run."""
    from tracker.clinic.export import safe_cell
    from tracker.workout.progress import ROW_FIELDS, exercise_rows

    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(ROW_FIELDS)
    for s in sessions:
        for row in exercise_rows(s):
            writer.writerow([safe_cell(row[k]) for k in ROW_FIELDS])


def text(sessions: list[dict], db_path: str, width: int = 80) -> str:
    """The readable history: what changed, the two sides, then each session."""
    from tracker.workout.progress import (
        days_text,
        exercise_rows,
        row_text,
        session_headline,
        side_comparisons,
        trend_group,
        trends,
    )

    if not sessions:
        return (
            f"No workouts in the history yet ({db_path}).\n"
            "Each tracker live session is added when it ends.\n"
        )
    lines: list[str] = []

    def wrapped(line: str, indent: int) -> None:
        """Wrapped between its " · " parts where it can, else between words; what follows
        the first line is indented further, so the next line's start stands out."""
        pad, more, current = " " * indent, " " * (indent + 2), ""
        for part in line.split(" · "):
            joined = f"{current} · {part}" if current else part
            if current and len(pad) + len(joined) > width:
                lines.append(pad + current)
                pad, joined = more, part
            current = joined
        lines.extend(textwrap.wrap(current, width, initial_indent=pad, subsequent_indent=more))

    group, label = trend_group(sessions)
    if len(group) > 1:
        days = days_text(sorted(s["started_utc"] for s in group))
        lines.append(f"What changed, {days}{label}:")
        by_where: dict[str, list] = {}
        for t in trends(group):
            by_where.setdefault(t.where, []).append(t)
        for where, found in by_where.items():
            wrapped(where, 2)
            for t in found:
                if t.direction != "same":
                    wrapped(t.change, 4)
            same = [t.words for t in found if t.direction == "same"]
            if same:
                wrapped("about the same: " + ", ".join(same), 4)
        pairs = side_comparisons(group)
        if pairs:
            lines.append("Painful side against the good side:")
            for p in pairs:
                wrapped(p, 2)
        lines.append("")
    for s in sessions:
        wrapped(session_headline(s), 0)
        for r in exercise_rows(s):
            wrapped(row_text(r), 2)
    lines.append(f"\n{len(sessions)} session{'s' if len(sessions) != 1 else ''} in {db_path}")
    return "\n".join(lines) + "\n"
