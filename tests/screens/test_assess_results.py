"""The assessment's results screen in words: a hold stopped by the limit is a lower bound."""

from __future__ import annotations

from tracker.clinic.protocols import load_protocols
from tracker.clinic.results import visit_results
from tracker.files.history import History
from tracker.screens.clinic.results import _notes, condition_row, norm_line


def _results(tmp_path, add_result, trials):
    with History.open(tmp_path / "history.sqlite3") as h:
        h.add_patient("P-S", age_band="70-74")
        visit = h.start_visit("P-S", date="2026-01-12")
        for protocol, condition, value, ended_by in trials:
            add_result(
                h,
                visit,
                protocol,
                condition,
                {
                    "value": value,
                    "measure": "hold_s",
                    "ended_by": ended_by,
                    "passed": ended_by == "time_limit",  # read only where a stage has pass_s
                },
            )
        return visit_results(h, visit, load_protocols(extra_dirs=[]))


def test_a_stage_held_to_the_limit_reads_with_its_unit(tmp_path, add_result):
    results = _results(
        tmp_path, add_result, [("four-stage-balance", "feet together", 10.0, "time_limit")]
    )
    ((c,),) = [p["conditions"] for p in results["protocols"]]
    assert norm_line(c, []).plain.startswith("feet together: ≥ 10 s (limit) held ·")
    assert [str(x) for x in condition_row(c)[2:5]] == [
        "≥ 10 s (limit)",
        "≥ 10.0 s",
        "first: ≥ 10 s (limit)",
    ]


def test_a_symmetry_index_on_a_hold_at_the_limit_says_so(tmp_path, add_result):
    results = _results(
        tmp_path,
        add_result,
        [
            ("single-leg-stance", "eyes open, left", 45.0, "time_limit"),
            ("single-leg-stance", "eyes open, right", 20.0, "foot_down"),
        ],
    )
    (p,) = results["protocols"]
    notes = _notes(p, [p["conditions"][0]["norm"]["source"]]).plain
    assert (
        "Symmetry, eyes open: -76.9 % (a side reached the limit: a lower bound of the difference)"
        in notes
    )
    assert "eyes open, left: ≥ 45 s (limit) vs" in notes
