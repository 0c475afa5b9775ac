"""`tracker simulate`: writes a recording and its truth, refuses bad input in one line."""

from __future__ import annotations

import json
import math

import pytest

from tracker import cli
from tracker.cli import main
from tracker.sim import KINDS


@pytest.fixture(autouse=True)
def only_this_verb(monkeypatch):
    """Test the verb on its own, whatever state the other verbs are in."""
    monkeypatch.setattr(cli, "COMMAND_MODULES", ["tracker.commands.simulate"])


def _run(args) -> int:
    """Exit status of the command line, whether returned or raised by argparse."""
    try:
        return main(args)
    except SystemExit as exc:
        return int(exc.code)


def _one_line_error(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    return err


def test_unknown_kind_lists_the_kinds(capsys, tmp_path):
    assert _run(["simulate", "jumping-jacks", "-o", str(tmp_path / "x.csv")]) == 2
    err = _one_line_error(capsys)
    assert "jumping-jacks" in err and all(kind in err for kind in KINDS)
    assert not list(tmp_path.iterdir())


def test_list_shows_the_kinds_without_an_output(capsys):
    assert _run(["simulate", "--list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == list(KINDS)
    assert "five-times sit-to-stand" in lines[list(KINDS).index("sit-to-stand")]
    columns = {
        line.index(kind.description) for line, kind in zip(lines, KINDS.values(), strict=True)
    }
    assert len(columns) == 1  # the descriptions line up, however long a kind's name


def test_a_kind_without_an_output_or_no_kind_is_one_line(capsys):
    assert _run(["simulate", "walking"]) == 2
    assert "-o FILE" in _one_line_error(capsys)
    assert _run(["simulate"]) == 2
    assert "--list" in _one_line_error(capsys)


def test_unknown_extension_is_refused(capsys, tmp_path):
    path = tmp_path / "x.txt"
    assert _run(["simulate", "walking", "-o", str(path), "--duration", "10"]) == 2
    assert str(path) in _one_line_error(capsys)
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    "args", [["--rate", "0"], ["--reps", "0"], ["--duration", "-3"], ["--leg", "middle"]]
)
def test_bad_options_are_refused(capsys, tmp_path, args):
    assert _run(["simulate", "walking", "-o", str(tmp_path / "x.csv"), *args]) == 2
    _one_line_error(capsys)


@pytest.mark.parametrize("suffix", [".csv", ".trk"])
def test_writes_recording_and_truth(capsys, tmp_path, suffix):
    pytest.importorskip(
        "tracker.files.interchange" if suffix == ".csv" else "tracker.files.recording"
    )
    path = tmp_path / f"sts{suffix}"
    assert _run(["simulate", "sit-to-stand", "-o", str(path), "--seed", "3", "--rate", "50"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "simulated" in out and str(path) in out
    truth = json.loads((tmp_path / f"sts{suffix}.truth.json").read_text())
    assert truth["simulated"] is True and truth["seed"] == 3
    assert truth["sit_to_stand"]["stands"] == 5 and truth["sample_rate_hz"] == 50.0
    assert path.stat().st_size > 0


@pytest.mark.parametrize("ending", ["foot_down", "step", "lowered"])
def test_a_stance_ends_as_asked(capsys, tmp_path, ending):
    out = tmp_path / "stance.trk"
    assert _run(["simulate", "single-leg-stance", "--ending", ending, "-o", str(out)]) == 0
    (trial,) = json.loads(out.with_name("stance.trk.truth.json").read_text())["stance_trials"]
    assert trial["ending"] == ending and trial["end_s"] > trial["start_s"]


def test_an_ending_the_stance_cannot_have_is_refused(capsys, tmp_path):
    out = tmp_path / "stance.trk"
    assert _run(["simulate", "single-leg-stance", "--ending", "none", "-o", str(out)]) == 2
    assert "ending must be one of" in _one_line_error(capsys)
    assert not out.exists()


def test_real_world_flags_reach_the_simulator(capsys, tmp_path):
    out = tmp_path / "squats.csv"
    args = ["simulate", "continuous-squats", "-o", str(out), "--tops", "extended"]
    args += ["--lead-in", "0.2", "--acc-offset", "0.4", "--acc-range", "4", "--gyro-range", "500"]
    args += ["--strap", "loose", "--acc-scale", "2", "--gyro-bias", "1", "--bandwidth", "50"]
    assert _run(args) == 0
    truth = json.loads(out.with_name("squats.csv.truth.json").read_text())
    sensor = truth["sensor"]
    assert sensor["acc_range_m_s2"] == pytest.approx(4 * 9.80665)
    assert sensor["gyr_range_rad_s"] == pytest.approx(math.radians(500.0))
    assert sum(b * b for b in sensor["acc_bias_m_s2"]) ** 0.5 == pytest.approx(0.4 * 9.80665)
    assert sensor["bandwidth_hz"] == 50.0 and truth["strap"]["strap"] == "loose"
    assert truth["reps"][0]["start_s"] == pytest.approx(0.2, abs=0.01)
    assert all(r["tops"] == "extended" for r in truth["reps"])


def test_a_cheap_board_for_an_everyday_kind(capsys, tmp_path):
    out = tmp_path / "walk.csv"
    assert _run(["simulate", "walking", "-o", str(out), "--sensor", "cheap"]) == 0
    truth = json.loads(out.with_name("walk.csv.truth.json").read_text())
    assert truth["sensor"]["acc_range_m_s2"] == pytest.approx(2 * 9.80665)
    assert "strap" not in truth


@pytest.mark.parametrize(
    "args",
    [
        ["--acc-range", "3"],
        ["--acc-offset", "2"],
        ["--gyro-range", "300"],
        ["--travel", "10"],
        ["--shake-hz", "40"],
        ["--sensor", "gold"],
        ["--strap", "tight"],
    ],
)
def test_bad_real_world_flags_are_refused(capsys, tmp_path, args):
    out = tmp_path / "x.csv"
    assert _run(["simulate", "shaky-stance", "-o", str(out), *args]) == 2
    _one_line_error(capsys)
    assert not out.exists()
