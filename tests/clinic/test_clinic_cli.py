"""`tracker assess` from the command line: patients, scoring recordings, results, exports."""

from __future__ import annotations

import json

import pytest

from tracker.cli import main
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
