"""`tracker check`: a profile's scaling, axes and rate judged on a still-turn-still recording."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from tracker.cli import main
from tracker.core.types import ImuBlock
from tracker.sensors.check import G, check


def still_turn_still(rate_hz=100.0, turn_deg=90.0, seed=0) -> ImuBlock:
    """Lying still 5 s, turned onto its side (about x) in 4 s, still 5 s; sensor noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(0, 14.0, 1.0 / rate_hz)
    rate = np.where((t >= 5.0) & (t < 9.0), np.radians(turn_deg) / 4.0, 0.0)
    angle = np.concatenate([[0.0], np.cumsum(rate[:-1] / rate_hz)])
    body = Rotation.from_rotvec(np.column_stack([angle, 0 * angle, 0 * angle]))
    acc = body.inv().apply([0.0, 0.0, G]) + rng.normal(0, 0.02, (len(t), 3))
    gyr = np.column_stack([rate, 0 * rate, 0 * rate]) + rng.normal(0, 0.002, (len(t), 3))
    return ImuBlock(t, acc, gyr)


def by_check(result: dict) -> dict:
    return {f["check"]: f for f in result["findings"]}


def test_a_right_profile_passes_every_check():
    result = check(still_turn_still(), nominal_hz=100.0)
    assert result["ok"], result
    found = by_check(result)
    assert found["gravity"]["gravity_m_s2"] == pytest.approx(G, abs=0.05)
    assert found["turn"]["turn_deg"] == pytest.approx(90, abs=2)
    assert found["turn"]["miss_deg"] < 3


@pytest.mark.parametrize(
    ("fault", "name", "words"),
    [
        ("acc in g", "gravity", "it looks like g, not m/s²"),
        ("gyro in deg/s", "gyro_bias", None),
        ("gyro ×57", "turn", "scale or axes do not match"),
        ("gyro mirrored", "turn", "turns the wrong way"),
        ("rate", "rate", "(profile: 50 Hz)"),
    ],
)
def test_a_wrong_profile_is_named(fault, name, words):
    block = still_turn_still()
    acc, gyr = block.acc.copy(), block.gyr.copy()
    nominal = 100.0
    if fault == "acc in g":
        acc /= G
    elif fault == "gyro in deg/s":
        gyr += np.radians(5.0) * 57.3  # a 5 deg/s bias read as rad/s
    elif fault == "gyro ×57":
        gyr *= 57.29578
    elif fault == "gyro mirrored":
        gyr = -gyr
    else:
        nominal = 50.0
    result = check(ImuBlock(block.t_s, acc, gyr), nominal_hz=nominal)
    found = by_check(result)
    assert not result["ok"] and found[name]["ok"] is False, found
    if words:
        assert words in found[name]["text"]


def test_without_a_turn_the_gyro_cannot_be_judged():
    result = check(still_turn_still(turn_deg=10.0), nominal_hz=100.0)
    assert by_check(result)["turn"]["ok"] is None and result["ok"]


def test_command_on_a_csv(tmp_path, capsys):
    block = still_turn_still()
    path = tmp_path / "check.csv"
    rows = np.column_stack([block.t_s, block.acc, block.gyr])
    np.savetxt(path, rows, delimiter=",", header="t,ax,ay,az,gx,gy,gz", comments="", fmt="%.6f")
    assert main(["check", str(path)]) == 0
    out = capsys.readouterr().out
    assert "ok   gravity" in out and "ok   turn" in out
    assert "the profile reads this sensor right" in out
    assert main(["check", str(path), "--json"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["ok"] and body["profile"] is None and not body["simulated"]
