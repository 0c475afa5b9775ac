"""`tracker assess ...`: clinic assessments from the command line (patients, visits, scoring,
results, exports); plain `tracker assess` opens the interactive screens when installed."""

from __future__ import annotations

import argparse
import os
import re
import sys
import uuid
from pathlib import Path

from tracker.commands import folder
from tracker.core.errors import InputError, RecordingError

SUBCOMMANDS = {
    "protocols": "list the assessment protocols",
    "patient": "add, list, show, edit or delete pseudonymous patients",
    "visit": "start or list a patient's visits",
    "score": "score a recording as one trial of a protocol condition",
    "discard": "discard a trial, keeping it with the reason",
    "results": "a visit's results by condition, with norms",
    "trends": "a patient's results across visits, with the smallest real change",
    "export": "all results as CSV (spreadsheet-safe) or JSON",
}


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "assess",
        help="clinic balance assessments: protocols, patients, trials, results",
        description=(
            "Clinic balance assessments (docs/clinic.md). Without a subcommand, the "
            "interactive assessment screens run in the dashboard when installed. "
            "Data stay on this computer, readable by the user only."
        ),
    )
    _common(p)
    sub = p.add_subparsers(dest="assess_command", metavar="SUBCOMMAND", parser_class=type(p))

    q = sub.add_parser("protocols", help=SUBCOMMANDS["protocols"])
    _common(q)
    q.add_argument("--json", action="store_true", help="one JSON list on stdout")
    q.set_defaults(func=run_protocols)

    q = sub.add_parser("patient", help=SUBCOMMANDS["patient"])
    _common(q)
    ps = q.add_subparsers(dest="patient_command", metavar="ACTION", parser_class=type(p))
    ps.required = True
    a = ps.add_parser("add", help="add a patient (a pseudonymous ID; names are never needed)")
    _common(a)
    a.add_argument("id", help="pseudonymous ID: letters, digits, '-', '_', '.'")
    a.add_argument(
        "--age-band", required=True, help="e.g. 65-69 or 80+ (5-year bands suit the norms)"
    )
    a.add_argument("--sex", choices=("female", "male"), help="for sex-specific norms (optional)")
    a.add_argument("--notes", default="", help="free notes (no names)")
    a.set_defaults(func=run_patient_add)
    a = ps.add_parser("list", help="list patients")
    _common(a)
    a.add_argument("--json", action="store_true")
    a.set_defaults(func=run_patient_list)
    a = ps.add_parser("show", help="a patient with their visits")
    _common(a)
    a.add_argument("id")
    a.add_argument("--json", action="store_true")
    a.set_defaults(func=run_patient_show)
    a = ps.add_parser("edit", help="change a patient's age band, sex or notes")
    _common(a)
    a.add_argument("id")
    a.add_argument("--age-band")
    a.add_argument("--sex", choices=("female", "male"))
    a.add_argument("--notes")
    a.set_defaults(func=run_patient_edit)
    a = ps.add_parser("delete", help="delete a patient, their visits, trials and recordings")
    _common(a)
    a.add_argument("id")
    a.add_argument("--yes", action="store_true", help="really delete (nothing can be undone)")
    a.set_defaults(func=run_patient_delete)

    q = sub.add_parser("visit", help=SUBCOMMANDS["visit"])
    _common(q)
    vs = q.add_subparsers(dest="visit_command", metavar="ACTION", parser_class=type(p))
    vs.required = True
    a = vs.add_parser("start", help="start a visit (prints its number)")
    _common(a)
    a.add_argument("--patient", required=True)
    a.add_argument("--date", help="ISO date (default today)")
    a.add_argument("--notes", default="", help="notes on the visit (printed on the report)")
    a.add_argument("--assessor", default="", help="who assesses (printed on the report)")
    a.set_defaults(func=run_visit_start)
    a = vs.add_parser("list", help="a patient's visits")
    _common(a)
    a.add_argument("--patient", required=True)
    a.add_argument("--json", action="store_true")
    a.set_defaults(func=run_visit_list)

    q = sub.add_parser(
        "score",
        help=SUBCOMMANDS["score"],
        description=(
            "Score a recording (own .trk or interchange CSV) as one trial of a protocol "
            "condition and keep it in the patient's visit (a private copy of the "
            "recording is stored with it)."
        ),
    )
    _common(q)
    q.add_argument("recording", metavar="RECORDING")
    q.add_argument("--patient", required=True)
    q.add_argument("--protocol", required=True, help="a protocol name or a .toml file")
    q.add_argument("--condition", required=True, help='e.g. "eyes open, left"')
    q.add_argument("--visit", type=int, help="visit number (default: today's, else a new one)")
    q.add_argument("--assessor", default="", help="who assesses (a visit this starts)")
    q.add_argument("--practice", action="store_true", help="a practice trial (never counted)")
    q.add_argument(
        "--start", type=float, metavar="S", help="the start cue, seconds into the recording"
    )
    q.add_argument("--end", type=float, metavar="S", help="the clinician ended the trial here")
    q.add_argument("--reason", default="", help="why the clinician ended it (with --end)")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=run_score)

    q = sub.add_parser("discard", help=SUBCOMMANDS["discard"])
    _common(q)
    q.add_argument("trial", type=int, metavar="TRIAL")
    q.add_argument("--reason", required=True)
    q.set_defaults(func=run_discard)

    q = sub.add_parser("results", help=SUBCOMMANDS["results"])
    _common(q)
    q.add_argument("visit", type=int, metavar="VISIT")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=run_results)

    q = sub.add_parser("trends", help=SUBCOMMANDS["trends"])
    _common(q)
    q.add_argument("--patient", required=True)
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=run_trends)

    q = sub.add_parser("export", help=SUBCOMMANDS["export"])
    _common(q)
    q.add_argument("--format", choices=("csv", "json"), default="csv")
    q.add_argument("--patient", action="append", help="only these patients (repeatable)")
    q.add_argument("-o", "--output", metavar="FILE", help="write here (0600) instead of stdout")
    q.set_defaults(func=run_export)

    try:  # the interactive screens' options (the module imports Textual only when run)
        from tracker.screens.clinic.launch import add_arguments
    except ImportError:
        pass
    else:
        add_arguments(p)
    p.set_defaults(func=run_interactive, _parser=p)


def _common(p) -> None:
    """--db and --protocols, accepted before or after the subcommand."""
    p.add_argument(
        "--db",
        default=argparse.SUPPRESS,
        metavar="PATH",
        help="the history database (default: the per-user data folder)",
    )
    p.add_argument(
        "--protocols",
        action="append",
        type=folder,
        default=argparse.SUPPRESS,
        metavar="DIR",
        help="a folder of the clinic's protocol files (repeatable)",
    )


def _history(args):
    from tracker.files.history import History

    return History.open(getattr(args, "db", None))


def _protocols(args):
    from tracker.clinic.protocols import load_protocols, user_dir

    extra = getattr(args, "protocols", None)
    return load_protocols([user_dir(), *extra] if extra else None)


def _protocol(args, name: str):
    from tracker.clinic.protocols import load_protocol_file

    if name.endswith(".toml") or "/" in name:
        return load_protocol_file(name)
    protocols = _protocols(args)
    if name not in protocols:
        raise InputError(f"unknown protocol {name!r} (known: {', '.join(protocols)})")
    return protocols[name]


def _print_json(obj) -> None:
    from tracker.clinic.export import dumps

    sys.stdout.write(dumps(obj))


def run_interactive(args) -> int:
    try:
        from tracker.screens.clinic.launch import run as run_screens  # the dashboard's screens
    except ImportError:
        args._parser.print_help()
        print(
            "\ntracker: the interactive assessment screens are not installed in this "
            "version; use the subcommands above",
            file=sys.stderr,
        )
        return 2
    return run_screens(args)


def run_protocols(args) -> int:
    protocols = _protocols(args)
    if args.json:
        _print_json([p.to_json() | {"file": p.file} for p in protocols.values()])
        return 0
    for p in protocols.values():
        print(f"{p.name}  ({p.title}, version {p.version}; {p.file})")
        for c in p.conditions:
            print(f"    {c.name}")
    return 0


def run_patient_add(args) -> int:
    with _history(args) as h:
        pid = h.add_patient(args.id, age_band=args.age_band, sex=args.sex, notes=args.notes)
    print(f"added patient {pid}")
    return 0


def run_patient_list(args) -> int:
    with _history(args) as h:
        patients = h.patients()
    if args.json:
        _print_json(patients)
        return 0
    if not patients:
        print("no patients")
    for p in patients:
        sex = f", {p['sex']}" if p["sex"] else ""
        print(f"{p['id']}  age {p['age_band']}{sex}  {p['visits']} visit(s)  {p['notes']}")
    return 0


def run_patient_show(args) -> int:
    with _history(args) as h:
        patient = h.patient(args.id)
        visits = h.visits(args.id)
        for v in visits:
            v["trials"] = len(h.trials(v["id"]))
    if args.json:
        _print_json(patient | {"visits": visits})
        return 0
    print(f"{patient['id']}  age {patient['age_band']}  {patient['sex'] or ''}  {patient['notes']}")
    for v in visits:
        print(f"  visit {v['id']}  {v['date']}  {v['trials']} trial(s)  {v['notes']}")
    return 0


def run_patient_edit(args) -> int:
    fields = {
        k: getattr(args, k) for k in ("age_band", "sex", "notes") if getattr(args, k) is not None
    }
    if not fields:
        raise InputError("nothing to change: give --age-band, --sex or --notes")
    with _history(args) as h:
        h.update_patient(args.id, **fields)
    print(f"updated patient {args.id}")
    return 0


def run_patient_delete(args) -> int:
    if not args.yes:
        raise InputError(
            f"deleting {args.id} removes their visits, trials and recordings for good: "
            "add --yes to do it"
        )
    with _history(args) as h:
        removed = h.delete_patient(args.id)
    print(f"deleted patient {args.id} and {len(removed)} recording(s)")
    return 0


def run_visit_start(args) -> int:
    with _history(args) as h:
        visit = h.start_visit(
            args.patient, date=args.date, notes=args.notes, assessor=args.assessor
        )
    print(visit)
    return 0


def run_visit_list(args) -> int:
    with _history(args) as h:
        visits = h.visits(args.patient)
        for v in visits:
            v["trials"] = len(h.trials(v["id"]))
    if args.json:
        _print_json(visits)
        return 0
    for v in visits:
        print(f"visit {v['id']}  {v['date']}  {v['trials']} trial(s)  {v['notes']}")
    return 0


def _simulated(path: Path) -> bool:
    from tracker.files.interchange import open_csv
    from tracker.files.recording import Recording, is_own_format

    if is_own_format(path):
        opened = Recording.open(path)
        return bool(opened.meta.get("simulated") or opened.source.get("simulated"))
    comments = open_csv(path).comments  # the preamble: the samples are not read
    return any(re.match(r"\s*simulated\s*:\s*true", line) for line in comments)


def _private_copy(src: Path, dest: Path) -> None:
    try:
        data = src.read_bytes()
    except OSError as exc:
        raise InputError(
            f"cannot read the recording ({exc.strerror or exc})", path=str(src)
        ) from None
    try:
        fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
    except OSError as exc:
        raise RecordingError(
            f"cannot store the recording ({exc.strerror or exc})", path=str(dest)
        ) from None


def run_score(args) -> int:
    from tracker.clinic.scoring import score_recording

    protocol = _protocol(args, args.protocol)
    condition = protocol.condition(args.condition)
    source = Path(args.recording)
    if args.end is not None and not args.reason.strip():
        raise InputError("--end needs --reason (why the clinician ended the trial)")
    with _history(args) as h:
        h.patient(args.patient)
        visit = args.visit
        if visit is None:
            visit = h.latest_visit(args.patient) or h.start_visit(
                args.patient, assessor=args.assessor
            )
        elif h.visit(visit)["patient_id"] != args.patient:
            raise InputError(f"visit {visit} is not a visit of {args.patient}")
        slug = re.sub(r"[^a-z0-9]+", "-", condition.name.lower()).strip("-")
        suffix = source.suffix.lower() if source.suffix.lower() in (".trk", ".csv") else ".trk"
        name = f"{protocol.name}-{slug}-{uuid.uuid4().hex[:8]}{suffix}"
        stored = h.trial_recording_path(args.patient, visit, name)
        result = score_recording(
            source, protocol, condition, cue_s=args.start, clinician_end_s=args.end
        )  # a bad recording is refused before anything is stored
        _private_copy(source, stored)
        data = result.to_json() | {"practice": args.practice, "simulated": _simulated(source)}
        data["source_file"] = source.name
        if args.end is not None:
            data["clinician_reason"] = args.reason.strip()
        trial = h.add_trial(
            visit,
            protocol=protocol.name,
            protocol_version=protocol.version,
            condition=condition.name,
            practice=args.practice,
            recording_path=str(stored),
            result=data,
            complete=result.complete,
            reason=""
            if result.complete
            else f"the recording ends before the trial did ({result.ended_by})",
        )
    if args.json:
        _print_json({"trial": trial, "visit": visit} | data)
        return 0
    description = _describe(data, protocol.max_s)
    print(f"trial {trial} (visit {visit}): {protocol.name} / {condition.name}: {description}")
    return 0


def _describe(r: dict, limit_s: float) -> str:
    from tracker.clinic.report_text import ended_by_text, trial_value_text

    text = trial_value_text({"result": r}, {"max_s": limit_s}, nd=2)
    if r["ended_by"] != "time_limit":  # the value says so already
        text += f" ({ended_by_text(r['ended_by'])})"
    if r.get("sway"):
        text += f", thigh sway RMS {r['sway']['sway_rms_deg']:.2f}°"
    if not r["complete"]:
        text += ", INCOMPLETE"
    if r.get("practice"):
        text += ", practice"
    return text


def run_discard(args) -> int:
    with _history(args) as h:
        h.discard_trial(args.trial, args.reason)
    print(f"trial {args.trial} discarded: {args.reason}")
    return 0


def run_results(args) -> int:
    from tracker.clinic import report_text as text
    from tracker.clinic.results import visit_results

    with _history(args) as h:
        data = visit_results(h, args.visit, _protocols(args))
    if args.json:
        _print_json(data)
        return 0
    pt, v = data["patient"], data["visit"]
    print(f"patient {pt['id']} (age {pt['age_band']}), visit {v['id']} on {v['date']}")
    for p in data["protocols"]:
        if p.get("missing"):
            print(f"\n{p['protocol']}: protocol file not found; trials listed by --json")
            continue
        print(f"\n{p['title']}")
        for c in p["conditions"]:
            norm = c["norm"] or {}
            ref = f" · norm {norm.get('reference')}: {norm.get('verdict')}" if norm else ""
            print(
                f"  {c['condition']}: {c['score_rule']} {text.condition_value_text(c, 'score')}"
                f" · best {text.condition_value_text(c, 'best')}, mean "
                f"{text.condition_value_text(c, 'mean')}, "
                f"{c['trials_counted']}/{c['trials_wanted']} trials{ref}"
            )
            for d in c["discarded"]:
                print(f"    trial {d['trial']} discarded: {d['reason']}")
            for d in c["incomplete"]:
                print(f"    trial {d['trial']} incomplete: {d['reason']}")
        for s in p["symmetry"]:
            print(f"  symmetry (right - left), eyes {s['eyes']}: {text.symmetry_text(s)}")
    return 0


def run_trends(args) -> int:
    from tracker.clinic import report_text as text
    from tracker.clinic.results import trends

    with _history(args) as h:
        data = trends(h, args.patient, _protocols(args))
    if args.json:
        _print_json(data)
        return 0
    for s in data:
        src = s["smallest_real_change"]
        src_text = (
            f"smallest real change {src['value']:g} {src['unit']}"
            if src.get("value")
            else src.get("note")
        )
        print(f"{s['protocol']} / {s['condition']} ({src_text})")
        for p in s["points"]:
            change = f"  {text.change_text(s, p)}" if "change_vs_first" in p else ""
            flag = {True: "  beyond the real change"}.get(p.get("beyond_src"), "")
            print(f"  {p['date']}  {text.trend_value_text(s, p)}{change}{flag}")
    return 0


def run_export(args) -> int:
    from tracker.clinic.export import dumps, to_csv, to_json

    with _history(args) as h:
        for pid in args.patient or []:
            h.patient(pid)
        if args.format == "csv":
            text = to_csv(h, args.patient)
        else:
            text = dumps(to_json(h, args.patient, _protocols(args)))
    if args.output is None:
        sys.stdout.write(text)
        return 0
    try:
        fd = os.open(args.output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
    except OSError as exc:
        raise RecordingError(
            f"cannot write the export ({exc.strerror or exc})", path=args.output
        ) from None
    print(f"wrote {args.output}")
    return 0
