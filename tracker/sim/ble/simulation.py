"""Simulated sensors behind the real bleak API: the demo's and the tests' BLE sources.

``simulated_ble_source(session)`` streams a simulator session the way a sensor with
a given firmware would: the motion is encoded by that profile's encoder, sent by a
``SimulatedPeripheral``, found with ``BleakScanner`` and received through
``BleakClient`` with an in-process backend (``radio="fake"``) or bumble's virtual
controllers (``radio="bumble"``), then decoded like a real sensor's notifications.
"""

from __future__ import annotations

import numpy as np

from tracker.core.errors import InputError
from tracker.core.types import ImuBlock
from tracker.sensors.ble.client import Backoff, BleSource
from tracker.sensors.catalog import get_profile, load_profiles
from tracker.sensors.profiles import FirmwareProfile, Settings
from tracker.sim.ble.clock import SimClock
from tracker.sim.ble.fake import FakeRadio
from tracker.sim.ble.peripheral import Outage, SimulatedPeripheral, simulated_address

RADIOS = ("fake", "bumble")
SIM_BACKOFF = Backoff(first_s=0.2, factor=2.0, max_s=2.0, give_up_s=60.0)


def motion_for(profile: FirmwareProfile, block: ImuBlock) -> tuple[ImuBlock, Settings]:
    """The samples a sensor with ``profile`` would take of ``block``'s motion, and its settings.

    The block's own rate is used when the firmware offers it; otherwise the motion
    is interpolated onto the profile's default rate (device time starting at the
    block's first sample).
    """
    rate_hz = 1.0 / float(np.median(np.diff(block.t_s)))  # lost samples do not lower it
    offered = [r.hz for r in profile.rates] or [profile.default_hz]
    close = [hz for hz in offered if abs(hz - rate_hz) <= 0.01 * hz]
    if close:
        return block, profile.settings(close[0])
    settings = profile.settings()
    t = np.arange(block.t_s[0], block.t_s[-1], 1.0 / settings.rate_hz)
    acc = np.column_stack([np.interp(t, block.t_s, block.acc[:, i]) for i in range(3)])
    gyr = np.column_stack([np.interp(t, block.t_s, block.gyr[:, i]) for i in range(3)])
    return ImuBlock.from_arrays(t, acc, gyr), settings


def simulated_ble_source(
    session,
    *,
    profile: str | FirmwareProfile = "nus-binary",
    speed: float | None = 1.0,
    drop_at_s: float | None = None,
    offline_s: float = 3.0,
    replay_on_reconnect: int = 0,
    radio: str = "fake",
    backoff: Backoff | None = None,
    keep: int | None = None,
) -> BleSource:
    """A BLE source streaming a simulator session through a simulated sensor and bleak.

    Parameters
    ----------
    session : SimSession or ImuBlock
        The motion (``session.block``).
    profile : str or FirmwareProfile
        The firmware the simulated sensor runs.
    speed : float or None
        1.0 streams in real time, 10.0 ten times faster; None as fast as the
        receiving side takes it, on a virtual clock (tests).
    drop_at_s : float, optional
        Device time at which the sensor drops the connection; it comes back
        ``offline_s`` later (what it measured meanwhile is lost) and the source
        reconnects.
    replay_on_reconnect : int
        Notifications the sensor sends again after coming back (they must not
        count twice).
    radio : {"fake", "bumble"}
        The in-process fake backend, or bumble's virtual controllers (real ATT).
    keep : int or None
        What the simulated sensor keeps of what it sent (see ``SimulatedPeripheral``;
        None: all, for tests; 0 for a session of any length).

    Returns
    -------
    BleSource
        ``source.peripheral`` is the simulated sensor (what it was sent and did).
    """
    if isinstance(profile, str):
        profile = get_profile(profile, [])
    if radio not in RADIOS:
        raise InputError(f"radio must be one of {', '.join(RADIOS)}, not {radio!r}")
    block = session.block if hasattr(session, "block") else session
    if len(block) < 2:
        raise InputError("the session has fewer than two samples: nothing to stream")
    motion, settings = motion_for(profile, block)
    clock = SimClock(speed)
    outage = None if drop_at_s is None else Outage(float(drop_at_s), float(offline_s))
    peripheral = SimulatedPeripheral(
        profile,
        motion,
        settings=settings,
        clock=clock,
        outage=outage,
        replay_on_reconnect=replay_on_reconnect,
        keep=keep,
    )
    if radio == "fake":
        air = FakeRadio(clock)
    else:
        from tracker.sim.ble.bumble_backend import BumbleRadio

        air = BumbleRadio(clock)
    air.add(peripheral)
    source = BleSource(
        profile,
        peripheral.address,
        settings=settings,
        transport=air.transport(),
        backoff=backoff or SIM_BACKOFF,
        scan_timeout_s=5.0,
        finished=peripheral.finished.is_set,
    )
    source.name = peripheral.name
    source.description = f"{peripheral.name} ({profile.name}, simulated)"
    source.peripheral = peripheral
    return source


def demo_radio(profiles: dict[str, FirmwareProfile] | None = None) -> FakeRadio:
    """A fake radio with one advertising simulated sensor per profile (for ``scan --simulate``)."""
    profiles = load_profiles([]) if profiles is None else profiles
    radio = FakeRadio(SimClock(None))
    for i, profile in enumerate(profiles.values()):
        address = simulated_address(profile.name)
        radio.add(SimulatedPeripheral(profile, address=address, rssi=-45 - 6 * i))
    return radio
