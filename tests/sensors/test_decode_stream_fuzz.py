"""A stream of valid notifications, damaged as the air and the firmware damage it, for
every profile: drops, late and duplicated notifications, truncated, extended, bit-flipped
and junk payloads. Whatever arrives, the decoder raises nothing but the project's own
errors, time never goes backwards and every value is one the sensor can report."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracker.core.errors import TrackerError
from tracker.core.types import ImuBlock, RawPacket
from tracker.files.interchange import ACC_LIMIT_M_S2, GYR_LIMIT_RAD_S
from tracker.sensors.catalog import load_profiles
from tracker.sensors.decode import make_decoder, make_encoder

PROFILES = load_profiles([])
NAMES = list(PROFILES)
KINDS = ("drop", "late", "duplicate", "truncate", "extend", "flip", "junk")


def _motion(rate_hz: float, n: int = 240) -> ImuBlock:
    t = 3.0 + np.arange(n) / rate_hz
    phase = 2 * np.pi * 0.5 * (t - t[0])
    acc = np.column_stack([3 * np.sin(phase), 2 * np.cos(phase), 9.81 + np.sin(3 * phase)])
    gyr = np.column_stack([2 * np.cos(phase), -1.5 * np.sin(2 * phase), 0.5 * np.sin(phase)])
    return ImuBlock.from_arrays(t, acc, gyr)


STREAMS = {
    n: [
        RawPacket(t + 0.004, payload, channel)
        for t, channel, payload in make_encoder(PROFILES[n]).encode_timed(
            _motion(PROFILES[n].default_hz)
        )
    ]
    for n in NAMES
}

INTACT = {n: len(make_decoder(PROFILES[n]).feed_many(STREAMS[n])) for n in NAMES}


def _damage(packets: list[RawPacket], harms, rng_bytes: bytes) -> list[RawPacket]:
    """The stream with each (index, kind, amount) harm done to it, in arrival order."""
    out = list(packets)
    late: list[RawPacket] = []
    for index, kind, amount in sorted(harms, key=lambda h: -h[0]):
        i = index % len(out)
        p = out[i]
        payload = p.payload
        if kind == "drop":
            del out[i]
        elif kind == "late":  # held back by the radio, delivered up to a second later
            del out[i]
            late.append(RawPacket(p.t_rx_s + amount / 1000, payload, p.channel))
        elif kind == "duplicate":
            out.insert(i, p)
        elif kind == "truncate":
            out[i] = RawPacket(p.t_rx_s, payload[: amount % max(1, len(payload))], p.channel)
        elif kind == "extend":
            out[i] = RawPacket(p.t_rx_s, payload + rng_bytes[: 1 + amount % 16], p.channel)
        elif kind == "flip" and payload:
            bit = amount % (8 * len(payload))
            flipped = bytearray(payload)
            flipped[bit // 8] ^= 1 << (bit % 8)
            out[i] = RawPacket(p.t_rx_s, bytes(flipped), p.channel)
        else:  # junk of the notification's own size
            out[i] = RawPacket(p.t_rx_s, (rng_bytes * 40)[: len(payload)], p.channel)
        if not out:
            break
    merged = sorted(out + late, key=lambda p: p.t_rx_s)  # receive times never go back
    return merged


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    harms=st.lists(
        st.tuples(st.integers(0, 10_000), st.sampled_from(KINDS), st.integers(0, 1000)),
        max_size=12,
    ),
    junk=st.binary(min_size=16, max_size=16),
    batch=st.integers(1, 9),
)
def test_a_damaged_stream_costs_its_samples_and_nothing_more(name, harms, junk, batch):
    profile = PROFILES[name]
    decoder = make_decoder(profile)
    acc_bound = min(ACC_LIMIT_M_S2, profile.acc.bound_si(None) or np.inf)
    gyr_bound = min(GYR_LIMIT_RAD_S, profile.gyr.bound_si(None) or np.inf)
    stream = _damage(STREAMS[name], harms, junk)
    last_t, decoded = -np.inf, 0
    for start in range(0, len(stream), batch):
        try:
            result = decoder.feed_many(stream[start : start + batch])
        except TrackerError:
            continue  # the project's own error, with its one-line message
        block = result.block
        decoded += len(block)
        assert all(isinstance(e, str) and "\n" not in e for e in result.errors)
        if not len(block):
            continue
        assert block.t_s[0] > last_t and np.all(np.diff(block.t_s) > 0), "time went back"
        last_t = float(block.t_s[-1])
        assert np.isfinite(block.acc).all() and np.isfinite(block.gyr).all()
        assert np.abs(block.acc).max() <= acc_bound, "beyond the accelerometer's range"
        assert np.abs(block.gyr).max() <= gyr_bound, "beyond the gyroscope's range"
    if not harms:  # (the last sample of a split stream may still wait for its partner)
        assert decoded >= INTACT[name] - 1, "an intact stream loses nothing"


SPLIT = [n for n in NAMES if set(make_decoder(PROFILES[n]).parser.streams) == {"acc", "gyr"}]


@pytest.mark.parametrize("name", SPLIT)
def test_one_lost_notification_of_a_split_stream_costs_its_samples_alone(name):
    """Pairing separate acc and gyr streams survives a lost notification, the first too."""
    stream = STREAMS[name]
    whole = make_decoder(PROFILES[name]).feed_many(stream).block
    per_packet = max(1, 2 * INTACT[name] // len(stream))
    for lost in (0, 2, len(stream) // 2):
        decoder = make_decoder(PROFILES[name])
        got = [decoder.feed_many([p]) for p in stream[:lost] + stream[lost + 1 :]]
        t = np.concatenate([r.block.t_s for r in got])
        assert 0 < len(whole) - len(t) <= per_packet + 1
        # each sample keeps its own time: the nearest of the intact stream's, within 1 ms
        nearest = np.clip(np.searchsorted(whole.t_s, t), 1, len(whole) - 1)
        nearest -= np.abs(whole.t_s[nearest - 1] - t) < np.abs(whole.t_s[nearest] - t)
        assert np.abs(whole.t_s[nearest] - t).max() < 1e-3
        assert len(np.unique(nearest)) == len(t)


def test_a_flipped_bit_in_a_polar_frame_drops_that_frame_with_an_error():
    stream = STREAMS["polar-verity-sense"]
    frame = bytearray(stream[2].payload)
    frame[15] ^= 0x40  # the reference sample's z, 16 g off: so is every sample after it
    damaged = [*stream[:2], RawPacket(stream[2].t_rx_s, bytes(frame)), *stream[3:]]
    result = make_decoder(PROFILES["polar-verity-sense"]).feed_many(damaged)
    assert np.abs(result.block.acc).max() < 8 * 9.81
    assert any("beyond what the sensor reports" in e for e in result.errors)
    assert len(result.block) == INTACT["polar-verity-sense"] - 36
