"""`tracker decode PROFILE HEX... [--json]` through the real command line."""

from __future__ import annotations

import json
import struct
import tempfile

import numpy as np
import pytest

from tracker.cli import main
from tracker.core.types import GRAVITY_M_S2 as G
from tracker.sensors.decoders.nus_binary import crc8

METAWEAR_ACC = "03 04 16 c4 94 a2 2a d0"  # test_accelerometer_bmi160.py, ±4 g
METAWEAR_GYR = "13:05:3e:43:ff:7f:00:80"  # test_gyro_bmi160.py, ±500 deg/s (colons allowed)


def run(capsys, *args) -> tuple[int, str, str]:
    empty = tempfile.mkdtemp()  # not the person's own profiles
    status = main(["decode", *args, "--profiles-dir", empty])
    out = capsys.readouterr()
    return status, out.out, out.err


def test_json_holds_samples_in_si_and_errors(capsys):
    status, out, err = run(
        capsys,
        "mbientlab-metamotion",
        METAWEAR_ACC,
        METAWEAR_GYR,
        "--acc-range",
        "4",
        "--gyr-range",
        "500",
        "--json",
    )
    assert status == 0 and err == ""
    body = json.loads(out)
    assert body["errors"] == []
    (sample,) = body["samples"]
    assert sample["t_s"] is None  # MetaWear streams carry no device time
    assert [round(v / G, 3) for v in sample["acc_m_s2"]] == [-1.872, -2.919, -1.495]
    assert [round(v * 180 / 3.141592653589793, 3) for v in sample["gyr_rad_s"]] == [
        262.409,
        499.497,
        -499.512,
    ]


def test_json_lists_undecodable_payloads_and_bad_hex(capsys):
    status, out, err = run(
        capsys, "witmotion-bwt901ble5", "55 61 00 08", "zz", "55 61" + " 00" * 18, "--json"
    )
    assert status == 2, "an argument that is not hex is bad usage"
    body = json.loads(out)
    assert len(body["samples"]) == 1
    assert body["errors"] == [
        "notification 2: not hexadecimal: 'zz'",
        "notification 1: 4 bytes at byte 0 where a frame has 20",
    ]
    assert "Traceback" not in err


def test_device_time_and_channel_prefix(capsys):
    body = struct.pack("<BHI6h", 0xA5, 7, 2_500_000, 2048, 0, 0, 0, 0, 164)
    frame = (body + bytes([int(crc8(np.frombuffer(body, np.uint8)[None, :])[0])])).hex()
    status, out, _ = run(capsys, "nus-binary", f"tx={frame}", "--json")
    sample = json.loads(out)["samples"][0]
    assert status == 0 and sample["t_s"] == 2.5
    assert sample["acc_m_s2"] == [pytest.approx(G), 0.0, 0.0]
    acc = struct.pack("<3f", 0, 0, 1).hex()
    gyr = struct.pack("<3f", 0, 0, 0).hex()
    status, out, _ = run(capsys, "arduino-science-journal", f"acc={acc}", f"gyr={gyr}", "--json")
    assert status == 0 and len(json.loads(out)["samples"]) == 1


def test_readable_table(capsys):
    status, out, _ = run(
        capsys,
        "mbientlab-metamotion",
        METAWEAR_ACC,
        METAWEAR_GYR,
        "03 1c 00",
        "--acc-range",
        "4",
        "--gyr-range",
        "500",
    )
    lines = out.splitlines()
    assert status == 0
    assert lines[0] == "mbientlab-metamotion: 1 sample, 1 error"
    assert "-18.361" in lines[2] and "8.7179" in lines[2]
    assert lines[-1] == "error: notification 3: 3 bytes at byte 0 where a frame has 20"


def test_unknown_profile_and_range(capsys):
    status, _, err = run(capsys, "thingy", "00")
    assert status == 2 and err.startswith("tracker: unknown firmware profile 'thingy'")
    status, _, err = run(capsys, "mbientlab-metamotion", "00", "--acc-range", "3")
    assert status == 2 and "choose from 2, 4, 8, 16" in err and err.count("\n") == 1


def test_bytes_not_quoted_as_one_argument_are_refused_in_one_line(capsys):
    frame = ("55 61" + " 00" * 18).split()
    status, out, err = run(capsys, "witmotion-bwt901ble5", *frame)
    assert status == 2 and out == "" and err.count("\n") == 1
    assert "quote a notification's bytes as one argument" in err
    assert "tracker decode witmotion-bwt901ble5 '55 61 00 00 ...'" in err


def test_a_flipped_bit_in_a_polar_frame_is_an_error_of_that_frame_not_a_traceback(capsys):
    """Acc and gyr frames with one bit flipped in the second acc frame's time stamp (it
    paired nothing and raised IndexError)."""
    frames = [
        "02bb20b96300000000813300e1ffe803022300" + "00" * 26,
        "05bb20b9630000000080bc00a2ff2f00022300" + "00" * 26,
        "02a7e7fc8c00000000813300e1ffe803022300" + "00" * 26,
        "05a7e7fccc0000000080bc00a2ff2f00022300" + "00" * 26,
    ]
    status, out, err = run(capsys, "polar-verity-sense", *frames, "--json")
    assert status == 0 and err == ""
    body = json.loads(out)
    assert all(abs(v) < 8 * G * 1.25 for s in body["samples"] for v in s["acc_m_s2"])
