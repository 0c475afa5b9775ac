"""Bluetooth LE sensors through bleak: scanning, streaming with reconnection.

With ``tracker.sim.ble`` (the simulated sensors behind bleak's ``backend=`` argument), the
only part of tracker that imports bleak. ``find_source`` scans for a sensor and returns an
``ImuSource`` that connects when streamed.
"""

from __future__ import annotations

from tracker.core.errors import DeviceError
from tracker.sensors.ble.client import Backoff, BleSource
from tracker.sensors.ble.scan import Found, find_device, scan
from tracker.sensors.ble.transport import PLATFORM, Transport
from tracker.sensors.catalog import get_profile, load_profiles

__all__ = [
    "PLATFORM",
    "Backoff",
    "BleSource",
    "Found",
    "Transport",
    "find_device",
    "find_source",
    "scan",
]


async def find_source(
    device: str | None = None,
    profile: str | None = None,
    *,
    timeout_s: float = 10.0,
    rate_hz: float | None = None,
    acc_range: float | None = None,
    gyr_range: float | None = None,
    profiles_dir=None,
    transport: Transport = PLATFORM,
    backoff: Backoff | None = None,
) -> BleSource:
    """Scan for a sensor and return a source that connects to it when streamed.

    Parameters
    ----------
    device : str, optional
        Address or advertised name; without it, the first sensor a profile matches.
    profile : str, optional
        Firmware profile name; without it, the one the scan result matches.
    timeout_s : float
        How long to scan before giving up.
    rate_hz, acc_range, gyr_range : float, optional
        Settings to start the sensor with (the profile's defaults).
    profiles_dir : path, optional
        A folder of extra profiles (default: the user's profile folder).
    transport : Transport
        The platform's radio, or a simulated one.

    Raises
    ------
    DeviceError
        No Bluetooth, or no such sensor seen within ``timeout_s`` (exit status 1).
    InputError
        An unknown profile name or a setting the profile does not offer.
    """
    extra = None if profiles_dir is None else [profiles_dir]
    profiles = load_profiles(extra)
    chosen = get_profile(profile, extra) if profile else None
    # settings the profile does not offer are refused before scanning
    settings = chosen.settings(rate_hz, acc_range, gyr_range) if chosen else None
    found = await find_device(device, chosen, profiles, timeout_s, transport)
    if found is None:
        what = device or (f"a {chosen.name} sensor" if chosen else "a sensor any profile matches")
        raise DeviceError(
            f"{what} was not seen in a {timeout_s:g} s scan (is it on, in range, and not "
            "connected to another device? `tracker scan` lists what is around)"
        )
    settings = settings or found.profile.settings(rate_hz, acc_range, gyr_range)
    return BleSource(
        found.profile, found.device, settings=settings, transport=transport, backoff=backoff
    )
