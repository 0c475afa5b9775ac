"""A sensor drops out mid-set and comes back: the recording holds what arrived, once, gap marked."""

from __future__ import annotations

import io

import numpy as np
import pytest
from bleak.exc import BleakError

from tracker.commands.analyze import analyze
from tracker.commands.record import StatusLine, open_writer, record
from tracker.core.errors import DeviceError
from tracker.files.recording import Recording
from tracker.sensors.ble import Backoff, BleSource
from tracker.sensors.ble.transport import Transport
from tracker.sensors.decode import decode_recording
from tracker.sim.ble import simulated_ble_source
from tracker.sim.ble.clock import SimClock
from tracker.sim.ble.fake import FakeClient, FakeRadio, FakeScanner

from .helpers import PROFILES, squats, stream_all

OFFLINE_S = 3.0


async def _record(tmp_path, name: str, label: str, **options):
    session = squats(PROFILES[name].default_hz, seed=8, reps=6)
    source = simulated_ble_source(session, profile=name, speed=None, offline_s=OFFLINE_S, **options)
    path = tmp_path / f"{label}.trk"
    ended = await record(source, open_writer(path, source), StatusLine(io.StringIO()))
    return source, Recording.open(path), ended


@pytest.mark.parametrize(
    ("name", "replay"), [("nus-binary", 5), ("movesense", 2), ("nordic-thingy52", 0)]
)
async def test_dropout_mid_set_loses_only_what_was_not_sent_and_counts_nothing_twice(
    tmp_path, name, replay
):
    session = squats(PROFILES[name].default_hz, seed=8, reps=6)
    drop_at_s = session.truth.reps[2]["bottom_s"]  # in the middle of the third rep
    whole, whole_rec, _ = await _record(tmp_path, name, "whole")
    cut, cut_rec, ended = await _record(
        tmp_path, name, "cut", drop_at_s=drop_at_s, replay_on_reconnect=replay
    )
    assert ended == "source ended"

    # The uninterrupted recording holds every notification sent.
    assert [p.payload for p in whole_rec.packets()] == [s.payload for s in whole.peripheral.sent]
    # The interrupted one holds every notification that arrived, in order, once:
    # what the sensor sent again after reconnecting was not recorded again.
    sent = cut.peripheral.sent
    replays = [s for s in sent if s.replay]
    assert len(replays) == replay
    recorded = [(p.channel, p.payload) for p in cut_rec.packets()]
    assert [p for _, p in recorded] == [s.payload for s in sent if not s.replay]
    assert len(set(recorded)) == len(recorded)
    if PROFILES[name].timing.source != "none":
        assert cut.repeats.dropped == replay

    # The gap is marked: disconnected, connected again, the samples lost counted.
    kinds = [e["kind"] for e in cut_rec.events()]
    assert kinds.count("connected") == 2 and "disconnected" in kinds
    assert kinds.index("disconnected") < len(kinds) - 1 - kinds[::-1].index("connected")
    gaps = [e for e in cut_rec.events() if e["kind"] == "gap"]
    assert len(gaps) == 1 and gaps[0]["t_s"] > drop_at_s
    lost = cut.decoder.stats.lost
    missing = whole.decoder.stats.samples - cut.decoder.stats.samples
    # without device time, lateness of arrival counts them: off by a connection interval
    slack = 0 if PROFILES[name].timing.source != "none" else 0.03 * cut.settings.rate_hz
    assert lost == pytest.approx(missing, abs=slack)
    assert OFFLINE_S * cut.settings.rate_hz <= lost <= (OFFLINE_S + 1.0) * cut.settings.rate_hz

    # Replay decodes the recording to exactly what was decoded live.
    live = cut.decoder.stats.samples
    assert len(decode_recording(cut_rec)) == live

    # Reps: the same as without the drop-out, but those the gap really took.
    full, part = analyze(whole_rec.path)["reps"], analyze(cut_rec.path)["reps"]
    back_s = drop_at_s + OFFLINE_S
    hit = [r for r in full if r["end_s"] > drop_at_s - 1.0 and r["start_s"] < back_s + 1.0]
    assert 1 <= len(hit) <= 2
    assert len(full) - len(hit) <= len(part) <= len(full)
    for rep in part:  # no rep that was not there
        assert min(abs(rep["start_s"] - r["start_s"]) for r in full) < 0.15
    for rep in full:  # every rep clear of the gap is still there
        if rep not in hit:
            assert min(abs(rep["start_s"] - r["start_s"]) for r in part) < 0.15


async def test_reconnects_with_a_new_client_after_a_rescan_with_growing_capped_delays():
    clients, scans, delays, failures = [], [], [], [4]

    class Client(FakeClient):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            clients.append(self)

        async def connect(self, pair, **kwargs):
            if len(clients) > 1 and failures[0]:  # after the drop-out, four attempts fail
                failures[0] -= 1
                raise BleakError("connection failed (simulated)")
            await super().connect(pair, **kwargs)

    class Scanner(FakeScanner):
        async def start(self):
            scans.append(1)
            await super().start()

    session = squats(100.0, seed=8, reps=6)
    source = simulated_ble_source(session, profile="nus-binary", speed=None, drop_at_s=10.0)
    radio = source.transport.kwargs["radio"]
    source.transport = Transport(Scanner, Client, {"radio": radio}, radio.clock.now)
    source.backoff = Backoff(first_s=0.01, factor=2.0, max_s=0.04, give_up_s=30.0)
    real_pause = source._pause

    async def pause(delay_s):
        delays.append(delay_s)
        await real_pause(delay_s)

    source._pause = pause
    got = await stream_all(source, pipeline=False)
    assert delays == [0.01, 0.02, 0.04, 0.04]
    assert len(clients) == 6 and len({id(c) for c in clients}) == 6  # first, 4 failed, back
    assert len(scans) == 6  # every attempt scans first
    # each attempt is announced, each failure says why and when the next comes
    assert got.kinds().count("reconnecting") == 5 + 4 and got.kinds()[-1] == "stopped"
    assert source.peripheral.connections == 2


async def test_gives_up_after_the_give_up_time_with_a_failed_status():
    radio = FakeRadio(SimClock(None))  # nothing in the air
    source = BleSource(
        PROFILES["nus-binary"],
        "C0:FF:00:00:00:01",
        transport=radio.transport(),
        backoff=Backoff(first_s=0.01, factor=2.0, max_s=0.02, give_up_s=0.2),
        scan_timeout_s=0.02,
    )
    statuses = []
    with pytest.raises(DeviceError, match="not reached"):
        async for item in source.stream():
            statuses.append(item)
    assert statuses[-1].kind == "failed" and "not reached" in statuses[-1].detail
    assert {s.kind for s in statuses[:-1]} == {"connecting", "reconnecting"}
    assert sum("next try in" in s.detail for s in statuses) >= 3
    await source.aclose()


def test_backoff_doubles_up_to_its_cap():
    b = Backoff(first_s=0.5, factor=2.0, max_s=10.0)
    assert [b.delay_s(i) for i in range(1, 8)] == [0.5, 1, 2, 4, 8, 10, 10]
    assert np.isclose(Backoff().delay_s(1), 0.5)


async def test_a_connection_lost_while_starting_does_not_end_the_next_one():
    class Client(FakeClient):
        connections = 0

        async def connect(self, pair, **kwargs):
            await super().connect(pair, **kwargs)
            Client.connections += 1
            if Client.connections == 1:  # the link drops while the sensor is being set up
                self.lost()
                self._peripheral.disconnected()

    session = squats(100.0)
    source = simulated_ble_source(session, profile="nus-binary", speed=None)
    radio = source.transport.kwargs["radio"]
    source.transport = Transport(FakeScanner, Client, {"radio": radio}, radio.clock.now)
    source.backoff = Backoff(first_s=0.01)
    got = await stream_all(source, pipeline=False)
    kinds = got.kinds()
    assert "reconnecting" in kinds and "disconnected" not in kinds
    assert kinds.count("connected") == 1 and len(got.block) == len(session.block)
