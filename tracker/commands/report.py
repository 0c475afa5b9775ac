"""`tracker report VISIT [--html] [-o FILE]`: a visit's assessment report as PDF and HTML."""

from __future__ import annotations

import sys

from tracker.commands import folder


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "report",
        help="a visit's assessment report (PDF and HTML)",
        description=(
            "Write a visit's assessment report (PDF, and the same as HTML): a summary for "
            "the patient, results with norms and sources, symmetry, thigh sway, how the "
            "tests were done, stabilograms, trends across visits, every trial, room for the "
            "clinician's comments and signature. By default into reports/ beside the "
            "history database, where the assessment screen's r key writes it too. Files "
            "are readable by the user only."
        ),
    )
    p.add_argument("visit", type=int, metavar="VISIT", help="the visit number")
    p.add_argument("--html", action="store_true", help="HTML only")
    p.add_argument(
        "-o", "--output", metavar="FILE", help="the .pdf (or .html) to write (default: reports/)"
    )
    p.add_argument("--db", metavar="PATH", help="the history database")
    p.add_argument(
        "--protocols", action="append", type=folder, metavar="DIR", help="clinic protocol folders"
    )
    p.set_defaults(func=run)


def run(args) -> int:
    from tracker.clinic.protocols import load_protocols, user_dir
    from tracker.clinic.report import default_report_path, pdf_available, write_report
    from tracker.files.history import History, private_dir

    protocols = load_protocols([user_dir(), *args.protocols] if args.protocols else None)
    with History.open(args.db) as h:
        visit = h.visit(args.visit)
        html_only = args.html or (args.output or "").lower().endswith((".html", ".htm"))
        output = args.output
        if output is None:
            path = default_report_path(h, visit)
            private_dir(path.parent)
            output = str(path.with_suffix(".html") if html_only else path)
        missing_pdf = not html_only and not pdf_available()
        written = write_report(
            h,
            args.visit,
            output if not missing_pdf else _html_name(output),
            html_only=html_only or missing_pdf,
            protocols=protocols,
        )
    if missing_pdf:
        print(
            f"tracker: no PDF: matplotlib cannot be imported (reinstall tracker); "
            f"wrote the HTML report {written[0]}",
            file=sys.stderr,
        )
        return 1
    print("wrote " + " and ".join(map(str, written)))
    return 0


def _html_name(output: str) -> str:
    from pathlib import Path

    return str(Path(output).with_suffix(".html"))
