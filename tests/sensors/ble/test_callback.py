"""The notify callback only stamps and queues; decoding, the pipeline and the disk come later."""

from __future__ import annotations

import time

import numpy as np
import pytest

from tracker.core.types import RawPacket
from tracker.engine.pipeline import Pipeline
from tracker.files.recording import RecordingWriter
from tracker.sensors.decode import Decoder
from tracker.sim.ble import simulated_ble_source
from tracker.sim.ble.fake import FakeClient

from .helpers import squats, stream_all


def test_the_callback_stamps_with_the_transport_clock_and_queues():
    source = simulated_ble_source(squats(100.0), profile="nus-binary", speed=None)
    clock = source.transport.kwargs["radio"].clock
    clock.start(12.5)
    source._on_notify("", object(), bytearray(b"\xa5\x01\x00"))
    assert source._queue.qsize() == 1
    assert source._queue.get_nowait() == RawPacket(12.5, b"\xa5\x01\x00", "")
    assert source.decoder.stats.packets == 0 and source.meter.samples == 0


async def test_nothing_is_decoded_pushed_or_written_inside_a_notify_callback(monkeypatch, tmp_path):
    inside, calls = [False], {"callbacks": 0, "decode": 0, "push": 0, "write": 0}

    deliver = FakeClient.deliver

    def delivering(self, char, data):
        inside[0] = True
        try:
            delivered = deliver(self, char, data)
            calls["callbacks"] += delivered
            return delivered
        finally:
            inside[0] = False

    def spy(name, original):
        def wrapper(*args, **kwargs):
            assert not inside[0], f"{name} ran inside a notify callback"
            calls[name] += 1
            return original(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(FakeClient, "deliver", delivering)
    monkeypatch.setattr(Decoder, "feed_many", spy("decode", Decoder.feed_many))
    monkeypatch.setattr(Pipeline, "push", spy("push", Pipeline.push))
    monkeypatch.setattr(RecordingWriter, "write_packet", spy("write", RecordingWriter.write_packet))

    source = simulated_ble_source(squats(100.0), profile="nus-binary", speed=None)
    writer = RecordingWriter(tmp_path / "r.trk", source={"kind": "test"})
    got = await stream_all(source)
    for packet in got.packets:
        writer.write_packet(packet)
    writer.close()
    assert calls["callbacks"] == len(got.packets) > 1000
    assert calls["write"] == len(got.packets)
    # decoding happens in batches: fewer decoder calls than notifications
    assert 0 < calls["decode"] < calls["callbacks"] and calls["push"] > 0


async def test_sample_times_come_from_the_device_not_from_bursty_arrivals():
    """Notifications arrive in bursts of a connection interval; samples stay 10 ms apart."""
    source = simulated_ble_source(squats(100.0, noise=False), profile="nus-binary", speed=None)
    source.peripheral.interval_s = 0.05  # five samples per connection event
    got = await stream_all(source, pipeline=False)
    arrivals = [p.t_rx_s for p in got.packets]
    assert len(set(arrivals)) < len(arrivals) / 4
    steps = np.diff(got.block.t_s)
    assert steps.min() == pytest.approx(0.01, abs=2e-6)
    assert steps.max() == pytest.approx(0.01, abs=2e-6)


async def test_a_paced_simulation_streams_no_faster_than_its_speed():
    session = squats(100.0)
    source = simulated_ble_source(session, profile="nus-binary", speed=40.0)
    start = time.monotonic()
    got = await stream_all(source, pipeline=False)
    assert time.monotonic() - start >= 0.9 * session.duration_s / 40.0
    assert len(got.block) == len(session.block)
