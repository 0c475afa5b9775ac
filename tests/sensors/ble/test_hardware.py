"""A real sensor over the platform's Bluetooth (opt-in: ``pytest -m hardware``).

Set ``TRACKER_BLE_DEVICE`` to the sensor's address or advertised name, and
``TRACKER_BLE_PROFILE`` to its firmware profile if the scan cannot tell.
"""

from __future__ import annotations

import io
import os

import pytest

from tracker.commands.record import StatusLine, open_writer, record
from tracker.files.recording import Recording
from tracker.sensors.ble import find_source
from tracker.sensors.decode import decode_recording

pytestmark = [
    pytest.mark.hardware,
    pytest.mark.skipif(
        not os.environ.get("TRACKER_BLE_DEVICE"), reason="set TRACKER_BLE_DEVICE to a sensor"
    ),
]


async def test_a_real_sensor_records_at_its_rate_and_replays(tmp_path):
    source = await find_source(
        os.environ["TRACKER_BLE_DEVICE"], os.environ.get("TRACKER_BLE_PROFILE"), timeout_s=15.0
    )
    path = tmp_path / "real.trk"
    status = StatusLine(io.StringIO())
    await record(source, open_writer(path, source), status, duration_s=20.0)
    rate = source.settings.rate_hz
    assert status.elapsed_s >= 19.0
    assert status.samples >= 0.9 * rate * status.elapsed_s, "more than 10 % lost"
    assert status.rate_hz == pytest.approx(rate, rel=0.1)
    assert source.decoder.stats.errors == 0
    rec = Recording.open(path)
    assert len(decode_recording(rec)) == source.decoder.stats.samples
    assert rec.meta["rate_hz"] == rate and rec.profile_name == source.profile.name
