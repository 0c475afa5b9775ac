"""The validity benchmark's scoring on hand-made reps, bouts and walks: matching and errors."""

import pytest
from validity_bench.aggregate import spread, summarize
from validity_bench.score import match_bouts, match_reps, score_case, walk_windows


def rep(start, end, bottom=None, depth=None):
    r = {"start_s": start, "end_s": end}
    if bottom is not None:
        r["bottom_s"] = bottom
    if depth is not None:
        r["depth_deg"] = depth
    return r


def found(events, bouts=()):
    return {"count": len(events), "events": events, "bouts": list(bouts), "notes": []}


def test_a_detection_matches_the_true_rep_its_bottom_falls_in_one_to_one():
    truth = [rep(0, 2, 1), rep(2.5, 4, 3)]
    detected = [rep(0.2, 1.8, 1.1), rep(0.5, 1.9, 1.3), rep(2.6, 3.9, 3.2), rep(4.5, 6, 5.0)]
    # Two bottoms in the first window: the nearer one matches, the other is extra.
    assert match_reps(truth, detected) == [(0, 0), (1, 2)]


def test_overlapping_windows_are_shared_out_by_distance_to_the_true_bottom():
    truth = [rep(0, 2.2), rep(2.0, 4.0)]  # continuous reps, no bottom: anchor = middle
    detected = [rep(1, 3, 2.1), rep(1, 3, 2.15)]
    assert match_reps(truth, detected) == [(0, 0), (1, 1)]


def test_as_many_reps_as_possible_match_before_the_nearest_pairs():
    truth = [rep(0, 10, 5), rep(4, 6, 5)]
    detected = [rep(4, 6, 5.0), rep(0, 2, 1.0)]
    # Nearest first would give (0, 0) and leave both others unmatched.
    assert match_reps(truth, detected) == [(0, 1), (1, 0)]


def test_a_rise_without_bottom_is_matched_by_its_middle():
    truth = [rep(1.0, 2.0), rep(5.0, 6.0)]
    assert match_reps(truth, [rep(1.4, 2.2), rep(3.0, 4.0)]) == [(0, 0)]
    assert match_reps(truth, []) == [] and match_reps([], truth) == []


def test_count_depth_and_timing_errors_of_matched_reps():
    truth = {"reps": [rep(1, 3, 2, 40.0), rep(5, 7, 6, 60.0), rep(9, 11, 10, 80.0)]}
    detected = [rep(0.8, 3.3, 2.1, 42.0), rep(5.2, 6.9, 6.0, 57.0), rep(12, 14, 13, 30.0)]
    s = score_case(truth, 3, "auto", found(detected))
    assert s["count"] == 3 and s["count_error"] == 0
    assert s["matched"] == 2 and s["extra"] == 1  # the third truth rep was missed
    assert s["depth_error_deg"] == pytest.approx([2.0, -3.0])
    t = s["timing_error_s"]
    assert t["start"] == pytest.approx([-0.2, 0.2])
    assert t["bottom"] == pytest.approx([0.1, 0.0])
    assert t["end"] == pytest.approx([0.3, -0.1])


def test_truth_without_depths_or_bottoms_scores_counts_and_edges_only():
    truth = {"reps": [rep(0, 2), rep(2, 4)]}
    s = score_case(truth, 2, "auto", found([rep(0.1, 2.1, 1.0, 50.0)]))
    assert s["count_error"] == -1 and s["matched"] == 1
    assert s["depth_error_deg"] == [] and s["timing_error_s"]["bottom"] == []
    assert s["timing_error_s"]["start"] == pytest.approx([0.1])


def test_walk_windows_in_either_form():
    assert walk_windows({"walk_s": [4.0, 100.0]}) == [(4.0, 100.0)]
    assert walk_windows({"walk_s": [[1, 2], [5, 9]]}) == [(1.0, 2.0), (5.0, 9.0)]
    assert walk_windows({}) == []


def test_reps_and_balance_bouts_inside_a_walk():
    truth = {"reps": [], "walk_s": [10.0, 50.0]}
    reps = [rep(11, 13, 12, 30), rep(48, 52, 51, 25), rep(60, 62, 61, 20)]
    bouts = [
        {"start_s": 20.0, "end_s": 25.0, "sway_rms_deg": 9.0},
        {"start_s": 49.0, "end_s": 58.0, "sway_rms_deg": 1.0},  # overlaps the walk's end
        {"start_s": 70.0, "end_s": 80.0, "sway_rms_deg": 1.0},
    ]
    s = score_case(truth, 0, "auto", found(reps, bouts))
    assert s["count_error"] == 3
    assert s["walk"] == {"reps": 1, "bouts": 2}
    # A method that finds no bouts by design says so (None), not 0.
    baseline = {"count": 3, "events": reps, "bouts": None, "notes": []}
    assert score_case(truth, 0, "auto", baseline)["walk"] == {"reps": 1, "bouts": None}


def test_balance_bouts_matched_by_overlap_with_edge_and_sway_errors():
    truth_bouts = [
        {"start_s": 5.0, "end_s": 25.0, "sway_rms_deg": 2.0},
        {"start_s": 40.0, "end_s": 60.0, "sway_rms_deg": 1.0},
    ]
    bouts = [
        {"start_s": 5.5, "end_s": 24.0, "sway_rms_deg": 2.2},
        {"start_s": 30.0, "end_s": 33.0, "sway_rms_deg": 0.5},
    ]
    assert match_bouts(truth_bouts, bouts) == [(0, 0)]
    b = score_case({"reps": [], "balance": truth_bouts}, 0, "balance", found([], bouts))
    b = b["balance"]
    assert (b["truth"], b["found"], b["extra"]) == (2, 1, 1)
    assert b["edge_error_s"]["start"] == pytest.approx([0.5])
    assert b["edge_error_s"]["end"] == pytest.approx([-1.0])
    assert b["sway_rel_error"] == pytest.approx([0.1])
    nothing = {"count": 0, "events": [], "bouts": None, "notes": []}
    assert (
        score_case({"reps": [], "balance": truth_bouts}, 0, "balance", nothing)["balance"] is None
    )


def test_five_times_sit_to_stand_time():
    rises = [rep(2.0 + 3 * i, 3.2 + 3 * i) for i in range(5)]  # 2.0 to 15.2 s
    late = [rep(r["start_s"] + 0.1, r["end_s"] + 0.3) for r in rises]
    s = score_case({"reps": rises}, 5, "sit_to_stand", found(late))
    assert s["count_error"] == 0 and s["matched"] == 5
    assert s["five_times_error_s"] == pytest.approx(0.2)
    assert (
        score_case({"reps": rises}, 5, "sit_to_stand", found(late[:4]))["five_times_error_s"]
        is None
    )
    assert "five_times_error_s" not in score_case({"reps": rises}, 5, "auto", found(late))


def test_spread_of_signed_errors():
    s = spread([1.0, -3.0, 2.0])
    assert s["n"] == 3 and s["median"] == 2.0 and s["max"] == 3.0 and s["bias"] == 1.0
    assert s["p95"] == pytest.approx(2.9)
    assert spread([]) is None


def test_summary_of_a_group():
    truth = {"reps": [rep(0, 2, 1, 50.0), rep(3, 5, 4, 60.0)], "walk_s": [10, 20]}
    perfect = score_case(truth, 2, "auto", found([rep(0, 2, 1, 51.0), rep(3, 5, 4, 58.0)]))
    short = score_case(truth, 2, "auto", found([]))
    f = summarize([perfect, short])
    assert (f["cases"], f["exact"], f["exact_pct"]) == (2, 1, 50.0)
    assert f["count_abs_error_mean"] == 1.0 and f["count_error_mean"] == -1.0
    assert (f["truth_reps"], f["matched_reps"], f["extra_reps"]) == (4, 2, 0)
    assert f["depth_error_deg"]["median"] == pytest.approx(1.5)
    assert f["depth_error_deg"]["max"] == pytest.approx(2.0)
    assert f["walk"] == {
        "cases": 2,
        "reps": 0,
        "cases_with_reps": 0,
        "bouts": 0,
        "cases_with_bouts": 0,
    }
    assert f["balance"] is None and f["five_times"] is None
