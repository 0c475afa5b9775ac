"""Encode -> decode round trips for every shipped profile, and the timing rules under loss."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from tracker.core.types import ImuBlock, RawPacket
from tracker.sensors.catalog import load_profiles
from tracker.sensors.decode import decode_packets, decode_recording, make_decoder, make_encoder

PROFILES = load_profiles([])
NAMES = list(PROFILES)
DEVICE_TIME = [n for n, p in PROFILES.items() if p.timing.source != "none"]
NO_DEVICE_TIME = [n for n, p in PROFILES.items() if p.timing.source == "none"]


def motion(rate_hz: float, n: int, t0: float = 5.0, seed: int = 0) -> ImuBlock:
    """A plausible thigh signal within every profile's range: gravity, swings, noise."""
    rng = np.random.default_rng(seed)
    t = t0 + np.arange(n) / rate_hz
    phase = 2 * np.pi * 0.5 * (t - t0)
    acc = np.column_stack([3 * np.sin(phase), 2 * np.cos(phase), 9.81 + np.sin(3 * phase)])
    gyr = np.column_stack([2 * np.cos(phase), -1.5 * np.sin(2 * phase), 0.5 * np.sin(phase)])
    return ImuBlock.from_arrays(
        t, acc + rng.normal(0, 0.2, (n, 3)), gyr + rng.normal(0, 0.1, (n, 3))
    )


def quantum(name: str) -> tuple[float, float]:
    """One quantisation step of acc (m/s²) and gyr (rad/s) in what the firmware sends."""
    p = PROFILES[name]
    s = p.settings()
    if name == "nus-csv":
        digits = p.options["acc_decimals"], p.options["gyr_decimals"]
        return 10.0 ** -digits[0] * p.acc.si, 10.0 ** -digits[1] * p.gyr.si
    if name in ("movesense", "arduino-science-journal"):  # f32: relative 2^-23 of ~30
        return 4e-6, 4e-6
    return s.acc_scale * p.acc.si, s.gyr_scale * p.gyr.si


def packets(name: str, block: ImuBlock, latency_s: float = 0.0, **kw) -> list[RawPacket]:
    enc = make_encoder(PROFILES[name], **kw)
    return [RawPacket(t + latency_s, payload, ch) for t, ch, payload in enc.encode_timed(block)]


@dataclass
class Decoded:
    t: np.ndarray
    acc: np.ndarray
    gyr: np.ndarray
    lost: int
    unpaired: int
    errors: tuple
    notes: tuple


def run(name: str, pkts: list[RawPacket], chunk: int | None = None) -> Decoded:
    dec = make_decoder(PROFILES[name])
    if chunk is None:
        results = [dec.feed_many(pkts)]
    else:
        results = [dec.feed_many(pkts[i : i + chunk]) for i in range(0, len(pkts), chunk)]
    return Decoded(
        np.concatenate([r.block.t_s for r in results]),
        np.concatenate([r.block.acc for r in results]),
        np.concatenate([r.block.gyr for r in results]),
        sum(r.lost for r in results),
        sum(r.unpaired for r in results),
        tuple(e for r in results for e in r.errors),
        tuple(n for r in results for n in r.notes),
    )


@pytest.mark.parametrize("name", NAMES)
def test_round_trip_within_one_quantisation_step(name):
    rate = PROFILES[name].default_hz
    block = motion(rate, 360)
    out = run(name, packets(name, block))
    q_acc, q_gyr = quantum(name)
    assert out.errors == () and out.lost == 0 and out.unpaired == 0
    assert len(out.t) == 360, "every sample of whole packets comes back"
    np.testing.assert_array_less(np.abs(out.acc - block.acc), q_acc)
    np.testing.assert_array_less(np.abs(out.gyr - block.gyr), q_gyr)
    # times: the first packet's last sample is anchored at its arrival, then the device decides
    resolution = {"movesense": 1e-3, "nus-csv": 1e-3}.get(name, 1e-6)
    offset = out.t - block.t_s
    if name == "nus-csv":  # a line ends in the notification that carries the next line's start
        assert 0 <= offset[0] <= 1 / rate + resolution
        np.testing.assert_allclose(np.diff(out.t), np.diff(block.t_s), atol=2 * resolution)
    else:
        np.testing.assert_allclose(offset, 0, atol=resolution)
    assert np.all(np.diff(out.t) > 0)


@pytest.mark.parametrize("name", NAMES)
def test_chunking_does_not_change_the_result(name):
    block = motion(PROFILES[name].default_hz, 300, seed=1)
    pkts = packets(name, block, latency_s=0.004)
    whole = run(name, pkts)
    for chunk in (1, 7):
        part = run(name, pkts, chunk)
        np.testing.assert_array_equal(part.t, whole.t)
        np.testing.assert_array_equal(part.acc, whole.acc)
        np.testing.assert_array_equal(part.gyr, whole.gyr)
        assert (part.lost, part.unpaired) == (whole.lost, whole.unpaired)


def _drop(pkts: list[RawPacket], start_s: float, stop_s: float) -> list[RawPacket]:
    return [p for p in pkts if not start_s <= p.t_rx_s < stop_s]


def _samples_in(name: str, pkts: list[RawPacket]) -> int:
    """Samples the notifications carry, counted in each stream (acc and gyr apart)."""
    parser = make_decoder(PROFILES[name]).parser
    parsed = parser.parse([p.payload for p in pkts], np.zeros(len(pkts)), [p.channel for p in pkts])
    return sum(len(c) for c in parsed.chunks().values())


@pytest.mark.parametrize("name", [n for n in DEVICE_TIME if n != "nus-csv"])
def test_lost_packets_are_counted_from_device_time(name):
    rate = PROFILES[name].default_hz
    block = motion(rate, int(rate * 6), seed=2)
    pkts = packets(name, block)
    kept = _drop(pkts, 7.0, 7.5)
    out = run(name, kept)
    received = len(out.t)
    assert out.lost == _samples_in(name, pkts) - _samples_in(name, kept), "every one is counted"
    # and the samples after the gap keep their true times (device clock, not arrival)
    np.testing.assert_allclose(out.t, _nearest(block.t_s, out.t), atol=1e-3)
    assert len(np.unique(_nearest(block.t_s, out.t))) == received
    assert out.errors == ()


def test_lost_lines_of_text_are_counted_too():
    block = motion(100.0, 600, seed=3)
    pkts = packets("nus-csv", block)
    out = run("nus-csv", _drop(pkts, 7.0, 7.3))
    # a cut line is an error (its halves rejoin wrongly), the rest are counted lost
    assert out.lost + len(out.t) + len(out.errors) >= len(block) - 1
    assert 0 < len(out.errors) <= 2 and out.lost > 25


@pytest.mark.parametrize("name", NO_DEVICE_TIME)
def test_without_device_time_a_long_gap_moves_the_grid(name):
    rate = PROFILES[name].default_hz
    block = motion(rate, int(rate * 8), seed=4)
    rng = np.random.default_rng(5)
    pkts = packets(name, block, latency_s=0.02)
    pkts = [RawPacket(p.t_rx_s + rng.uniform(0, 0.03), p.payload, p.channel) for p in pkts]
    kept = _drop(pkts, 8.0, 8.6)  # 0.6 s > gap_s
    out = run(name, kept)
    missing = _samples_in(name, pkts) - _samples_in(name, kept)
    streams = len({pk.stream for pk in PROFILES[name].packets})
    assert abs(out.lost - missing) <= streams * (np.ceil(0.03 * rate) + 1)  # arrival jitter
    # times stay within the arrival latency and jitter of the truth, before and after the gap
    assert np.max(np.abs(out.t - _nearest(block.t_s, out.t))) < 0.06
    assert np.all(np.diff(out.t) > 0)


def _nearest(grid, t):
    i = np.clip(np.searchsorted(grid, t), 1, len(grid) - 1)
    return np.where(np.abs(grid[i] - t) < np.abs(grid[i - 1] - t), grid[i], grid[i - 1])


def test_without_device_time_samples_follow_the_nominal_rate_from_the_first_arrival():
    block = motion(100.0, 50, seed=6)
    pkts = packets("witmotion-bwt901ble5", block, latency_s=0.013)
    rng = np.random.default_rng(7)
    jittered = [RawPacket(p.t_rx_s + rng.uniform(0, 0.05), p.payload) for p in pkts]
    jittered[0] = pkts[0]
    out = run("witmotion-bwt901ble5", jittered)
    np.testing.assert_allclose(out.t, pkts[0].t_rx_s + np.arange(50) / 100.0, atol=1e-9)
    assert out.lost == 0


@pytest.mark.parametrize(
    ("name", "offset_s"),
    [
        ("nus-binary", 2**32 * 1e-6 - 6.0),
        ("movesense", 2**32 * 1e-3 - 6.0),
        ("nus-csv", 2**32 * 1e-3 - 6.0),
    ],
)
def test_clock_wraparound_is_undone(name, offset_s):
    rate = PROFILES[name].default_hz
    block = motion(rate, int(rate * 4), seed=8)
    out = run(name, packets(name, block, clock_offset_s=offset_s))
    assert out.lost == 0 and out.notes == () and out.errors == ()
    resolution = 1e-6 if name == "nus-binary" else 1e-3
    np.testing.assert_allclose(
        np.diff(out.t), np.diff(block.t_s[: len(out.t)]), atol=2 * resolution
    )


def test_a_device_clock_reset_reanchors_without_going_back():
    block = motion(100.0, 400, seed=9)
    first = packets("nus-binary", block.slice(0, 200), clock_offset_s=100.0)
    second = packets("nus-binary", block.slice(200, 400), clock_offset_s=-5.0)  # rebooted
    out = run("nus-binary", first + second)
    assert len(out.t) == 400 and np.all(np.diff(out.t) > 0)
    assert any("re-anchored" in n for n in out.notes) and out.lost == 0
    # after the reset, times follow the second clock again
    np.testing.assert_allclose(np.diff(out.t[200:]), 0.01, atol=1e-6)


def test_pairing_drops_samples_whose_partner_never_comes():
    # gyro starts two packets (6 samples) after acc; every pair must be one instant
    p = PROFILES["mbientlab-metamotion"]
    block = motion(100.0, 60, seed=10)
    tagged = ImuBlock.from_arrays(block.t_s, block.acc, block.acc / 10)  # gyr mirrors acc
    pkts = packets("mbientlab-metamotion", tagged, latency_s=0.01)
    gyro_char_header = bytes.fromhex("1307")
    gyro = [q for q in pkts if q.payload.startswith(gyro_char_header)]
    late = [q for q in pkts if not (q.payload.startswith(gyro_char_header) and q in gyro[:2])]
    out = decode_packets(p, late)
    assert out.unpaired == 6 and len(out) == 54
    q_acc = quantum("mbientlab-metamotion")[0]
    q_gyr = p.settings().gyr_scale * p.gyr.si
    np.testing.assert_allclose(out.block.gyr * 10, out.block.acc, atol=q_acc + 10 * q_gyr)


def test_pairing_by_device_time_for_polar():
    block = motion(52.0, 36 * 4, seed=11)
    pkts = packets("polar-verity-sense", block, latency_s=0.03)
    # lose the second GYRO frame: its 36 acc partners are dropped, not mispaired
    gyro = [q for q in pkts if q.payload[0] == 5]
    out = run("polar-verity-sense", [q for q in pkts if q is not gyro[1]])
    assert len(out.t) == 36 * 3 and out.unpaired == 36 and out.lost == 36
    true = block.t_s[np.searchsorted(block.t_s, out.t - out.t[0] + block.t_s[0] - 1e-6)]
    np.testing.assert_allclose(out.t - out.t[0], true - true[0], atol=1e-6)


class FakeRecording:
    """What decode_recording reads from a packet recording (tracker.files.recording.Recording)."""

    def __init__(self, profile, pkts, metadata=None):
        self.profile_toml = profile.text
        self._packets = pkts
        self.metadata = metadata or {}
        self.path = "session.trk"

    def packets(self):
        return iter(self._packets)


def test_decode_recording_uses_the_stored_profile_and_settings():
    p = PROFILES["mbientlab-metamotion"]
    block = motion(50.0, 90, seed=12)
    pkts = packets("mbientlab-metamotion", block, rate_hz=50, acc_range=8)
    decoded = decode_recording(FakeRecording(p, pkts, {"rate_hz": 50, "acc_range": 8}))
    assert len(decoded) == 90
    np.testing.assert_allclose(decoded.t_s, block.t_s, atol=1e-9)
    np.testing.assert_allclose(
        decoded.acc, block.acc, atol=p.settings(acc_range=8).acc_scale * 9.81
    )
    # with the wrong range the same bytes scale differently: the settings matter
    wrong = decode_recording(FakeRecording(p, pkts))
    assert np.max(np.abs(wrong.acc - block.acc)) > 1.0


def test_a_packet_recording_replays_through_the_stored_profile(tmp_path):
    from tracker.files.recording import Recording, RecordingWriter
    from tracker.files.replay import iter_blocks

    p = PROFILES["polar-verity-sense"]
    block = motion(52.0, 36 * 5, seed=13)
    path = tmp_path / "polar.trk"
    with RecordingWriter(
        path,
        source={"kind": "ble"},
        profile_name=p.name,
        profile_toml=p.text,
        meta=p.settings().to_json(),
    ) as w:
        for packet in packets("polar-verity-sense", block, latency_s=0.05):
            w.write_packet(packet)
    decoded = decode_recording(Recording.open(path))
    assert len(decoded) == len(block)
    np.testing.assert_allclose(np.diff(decoded.t_s), np.diff(block.t_s), atol=1e-6)
    np.testing.assert_array_less(np.abs(decoded.acc - block.acc), quantum(p.name)[0])
    (replayed,) = list(iter_blocks(path))
    np.testing.assert_array_equal(replayed.acc, decoded.acc)


COUNTER_PROFILE = """
name = "test-counter"
device = "a layout with a sample counter and a frame sequence number"
description = "exercises the fixed decoder's counter, seq and axis map"
sources = ["tests"]
mtu = 31

[advertising]
names = ["test*"]

[gatt]
service = "12345678-0000-1000-8000-00805f9b34fb"
data = "12345679-0000-1000-8000-00805f9b34fb"

[rate]
default_hz = 200

[acc]
unit = "mg"
scale = 1.0
axes = ["-y", "x", "z"]

[gyr]
unit = "mdeg/s"
scale = 100.0
axes = ["z", "-x", "y"]

[timing]
source = "counter"
bits = 8

[[packets]]
stream = "imu"
char = "data"
header = "aa"
length = 28
samples = 2
stride = 12
seq = { offset = 1, type = "u8" }
stamp = { offset = 2, type = "u8" }
acc = { offset = 4, type = "i16" }
gyr = { offset = 10, type = "i16" }

[commands]
start = [{ op = "subscribe", char = "data", role = "start" }]
"""


def test_counter_seq_and_axis_map_of_a_fixed_layout():
    from tracker.sensors.catalog import load_profile_text

    p = load_profile_text(COUNTER_PROFILE, "test-counter.toml")
    block = motion(200.0, 800, seed=14)  # the u8 counter wraps three times
    pkts = [RawPacket(t, b, c) for t, c, b in make_encoder(p).encode_timed(block)]
    # header, seq (frames) and counter (samples): frame 130 is seq 130, sample 260 mod 256
    assert [q.payload[:3].hex() for q in pkts[:2]] == ["aa0000", "aa0102"]
    assert pkts[130].payload[1:3] == bytes([130, 4])
    # a frame sent twice and a run of lost frames
    stream = [*pkts[:100], pkts[99], *pkts[110:]]
    out = decode_packets(p, stream)
    assert out.errors == ("1 repeated packet(s) dropped (same seq)",)
    assert out.lost == 20 and len(out) == 780
    np.testing.assert_allclose(out.block.t_s, _nearest(block.t_s, out.block.t_s), atol=1e-9)
    kept = np.searchsorted(block.t_s, out.block.t_s - 1e-6)
    np.testing.assert_array_less(np.abs(out.block.acc - block.acc[kept]), 9.81e-3)
    np.testing.assert_array_less(np.abs(out.block.gyr - block.gyr[kept]), np.deg2rad(0.1))
    # the axis map: sensor x is -raw y, so raw y holds -x
    raw = np.frombuffer(pkts[0].payload[4:10], "<i2")
    np.testing.assert_allclose(-raw[1] * 9.80665e-3, out.block.acc[0, 0])


def test_battery_commands_and_an_unknown_channel():
    wit, thingy = PROFILES["witmotion-bwt901ble5"], PROFILES["nordic-thingy52"]
    assert wit.battery_command().data.hex(" ") == "ff aa 27 64 00"
    assert thingy.battery_command().char == "00002a19-0000-1000-8000-00805f9b34fb"
    assert PROFILES["movesense"].battery_command() is None
    r = make_decoder(thingy).feed(bytes(18), 0.0, "0000ffe4-0000-1000-8000-00805f9a34fb")
    assert len(r) == 0 and "this profile does not read" in r.errors[0]
