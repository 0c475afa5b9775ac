"""The validity benchmark end to end on small folders written from the simulator."""

import json
import sys

import bench_validity
import numpy as np
import pytest
from validity_bench import baseline, simulated
from validity_bench.folder import FolderError, load_cases
from validity_bench.report import evaluate, markdown
from validity_bench.run import run_cases

import tracker.sim
from tracker.sim import simulate

SESSIONS = [  # (name, family, exercise, kind, options): short, seeded, realistic sensor
    ("reps", "fast", "squat", "fast-reps", {"reps": 4, "sets": 1}),
    ("walk", "walking", "auto", "walking", {"duration": 20.0}),
    ("chair", "sts", "sit_to_stand", "sit-to-stand", {}),
    ("stance", "balance", "balance", "balance", {"duration": 30.0}),
]


def sim_cases():
    for name, family, exercise, kind, options in SESSIONS:
        yield name, family, exercise, simulate(kind, seed=3, **options)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return simulated.write_folder(tmp_path_factory.mktemp("cases"), sim_cases())


def oracle(case) -> dict:
    """What a perfect method would report: the truth itself."""
    bouts = [dict(b) for b in case.truth.get("balance", [])]
    events = [dict(r) for r in case.truth["reps"]]
    return {"count": case.rep_count, "events": events, "bouts": bouts, "notes": []}


def test_the_simulated_folder_is_in_the_format(folder):
    index = json.loads((folder / "index.json").read_text())
    assert [e["name"] for e in index] == ["reps", "walk", "chair", "stance"]
    cases = {c.name: c for c in load_cases(folder)}
    assert cases["reps"].rep_count == 4 and cases["reps"].exercise == "squat"
    assert all(
        {"start_s", "bottom_s", "end_s", "depth_deg"} <= set(r) for r in cases["reps"].truth["reps"]
    )
    walk = cases["walk"].truth
    assert walk["rep_count"] == 0 and len(walk["walk_s"]) == 1
    chair = cases["chair"]
    assert chair.rep_count == 5 and chair.kind == "sts" and len(chair.truth["reps"]) == 5
    assert len(cases["stance"].truth["balance"]) == 1
    assert (folder / "reps.csv").read_text().startswith("# simulated by tracker.sim")


def test_a_perfect_method_scores_exactly_and_without_error(folder):
    cases = load_cases(folder)
    found = [{"tracker": oracle(c), "baseline": None} for c in cases]
    result = evaluate(cases, found, {"folder": str(folder), "tracker": "x", "baseline": "n/a"})
    f = result["overall"]["tracker"]
    assert f["exact"] == 4 and f["extra_reps"] == 0 and f["matched_reps"] == f["truth_reps"] == 9
    assert f["depth_error_deg"]["max"] == 0.0
    assert all(f["timing_error_s"][e]["max"] == 0.0 for e in ("start", "end"))
    assert f["walk"]["reps"] == 0 and f["walk"]["bouts"] == 0
    assert f["balance"]["found"] == f["balance"]["truth"] == 1
    assert f["five_times"]["error_s"]["max"] == 0.0
    assert result["overall"]["baseline"] is None
    text = markdown(result, verbose=True)
    assert "| exact count | 4/4 (100 %) | n/a |" in text and "## Cases" in text


def test_a_perturbed_method_shows_its_errors(folder):
    cases = load_cases(folder)
    found = []
    for c in cases:
        f = oracle(c)
        for r in f["events"]:
            r["start_s"] += 0.2
            if "depth_deg" in r:
                r["depth_deg"] += 3.0
        if c.name == "reps":
            f["events"] = f["events"][:3]  # one missed
        if c.name == "walk":  # a stride taken for a rep in the middle of the walk
            middle = sum(c.truth["walk_s"][0]) / 2
            f["events"].append({"start_s": middle - 0.5, "bottom_s": middle, "end_s": middle + 0.5})
        f["count"] = len(f["events"])
        found.append({"tracker": f, "baseline": None})
    result = evaluate(cases, found, {"folder": "", "tracker": "", "baseline": ""})
    by_kind = {k: v["tracker"] for k, v in result["kinds"].items()}
    assert by_kind["fast"]["count_error_mean"] == -1 and by_kind["fast"]["matched_reps"] == 3
    assert by_kind["fast"]["depth_error_deg"]["median"] == pytest.approx(3.0)
    assert by_kind["fast"]["timing_error_s"]["start"]["bias"] == pytest.approx(0.2)
    assert by_kind["walking"]["walk"]["reps"] == 1 and by_kind["walking"]["extra_reps"] == 1
    assert by_kind["sts"]["five_times"]["error_s"]["bias"] == pytest.approx(-0.2)
    assert result["overall"]["tracker"]["exact"] == 2


def test_the_engine_runs_as_analyze_does_in_one_or_two_processes(folder):
    cases = load_cases(folder)
    here = run_cases(cases, with_baseline=False, jobs=1)
    assert run_cases(cases, with_baseline=False, jobs=2) == here
    from tracker.commands.analyze import analyze

    chair = analyze(str(folder / "chair.csv"), "sit_to_stand")
    assert here[2]["tracker"]["count"] == chair["sit_to_stand"]["stands"]
    reps = analyze(str(folder / "reps.csv"), "squat")
    assert [e["bottom_s"] for e in here[0]["tracker"]["events"]] == [
        r["bottom_s"] for r in reps["reps"]
    ]
    assert all(h["baseline"] is None for h in here)


def test_a_crash_on_one_case_is_reported_not_raised(folder, monkeypatch):
    import validity_bench.run as run

    def broken(path, exercise):
        raise RuntimeError("engine\nbroke")

    monkeypatch.setattr(run, "analyze", broken)
    out = run.run_cases(load_cases(folder, "reps"), with_baseline=False, jobs=1)
    assert out[0]["tracker"]["error"] == "RuntimeError: engine broke"
    assert out[0]["tracker"]["count"] == 0


def test_the_command_prints_markdown_or_json(folder, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "imufusion", None)  # the baseline is then n/a
    assert bench_validity.main([str(folder), "--jobs", "1", "--cases", "chair"]) == 0
    out = capsys.readouterr().out
    assert "## sts: 1 case, 5 true reps" in out and "n/a: imufusion is not installed" in out
    assert bench_validity.main([str(folder), "--jobs", "1", "--json", "--verbose"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert [c["name"] for c in result["cases"]] == ["reps", "walk", "chair", "stance"]
    assert result["overall"]["baseline"] is None and result["overall"]["tracker"]["cases"] == 4
    chair = result["cases"][2]
    assert chair["found"]["tracker"]["count"] == chair["tracker"]["count"]


@pytest.mark.parametrize(
    ("index", "message"),
    [
        (None, "no index.json"),
        ("{", "not readable JSON"),
        ('{"name": "a"}', "must hold a list"),
        ('[{"kind": "x"}]', "needs a name"),
        ('[{"name": "a", "exercise": "jump", "rep_count": 1}]', "exercise 'jump'"),
        ('[{"name": "gone", "rep_count": 1}]', "gone.csv: listed in the index but missing"),
        ('[{"name": "reps"}]', "no rep_count"),
        ("[]", "lists no case"),
    ],
)
def test_a_folder_it_cannot_score_is_one_line_and_status_2(tmp_path, capsys, index, message):
    (tmp_path / "reps.csv").write_text("t,ax,ay,az,gx,gy,gz\n0,0,0,9.8,0,0,0\n")
    if index is not None:
        (tmp_path / "index.json").write_text(index)
    assert bench_validity.main([str(tmp_path), "--jobs", "1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert message in err[-1] and err[-1].startswith("bench_validity: ")


@pytest.mark.parametrize(
    ("truth", "message"),
    [
        ("[]", "must hold one JSON object"),
        ('{"rep_count": 1, "reps": [{"start_s": 1}]}', "reps 1 needs start_s and end_s"),
        ('{"rep_count": 1, "reps": {"start_s": 1}}', "reps must be a list of objects"),
        ('{"rep_count": 1, "reps": [{"start_s": 1, "end_s": 2, "depth_deg": "deep"}]}', "numbers"),
        ('{"rep_count": 0, "walk_s": [1, 2, 3]}', "walk_s must be"),
        ('{"rep_count": 0, "walk_s": 5}', "walk_s must be"),
        ('{"rep_count": 0, "balance": [{"end_s": 3}]}', "balance 1 needs start_s"),
        ('{"rep_count": -1}', "whole number"),
    ],
)
def test_a_truth_file_it_cannot_score(tmp_path, capsys, truth, message):
    (tmp_path / "a.csv").write_text("t,ax,ay,az,gx,gy,gz\n0,0,0,9.8,0,0,0\n")
    (tmp_path / "a.truth.json").write_text(truth)
    (tmp_path / "index.json").write_text('[{"name": "a", "rep_count": 1}]')
    assert bench_validity.main([str(tmp_path), "--jobs", "1"]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and "a.truth.json" in err and len(err.splitlines()) == 1


def test_a_missing_folder_or_selection(folder, tmp_path, capsys):
    assert bench_validity.main([str(tmp_path / "nowhere")]) == 2
    assert "no such folder" in capsys.readouterr().err
    assert bench_validity.main([str(folder), "--cases", "nothing*"]) == 2
    assert "no case matching 'nothing*'" in capsys.readouterr().err


def test_cases_are_selected_by_glob_on_name_or_kind_or_by_part_of_a_name(folder):
    assert [c.name for c in load_cases(folder, "wal")] == ["walk"]
    assert [c.name for c in load_cases(folder, "st*")] == ["chair", "stance"]  # kind sts
    assert [c.name for c in load_cases(folder, "bal*")] == ["stance"]
    with pytest.raises(FolderError):
        load_cases(folder, "balance")  # no wildcard: a part of a name


def test_hard_families_plug_into_simulate(tmp_path, monkeypatch, capsys):
    monkeypatch.delattr(tracker.sim, "hard_cases", raising=False)
    assert bench_validity.main(["--simulate", "hard", "--no-baseline"]) == 2
    assert "no hard_cases()" in capsys.readouterr().err

    session = simulate("walking", seed=1, duration=15.0)
    monkeypatch.setattr(
        tracker.sim,
        "hard_cases",
        lambda: [("loose_strap_1", "loose-strap", "auto", session)],
        raising=False,
    )
    out = tmp_path / "hard"
    args = ["--simulate", "hard", "--out", str(out), "--no-baseline", "--jobs", "1", "--json"]
    assert bench_validity.main(args) == 0
    result = json.loads(capsys.readouterr().out)
    assert list(result["kinds"]) == ["loose-strap"] and result["baseline"] == "not run"
    assert json.loads((out / "index.json").read_text())[0]["name"] == "loose_strap_1"


def test_baseline_recipe_on_a_known_tilt():
    rate = 50.0
    t = np.arange(0, 20, 1 / rate)
    bump = lambda at, deg, width: deg * np.exp(-0.5 * ((t - at) / width) ** 2)  # noqa: E731
    tilt = bump(4, 40, 0.5) + bump(9, 25, 0.4) + bump(14, 6, 0.3)  # the last too small
    reps = baseline.reps_from_tilt(t, tilt)
    assert [round(r["bottom_s"], 2) for r in reps] == [4.0, 9.0]
    assert [r["depth_deg"] for r in reps] == pytest.approx([40, 25], abs=1e-6)
    # Edges where the tilt is 10 % of the prominence: 2.146 widths from the peak.
    assert reps[0]["start_s"] == pytest.approx(4 - 2.146 * 0.5, abs=0.01)
    assert reps[1]["end_s"] == pytest.approx(9 + 2.146 * 0.4, abs=0.01)
    assert baseline.reps_from_tilt(t, np.zeros_like(t)) == []


def test_baseline_counts_simulated_squats():
    pytest.importorskip("imufusion")
    session = simulate("hesitant-reps", seed=2, reps=4, sets=1)
    block = session.block
    grid, tilt = baseline.tilt_deg(block.t_s, block.acc, block.gyr)
    assert np.percentile(tilt[grid < 1.0], 95) < 2.0  # standing at the start reads 0
    reps = baseline.reps_from_tilt(grid, tilt)
    truth = session.truth.reps
    assert len(reps) == len(truth) == 4
    for got, want in zip(reps, truth, strict=True):
        assert got["depth_deg"] == pytest.approx(want["depth_deg"], abs=5.0)
        assert got["bottom_s"] == pytest.approx(want["bottom_s"], abs=0.3)


def test_baseline_gives_rises_in_a_sit_to_stand_test(folder):
    pytest.importorskip("imufusion")
    found = baseline.detect(folder / "chair.csv", "sit_to_stand")
    assert found["count"] == len(found["events"]) >= 1 and found["bouts"] is None
    for rise in found["events"]:
        assert set(rise) == {"start_s", "end_s"} and rise["start_s"] < rise["end_s"]
