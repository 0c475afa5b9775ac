"""`tracker assess` from the command line: patients, scoring recordings, results, exports."""

from __future__ import annotations

import json

import pytest

from tracker.cli import main
from tracker.files.history import History
from tracker.sim import simulate


@pytest.fixture
def db(tmp_path):
    return str(tmp_path / "clinic" / "history.sqlite3")


def _json(capsys):
    return json.loads(capsys.readouterr().out)


def test_scripted_assessment(db, tmp_path, capsys):
    rec = tmp_path / "sls.trk"
    s = simulate("single-leg-stance", seed=31, leg="right", ending="foot_down")
    s.write(rec)
    assert main(["assess", "patient", "add", "K-1", "--age-band", "60-64", "--db", db]) == 0
    assert (
        main(["assess", "--db", db, "visit", "start", "--patient", "K-1", "--date", "2025-05-01"])
        == 0
    )
    visit = int(capsys.readouterr().out.split()[-1])
    argv = [
        "assess",
        "score",
        "--db",
        db,
        "--patient",
        "K-1",
        "--protocol",
        "single-leg-stance",
        "--condition",
        "eyes open, right",
        "--visit",
        str(visit),
        str(rec),
        "--json",
    ]
    assert main(argv) == 0
    out = _json(capsys)
    truth = s.truth.stance_trials[0]
    assert out["hold_s"] == pytest.approx(truth["hold_s"], abs=0.3)
    assert out["simulated"] is True and out["ended_by"] == "foot_down"
    assert main(["assess", "results", str(visit), "--db", db, "--json"]) == 0
    results = _json(capsys)
    (cond,) = results["protocols"][0]["conditions"]
    assert cond["best"] == pytest.approx(out["hold_s"], abs=1e-3)
    assert (
        main(["assess", "discard", str(out["trial"]), "--reason", "eyes drifted", "--db", db]) == 0
    )
    assert main(["assess", "export", "--db", db, "--format", "csv"]) == 0
    assert "eyes drifted" in capsys.readouterr().out
    assert main(["assess", "patient", "delete", "K-1", "--db", db]) == 2  # needs --yes
    assert main(["assess", "patient", "delete", "K-1", "--yes", "--db", db]) == 0
    assert "1 recording" in capsys.readouterr().out
    assert rec.exists()  # the clinic's copy went, the file given stays


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            [
                "assess",
                "score",
                "--patient",
                "nobody",
                "--protocol",
                "single-leg-stance",
                "--condition",
                "eyes open, left",
                "x.trk",
            ],
            "no patient 'nobody'",
        ),
        (["assess", "patient", "add", "Jane Doe", "--age-band", "60-64"], "patient id must be"),
        (["assess", "patient", "add", "A1", "--age-band", "sixty"], "age band must look like"),
        (["assess", "results", "5"], "no visit 5"),
        (["assess", "discard", "3", "--reason", "x"], "no trial 3"),
    ],
)
def test_bad_input_is_one_line_with_status_2(db, argv, message, capsys):
    assert main([*argv, "--db", db]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and "Traceback" not in err


def test_a_bad_recording_names_the_file(db, tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("t,ax,ay,az,gx,gy,gz\n0,1,2,3,4,5,6\n0.01,1,2,x,4,5,6\n")
    main(["assess", "patient", "add", "A1", "--age-band", "60-64", "--db", db])
    capsys.readouterr()
    argv = [
        "assess",
        "score",
        "--db",
        db,
        "--patient",
        "A1",
        "--protocol",
        "chair-stand-30s",
        "--condition",
        "standard chair, arms crossed",
        str(bad),
    ]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and ":3" in err and err.count("\n") == 1


def test_help_lists_the_subcommands(capsys):
    with pytest.raises(SystemExit):
        main(["assess", "--help"])
    out = capsys.readouterr().out
    for word in (
        "protocols",
        "patient",
        "visit",
        "score",
        "discard",
        "results",
        "trends",
        "export",
    ):
        assert word in out
    assert main(["assess", "protocols", "--json"]) == 0
    names = [p["name"] for p in json.loads(capsys.readouterr().out)]
    assert "single-leg-stance" in names and "four-stage-balance" in names


def test_a_hold_stopped_by_the_limit_reads_as_a_lower_bound(db, tmp_path, capsys, add_result):
    rec = tmp_path / "held.trk"
    simulate("single-leg-stance", seed=2, leg="left", ending="lowered", hold_s=48.0).write(rec)
    main(["assess", "patient", "add", "K-2", "--age-band", "70-74", "--db", db])
    main(["assess", "visit", "start", "--patient", "K-2", "--db", db])
    visit = capsys.readouterr().out.split()[-1]
    argv = ["assess", "score", "--db", db, "--patient", "K-2", "--visit", visit]
    argv += ["--protocol", "single-leg-stance", "--condition", "eyes open, left", str(rec)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "eyes open, left: ≥ 45 s (limit), thigh sway RMS" in out, out
    assert "45.00" not in out and "time_limit" not in out
    with History.open(db) as h:  # the right leg, a plain hold: a symmetry index
        hold = {"value": 20.0, "measure": "hold_s", "ended_by": "foot_down"}
        add_result(h, int(visit), "single-leg-stance", "eyes open, right", hold)
    assert main(["assess", "results", visit, "--db", db]) == 0
    out = capsys.readouterr().out
    assert "eyes open, left: best ≥ 45 s (limit) · best ≥ 45 s (limit), mean ≥ 45.0 s" in out
    assert "eyes open, right: best 20.0 s · best 20.0 s, mean 20.0 s" in out
    # 100 · (20 - 45) / 32.5, and the left could have held longer: the difference is a bound
    assert (
        "symmetry (right - left), eyes open: -76.9 % (a side reached the limit: a lower bound "
        "of the difference)" in out
    )
    assert "45.0 s (" not in out and "best 45.0" not in out


def test_trends_give_a_change_to_a_hold_at_the_limit_as_a_bound(capped_visits, capsys):
    history, _ = capped_visits
    assert main(["assess", "trends", "--patient", "P-5", "--db", str(history.path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "  2026-01-12  38.1 s" in lines
    assert "  2026-02-09  ≥ 45 s (limit)  ≥ +6.9 s" in lines  # 38.1 s to at least 45 s
    assert "  2026-02-09  24.0 s  +4.0 s" in lines
