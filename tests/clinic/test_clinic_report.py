"""The visit report: HTML always, PDF with matplotlib (skipped cleanly without it)."""

from __future__ import annotations

import stat

import pytest

from tracker.cli import main
from tracker.clinic.report import render_html, report_data, write_report


@pytest.fixture
def visits(history):
    history.add_patient("P-9", age_band="75-79", sex="male", notes="<script>alert(1)</script>")
    stab = {"rate_hz": 20.0, "x_deg": [0.0, 0.5, -0.4, 0.2], "y_deg": [0.1, -0.3, 0.4, 0.0]}
    ids = []
    for date, hold in (("2025-01-10", 12.0), ("2025-04-10", 41.0)):
        v = history.start_visit("P-9", date=date)
        ids.append(v)
        for cond in ("eyes open, left", "eyes open, right"):
            history.add_trial(
                v,
                protocol="single-leg-stance",
                protocol_version=1,
                condition=cond,
                practice=False,
                recording_path=None,
                complete=True,
                result={
                    "value": hold,
                    "measure": "hold_s",
                    "ended_by": "foot_down",
                    "sway": {"sway_rms_deg": 0.9, "sway_path_deg": 20.0},
                    "stabilogram": stab,
                    "simulated": True,
                },
            )
    return history, ids


def test_html_report_content(visits, protocols):
    history, (_, second) = visits
    page = render_html(report_data(history, second, protocols))
    for text in (
        "P-9",
        "75-79",
        "2025-04-10",
        "Single-leg stance test",
        "eyes open, left",
        "41.0 s",
        "70-79: mean 21 s [1]",
        "at or above the mean",
        "Springer BA",
        "Goldberg A, Casby A",
        "Symmetry index",
        "no published norms",
        "<svg",
        "Simulated data",
        "Beyond real change",
        "yes",
    ):
        assert text in page, text
    assert "<script>" not in page  # notes are not shown, and everything is escaped


def test_report_files_are_private_and_pdf_renders(visits, protocols, tmp_path):
    pytest.importorskip("matplotlib")
    history, (_, second) = visits
    written = write_report(history, second, tmp_path / "r.pdf", protocols=protocols)
    assert [p.name for p in written] == ["r.pdf", "r.html"]
    pdf = written[0].read_bytes()
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") >= 2
    for p in written:
        assert stat.S_IMODE(p.stat().st_mode) == 0o600


def test_report_command_without_matplotlib(visits, tmp_path, monkeypatch, capsys):
    history, (_, second) = visits
    monkeypatch.setattr("tracker.clinic.report.pdf_available", lambda: False)
    out = tmp_path / "x.pdf"
    status = main(["report", str(second), "--db", str(history.path), "-o", str(out)])
    err = capsys.readouterr().err
    assert status == 1 and err.count("\n") == 1 and "reinstall tracker" in err
    assert (tmp_path / "x.html").exists() and not out.exists()
    assert (
        main(
            [
                "report",
                str(second),
                "--db",
                str(history.path),
                "--html",
                "-o",
                str(tmp_path / "y.html"),
            ]
        )
        == 0
    )


def test_unknown_visit_is_one_line(history, capsys):
    assert main(["report", "99", "--db", str(history.path), "--html"]) == 2
    assert capsys.readouterr().err.strip() == "tracker: no visit 99"


def test_a_hold_at_the_limit_is_a_bound_in_the_trends_and_the_summary(capped_visits, protocols):
    history, (_, second) = capped_visits
    page = render_html(report_data(history, second, protocols))
    # the trend table: the score, the change to it and whether it is real
    assert "<td>2026-02-09</td><td>≥ 45 s (limit)</td><td>≥ +6.9 s</td><td>not known</td>" in page
    assert "<td>2026-02-09</td><td>24.0 s</td><td>+4.0 s</td><td>no</td>" in page
    assert (
        "eyes open, left: 38.1 s → ≥ 45 s (limit), a change of ≥ +6.9 s; the time limit hides "
        "the true change, so whether it is real is not known." in page
    )
    assert "you held the position ≥ 45 s (limit), where the test stops" in page
    assert "→ 45.0" not in page and "(+6.9 s)" not in page and "<td>45.0 s</td>" not in page
