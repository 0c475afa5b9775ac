"""The simulated patient's sensor behind the real Bluetooth code, measuring on demand.

Like ``tracker live --simulate`` (``tracker.sim.ble.simulated_ble_source``), the
samples are encoded by a firmware profile's encoder, sent by a simulated peripheral and
received through ``BleakClient`` with the in-process fake backend, then decoded like a
real sensor's. The difference: the motion is not made in advance. The peripheral asks
the ``SimulatedPerson`` for the next samples as it sends them, so the person can follow
the assessment's cues.
"""

from __future__ import annotations

from tracker.core.errors import InputError
from tracker.sensors.ble.client import BleSource
from tracker.sensors.catalog import get_profile
from tracker.sensors.profiles import FirmwareProfile
from tracker.sim.ble.clock import SimClock
from tracker.sim.ble.fake import FakeRadio
from tracker.sim.ble.peripheral import Outage, SimulatedPeripheral
from tracker.sim.ble.simulation import SIM_BACKOFF

CHUNK_S = 0.25  # motion asked for at a time: the person reacts within this (and the link)


class PersonPeripheral(SimulatedPeripheral):
    """A simulated sensor streaming what ``person`` does, for as long as it is streamed."""

    def __init__(self, profile: FirmwareProfile, person, **kwargs):
        super().__init__(profile, person.next_block(CHUNK_S), chunk_s=CHUNK_S, **kwargs)
        self.person = person
        self._first = True

    def _next_notes(self) -> bool:
        chunk = self.motion if self._first else self.person.next_block(self.chunk_s)
        self._first = False
        self._pending.extend(self.encoder.encode_timed(chunk))
        return True


def person_source(
    person,
    *,
    profile: str | FirmwareProfile = "nus-binary",
    speed: float = 1.0,
    drop_at_s: float | None = None,
    offline_s: float = 3.0,
) -> BleSource:
    """A BLE source streaming ``person`` (a ``SimulatedPerson``) through bleak.

    Parameters
    ----------
    person : SimulatedPerson
        Its ``rate_hz`` must be one the firmware offers.
    profile : str or FirmwareProfile
        The firmware the simulated sensor runs.
    speed : float
        1.0 real time, 20.0 twenty times faster (the person's time runs as fast).
    drop_at_s : float, optional
        Stream time at which the sensor drops the connection for ``offline_s``.
    """
    if isinstance(profile, str):
        profile = get_profile(profile, [])
    if not speed > 0:
        raise InputError(f"--speed must be positive, not {speed:g}")
    offered = [r.hz for r in profile.rates] or [profile.default_hz]
    if not any(abs(hz - person.rate_hz) <= 0.01 * hz for hz in offered):
        rates = ", ".join(f"{hz:g}" for hz in offered)
        raise InputError(f"{profile.name} streams at {rates} Hz, not {person.rate_hz:g} Hz")
    settings = profile.settings(person.rate_hz)
    clock = SimClock(speed)
    outage = None if drop_at_s is None else Outage(float(drop_at_s), float(offline_s))
    peripheral = PersonPeripheral(  # keep=0: no copy of what was sent (memory stays flat)
        profile, person, settings=settings, clock=clock, outage=outage, keep=0
    )
    air = FakeRadio(clock)
    air.add(peripheral)
    source = BleSource(
        profile,
        peripheral.address,
        settings=settings,
        transport=air.transport(),
        backoff=SIM_BACKOFF,
        scan_timeout_s=5.0,
    )
    source.name = peripheral.name
    source.description = f"{peripheral.name} ({profile.name}, simulated)"
    source.peripheral = peripheral
    return source
