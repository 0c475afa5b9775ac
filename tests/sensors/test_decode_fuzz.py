"""Fuzzing every decoder: bad bytes give counted errors or valid samples, never an exception."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracker.core.types import ImuBlock
from tracker.sensors.catalog import load_profiles
from tracker.sensors.decode import make_decoder, make_encoder

PROFILES = load_profiles([])
NAMES = list(PROFILES)
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _block(name: str, n: int = 72) -> ImuBlock:
    rate = PROFILES[name].default_hz
    t = 1.0 + np.arange(n) / rate
    k = np.arange(n)[:, None]
    acc = np.array([0.5, -0.3, 9.81]) + 0.01 * k * np.array([1, -1, 1])
    gyr = np.array([0.2, -0.1, 0.05]) + 0.001 * k * np.array([1, 1, -1])
    return ImuBlock.from_arrays(t, acc, gyr)


# valid notifications of each profile, made once
VALID = {n: make_encoder(PROFILES[n]).encode_timed(_block(n)) for n in NAMES}


def _channels(name: str) -> list[str]:
    return ["", *PROFILES[name].chars]


@pytest.mark.parametrize("name", NAMES)
@FUZZ
@given(data=st.data())
def test_random_bytes_never_raise(name, data):
    decoder = make_decoder(PROFILES[name])
    payloads = data.draw(st.lists(st.binary(max_size=260), min_size=1, max_size=6))
    channels = data.draw(st.lists(st.sampled_from(_channels(name)), min_size=6, max_size=6))
    last_t = -np.inf
    for i, payload in enumerate(payloads):
        r = decoder.feed(payload, 0.01 * i, channels[i])
        assert len(r.block) == len(r.device_t_s)
        assert np.isfinite(r.block.acc).all() and np.isfinite(r.block.gyr).all()
        assert all(isinstance(e, str) and "\n" not in e for e in r.errors)
        if len(r.block):
            assert r.block.t_s[0] > last_t and np.all(np.diff(r.block.t_s) > 0)
            last_t = r.block.t_s[-1]
    assert decoder.stats.packets == len(payloads)


def _reference(name: str) -> tuple[np.ndarray, np.ndarray]:
    """What the valid notifications decode to."""
    r = make_decoder(PROFILES[name]).feed_many(_raw(VALID[name]))
    return r.block.acc, r.block.gyr


def _raw(notes):
    from tracker.core.types import RawPacket

    return [RawPacket(t, payload, ch) for t, ch, payload in notes]


def _parse(decoder, payload: bytes, channel: str):
    """Samples the parser takes from one notification (before timing and pairing)."""
    parsed = decoder.parser.parse([payload], np.zeros(1), [channel])
    chunks = parsed.chunks()
    acc = np.concatenate([c.acc for c in chunks.values()]) if chunks else np.empty((0, 3))
    gyr = np.concatenate([c.gyr for c in chunks.values()]) if chunks else np.empty((0, 3))
    return acc, gyr, parsed.errors


# profiles whose frames fix their own length (by header, exact size or checksum)
SELF_DELIMITED = [
    "witmotion-bwt901ble5",
    "nordic-thingy52",
    "mbientlab-metamotion",
    "arduino-science-journal",
    "nus-binary",
]


@pytest.mark.parametrize("name", [*SELF_DELIMITED, "movesense"])
@FUZZ
@given(data=st.data())
def test_a_truncated_packet_gives_no_sample(name, data):
    notes = VALID[name]
    # a stream that has sent a whole packet (GSP has no length field: a first packet
    # cut at a 24-byte boundary cannot be told from a short one)
    first = 2 if name == "movesense" else 1
    index = data.draw(st.integers(first, len(notes) - 1))
    _, channel, payload = notes[index]
    cut = data.draw(st.integers(0, len(payload) - 1))
    decoder = make_decoder(PROFILES[name])
    assert decoder.feed_many(_raw(notes[:index])).errors == ()  # the stream so far
    acc, gyr, errors = _parse(decoder, payload[:cut], channel)
    assert len(acc) == 0 and len(gyr) == 0 and errors


@pytest.mark.parametrize("name", SELF_DELIMITED)
@FUZZ
@given(data=st.data())
def test_an_extended_packet_keeps_its_samples_and_reports_the_rest(name, data):
    _, channel, payload = VALID[name][0]
    p = PROFILES[name]
    starts = {h[:1] for h in [pk.header for pk in p.packets] + [p.battery.reply] if h}
    extra = data.draw(
        st.binary(min_size=1, max_size=min(8, len(payload) - 1)).filter(
            lambda b: b[:1] not in starts  # junk, not the start of another frame
        )
    )
    decoder = make_decoder(PROFILES[name])
    clean = _parse(make_decoder(PROFILES[name]), payload, channel)
    acc, gyr, errors = _parse(decoder, payload + extra, channel)
    assert errors, "trailing bytes are reported"
    if len(acc) or len(gyr):  # header-framed: the whole frame before the junk is intact
        np.testing.assert_array_equal(acc, clean[0])
        np.testing.assert_array_equal(gyr, clean[1])


@FUZZ
@given(data=st.data())
def test_any_single_byte_corruption_of_a_binary_frame_is_caught(data):
    _, channel, payload = VALID["nus-binary"][data.draw(st.integers(0, 71))]
    pos = data.draw(st.integers(0, len(payload) - 1))
    new = data.draw(st.integers(0, 255).filter(lambda b: b != payload[pos]))
    corrupt = payload[:pos] + bytes([new]) + payload[pos + 1 :]
    acc, _, errors = _parse(make_decoder(PROFILES["nus-binary"]), corrupt, channel)
    assert len(acc) == 0 and errors


@FUZZ
@given(data=st.data())
def test_polar_frames_cut_anywhere_never_give_wrong_values(data):
    notes = VALID["polar-verity-sense"]
    _, channel, payload = notes[data.draw(st.integers(0, len(notes) - 1))]
    cut = data.draw(st.integers(0, len(payload) - 1))
    full_acc, full_gyr, _ = _parse(make_decoder(PROFILES["polar-verity-sense"]), payload, channel)
    acc, gyr, errors = _parse(make_decoder(PROFILES["polar-verity-sense"]), payload[:cut], channel)
    # no length field: a cut at a block boundary leaves a shorter frame of true samples
    np.testing.assert_array_equal(acc, full_acc[: len(acc)])
    np.testing.assert_array_equal(gyr, full_gyr[: len(gyr)])
    assert errors or len(acc) + len(gyr) > 0


@FUZZ
@given(data=st.data())
def test_text_lines_survive_any_split(data):
    """However the byte stream is cut into notifications, the same samples come back."""
    stream = b"".join(p for _, _, p in VALID["nus-csv"])
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=40)))
    parts = [stream[a:b] for a, b in zip([0, *cuts], [*cuts, len(stream)], strict=True)]
    decoder = make_decoder(PROFILES["nus-csv"])
    results = [decoder.feed(p, 0.0, "tx") for p in parts]
    acc = np.concatenate([r.block.acc for r in results])
    assert all(r.errors == () for r in results)
    np.testing.assert_array_equal(acc, _reference("nus-csv")[0])
