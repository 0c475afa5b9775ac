"""`tracker export`: recordings and CSVs to the interchange CSV, bad input in one line."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from tracker import cli
from tracker.cli import main
from tracker.core.types import ImuBlock, RawPacket
from tracker.files.interchange import read_csv, write_csv
from tracker.files.recording import RecordingWriter


@pytest.fixture(autouse=True)
def only_this_verb(monkeypatch):
    """Test the verb on its own, whatever state the other verbs are in."""
    monkeypatch.setattr(cli, "COMMAND_MODULES", ["tracker.commands.export"])


def _run(args) -> int:
    try:
        return main([str(a) for a in args])
    except SystemExit as exc:  # argparse
        return int(exc.code)


def _one_line_error(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


def _block(n: int = 250) -> ImuBlock:
    t = np.arange(n) / 100 + 0.1 * np.sin(np.arange(n)) / 1000  # jittered, increasing
    rng = np.random.default_rng(5)
    return ImuBlock.from_arrays(t, rng.normal(0, 3, (n, 3)), rng.normal(0, 1, (n, 3)))


def _same(a: ImuBlock, b: ImuBlock) -> bool:
    return all(
        x.shape == y.shape and (x.view(np.uint64) == y.view(np.uint64)).all()
        for x, y in ((a.t_s, b.t_s), (a.acc, b.acc), (a.gyr, b.gyr))
    )


def _trk(path, block=None, packets=(), profile=None):
    with RecordingWriter(
        path,
        source={"kind": "simulated", "simulation": "squats"},
        profile_name=profile and "test-sensor",
        profile_toml=profile,
        meta={"person": "P01", "seed": 3, "note": "Zoë"},
    ) as w:
        if block is not None:
            w.write_samples(block)
        for p in packets:
            w.write_packet(p)
    return path


def test_recording_to_csv_keeps_every_bit_and_the_metadata(tmp_path, capsys):
    block = _block()
    src = _trk(tmp_path / "s.trk", block)
    out = tmp_path / "s.csv"
    assert _run(["export", src, "-o", out]) == 0
    assert f"wrote {out}: 250 samples" in capsys.readouterr().out
    back = read_csv(out)
    assert _same(back.block, block)
    c = back.comments
    assert c[0].startswith("exported by tracker") and "s.trk" in c[0]
    assert 'source: {"kind": "simulated", "simulation": "squats"}' in c
    assert {'person: "P01"', "seed: 3", 'note: "Zoë"', "profile: null"} <= set(c)
    assert any(line.startswith('recorded_utc: "20') for line in c)


def test_csv_to_csv_keeps_comments_and_drops_extra_columns(tmp_path):
    src = tmp_path / "in.csv"
    lines = [
        "# subject: P02",
        "t,ax,ay,az,gx,gy,gz,seq",
        "0,1,2,3,.1,.2,.3,7",
        "0.01,1,2,3,.1,.2,.3,8",
    ]
    src.write_text("\n".join(lines) + "\n")
    out = tmp_path / "out.csv"
    assert _run(["export", src, "-o", out]) == 0
    back = read_csv(out)
    assert _same(back.block, read_csv(src).block) and back.extra_columns == []
    assert "subject: P02" in back.comments and "columns not exported: seq" in back.comments


def test_stdout_output(tmp_path, capsys):
    src = tmp_path / "in.csv"
    write_csv(src, _block(20), ["x: 1"])
    assert _run(["export", src, "-o", "-"]) == 0
    captured = capsys.readouterr()
    (tmp_path / "piped.csv").write_text(captured.out)
    assert _same(read_csv(tmp_path / "piped.csv").block, _block(20)) and captured.err == ""


def test_truncated_recording_exports_what_it_holds_with_a_warning(tmp_path, capsys):
    src = tmp_path / "cut.trk"
    with RecordingWriter(src, source={"kind": "simulated"}) as w:
        w.write_samples(_block().slice(0, 200))
        w.write_event("note", 2.0)  # ends the first 'S' record
        w.write_samples(_block().slice(200, 250))
    src.write_bytes(src.read_bytes()[:-10])
    out = tmp_path / "cut.csv"
    assert _run(["export", src, "-o", out]) == 0
    err = capsys.readouterr().err
    assert "warning" in err and "cut off" in err and err.count("\n") == 1
    back = read_csv(out)
    assert _same(back.block, _block().slice(0, 200))
    assert any(c.startswith("warning: the last record is incomplete") for c in back.comments)


PACKETS = [RawPacket(0.5 + k / 100, bytes([0x55, 0x51, k]) * 4, "ffe4") for k in range(5)]


def test_packet_recording_without_a_decoder_is_refused_in_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "tracker.sensors.decode", None)  # import fails as if absent
    src = _trk(tmp_path / "p.trk", packets=PACKETS, profile='name = "test-sensor"\n')
    assert _run(["export", src, "-o", tmp_path / "p.csv"]) == 2
    err = _one_line_error(capsys)
    assert str(src) in err and "no decoder" in err and not (tmp_path / "p.csv").exists()


def test_packet_recording_of_a_shipped_profile_exports_decoded_samples(tmp_path):
    decode = pytest.importorskip("tracker.sensors.decode")
    from tracker.files.recording import Recording
    from tracker.sensors.catalog import load_profile_file, shipped_dir

    toml = shipped_dir() / "witmotion-bwt901ble5.toml"
    profile = load_profile_file(toml)
    sent = _block(300)
    sent = ImuBlock(sent.t_s, sent.acc + np.array([0.0, 0.0, 9.8]), sent.gyr)
    src = tmp_path / "ble.trk"
    with RecordingWriter(
        src,
        source={"kind": "ble"},
        profile_name=profile.name,
        profile_toml=toml.read_text(encoding="utf-8"),
    ) as w:
        for t_s, channel, payload in decode.make_encoder(profile).encode_timed(sent):
            w.write_packet(RawPacket(t_s + 0.02, payload, channel))
    assert _run(["export", src, "-o", tmp_path / "ble.csv"]) == 0
    back = read_csv(tmp_path / "ble.csv")
    assert _same(back.block, decode.decode_recording(Recording.open(src)))
    assert len(back.block) == 300
    # Within two steps of the 16-bit quantisation (±16 g: 0.0048 m/s², ±2000 deg/s: 0.0011 rad/s).
    assert np.abs(back.block.acc - sent.acc).max() < 0.01
    assert np.abs(back.block.gyr - sent.gyr).max() < 0.002


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda d: d / "missing.trk", "no such file"),
        (lambda d: d, "is a directory"),
        (lambda d: _trk(d / "empty.trk"), "no samples"),
        (lambda d: _trk(d / "noprofile.trk", packets=PACKETS), "no firmware profile"),
        (
            lambda d: (
                d / "bad.csv",
                (d / "bad.csv").write_text("t,ax,ay,az,gx,gy,gz\n0,1,2,x,4,5,6\n"),
            )[0],
            ":2: az: 'x' is not a number",
        ),
        (
            lambda d: (
                d / "junk.trk",
                (d / "junk.trk").write_bytes(b"TRACKER-RECORDING\n\x00\x01"),
            )[0],
            "header is damaged",
        ),
    ],
    ids=["missing", "directory", "no-samples", "no-profile", "bad-csv", "bad-header"],
)
def test_bad_input_is_one_line_exit_2_and_writes_nothing(tmp_path, capsys, make, words):
    src = make(tmp_path)
    out = tmp_path / "out.csv"
    assert _run(["export", src, "-o", out]) == 2
    err = _one_line_error(capsys)
    assert err.startswith(f"tracker: {src}") and words in err
    assert not out.exists()


def test_samples_that_cannot_be_samples_are_skipped_with_a_warning(tmp_path, capsys):
    """As analyze skips them: a clock that stepped back, values that are not numbers."""
    block = _block(10)
    src = tmp_path / "back.trk"
    with RecordingWriter(src, source={"kind": "ble"}) as w:
        w.write_samples(block)
        w.write_samples(block.slice(8, 10))  # the clock stepped back
        w.write_samples(ImuBlock(np.array([0.5]), np.full((1, 3), np.nan), np.zeros((1, 3))))
    assert _run(["export", src, "-o", tmp_path / "back.csv"]) == 0
    err = capsys.readouterr().err
    assert "skipped 2 sample(s) whose values are not after the sample before" in err
    assert "skipped 1 sample(s) whose values are not finite numbers" in err
    back = read_csv(tmp_path / "back.csv")
    assert _same(back.block, block)
    assert any("not after the sample before" in c for c in back.comments)


def test_output_over_the_input_is_refused(tmp_path, capsys):
    src = _trk(tmp_path / "s.trk", _block())
    before = src.read_bytes()
    assert _run(["export", src, "-o", tmp_path / "." / "s.trk"]) == 2
    assert "would replace the recording itself" in _one_line_error(capsys)
    assert src.read_bytes() == before


def test_unwritable_output_is_one_line_exit_1(tmp_path, capsys):
    src = _trk(tmp_path / "s.trk", _block())
    assert _run(["export", src, "-o", tmp_path / "no-dir" / "s.csv"]) == 1
    assert "could not write" in _one_line_error(capsys)


def test_missing_output_option_is_a_usage_error(tmp_path, capsys):
    assert _run(["export", tmp_path / "s.trk"]) == 2
    assert "-o" in _one_line_error(capsys)


def test_no_traceback_reaches_stderr_from_the_real_command_line(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"t,ax,ay,az,gx,gy,gz\n0,1,2,3,4,5,6\n0,1,2,3,4,5,6\n")
    proc = subprocess.run(
        [sys.executable, "-m", "tracker.cli", "export", str(bad), "-o", str(tmp_path / "o.csv")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert f"{bad}:3: t = 0 s does not come after t = 0 s on line 2" in proc.stderr
