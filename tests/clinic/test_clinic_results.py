"""Per-condition results (counted trials only), symmetry index, trends with the real change."""

from __future__ import annotations

import pytest

from tracker.clinic.report_text import change_text
from tracker.clinic.results import symmetry_index, trends, visit_results


def _add(
    h,
    visit,
    condition,
    value,
    *,
    status="complete",
    practice=False,
    protocol="single-leg-stance",
    ended_by="foot_down",
):
    result = {
        "value": value,
        "measure": "hold_s",
        "ended_by": ended_by,
        "passed": None,
        "sway": {"sway_rms_deg": value / 10.0, "sway_path_deg": 1.0},
    }
    tid = h.add_trial(
        visit,
        protocol=protocol,
        protocol_version=1,
        condition=condition,
        practice=practice,
        recording_path=None,
        result=result,
        complete=status != "incomplete",
        reason="sensor lost",
    )
    if status == "discarded":
        h.discard_trial(tid, "hands left the hips")
    return tid


def test_symmetry_index():
    assert symmetry_index(30.0, 30.0) == 0.0
    assert symmetry_index(30.0, 10.0) == pytest.approx(100.0)  # 20 / mean 20
    assert symmetry_index(10.0, 30.0) == pytest.approx(-100.0)
    assert symmetry_index(None, 3.0) is None and symmetry_index(0.0, 0.0) is None


def test_only_counted_trials_make_the_score(history, protocols):
    history.add_patient("P1", age_band="65-69")
    v = history.start_visit("P1", date="2025-01-10")
    _add(history, v, "eyes open, left", 44.0, practice=True)
    _add(history, v, "eyes open, left", 45.0, status="discarded")
    _add(history, v, "eyes open, left", 40.0, status="incomplete")
    for x in (20.0, 30.0, 25.0):
        _add(history, v, "eyes open, left", x)
    for x in (10.0, 12.0):
        _add(history, v, "eyes open, right", x)
    out = visit_results(history, v, protocols)
    (sls,) = out["protocols"]
    left, right = sls["conditions"]
    assert (left["best"], left["mean"], left["score"], left["trials_counted"]) == (
        30.0,
        25.0,
        30.0,
        3,
    )
    assert left["practice"] == 1 and left["discarded"][0]["reason"] == "hands left the hips"
    assert left["incomplete"][0]["reason"] == "sensor lost"
    assert left["sway_best"]["sway_rms_deg"] == 3.0
    assert left["norm"]["verdict"].startswith("below") and "32" in left["norm"]["reference"]
    assert right["trials_counted"] == 2 and right["best"] == 12.0
    (sym,) = sls["symmetry"]
    assert sym["symmetry_index_pct"] == pytest.approx(100 * (12 - 30) / 21, abs=0.05)
    assert sls["smallest_real_change"]["value"] == 24.1


def test_five_times_best_is_the_shortest(history, protocols):
    history.add_patient("P2", age_band="80-84")
    v = history.start_visit("P2")
    for x in (16.0, 13.0):
        _add(history, v, "standard chair, arms folded", x, protocol="five-times-sit-to-stand")
    (p,) = visit_results(history, v, protocols)["protocols"]
    (c,) = p["conditions"]
    assert c["best"] == 13.0 and c["score"] == 16.0  # the protocol scores the first trial
    assert c["norm"]["verdict"] == "worse than average"


def test_trends_mark_changes_beyond_the_smallest_real_change(history, protocols):
    history.add_patient("P3", age_band="70-74")
    for date, value in (("2025-01-01", 10.0), ("2025-02-01", 30.0), ("2025-03-01", 40.0)):
        v = history.start_visit("P3", date=date)
        _add(history, v, "eyes open, left", value)
    (series,) = trends(history, "P3", protocols)
    points = series["points"]
    assert [p["score"] for p in points] == [10.0, 30.0, 40.0]
    assert "change_vs_first" not in points[0]
    assert [p["beyond_src"] for p in points[1:]] == [False, True]  # 20 s vs 30 s, SRC 24.1 s


def test_a_change_to_or_from_a_hold_at_the_limit_is_a_bound(history, protocols):
    history.add_patient("P4", age_band="70-74")
    holds = {"eyes open, left": (45.0, 10.0, 45.0), "eyes open, right": (10.0, 45.0, 38.0)}
    for k, date in enumerate(("2025-01-01", "2025-02-01", "2025-03-01")):
        v = history.start_visit("P4", date=date)
        for condition, values in holds.items():
            ended_by = "time_limit" if values[k] == 45.0 else "foot_down"
            _add(history, v, condition, values[k], ended_by=ended_by)
    left, right = trends(history, "P4", protocols)
    # from at least 45 s to 10 s: at least 35 s down, beyond the 24.1 s; at the limit twice:
    # nothing known
    assert [p.get("change_is") for p in left["points"]] == [None, "at_most", "unknown"]
    assert [p.get("beyond_src") for p in left["points"][1:]] == [True, None]
    assert [change_text(left, p) for p in left["points"]] == [
        "–",
        "≤ -35.0 s",
        "not known (both at the limit)",
    ]
    assert [p.get("change_is") for p in right["points"]] == [None, "at_least", "exact"]
    assert [p.get("beyond_src") for p in right["points"][1:]] == [True, True]
    assert [change_text(right, p) for p in right["points"][1:]] == ["≥ +35.0 s", "+28.0 s"]
