"""Finding sensors: a BLE scan, each result matched to a firmware profile; radio errors."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bleak import BleakScanner
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData
from bleak.exc import BleakBluetoothNotAvailableError, BleakDBusError, BleakError

from tracker.core.errors import DeviceError
from tracker.sensors.ble.transport import PLATFORM, Transport
from tracker.sensors.catalog import find_profile
from tracker.sensors.profiles import FirmwareProfile

log = logging.getLogger(__name__)

SYSTEM_BUS_SOCKET = "/var/run/dbus/system_bus_socket"  # D-Bus's default, as bleak's
RADIO_ERRORS = (BleakError, OSError)
"""What bleak raises when there is no usable Bluetooth adapter (or the stack fails)."""


@dataclass(frozen=True)
class Found:
    """One advertising device: its name, address, signal and the profile it matches."""

    device: BLEDevice
    name: str | None
    address: str
    rssi: int | None
    profile: FirmwareProfile | None

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "address": self.address,
            "rssi": self.rssi,
            "profile": self.profile.name if self.profile else None,
        }


def radio_error(exc: BaseException) -> DeviceError:
    """A one-line ``DeviceError`` saying why Bluetooth is not usable, for a bleak failure."""
    log.warning("Bluetooth not usable: %r", exc)
    hint = "`tracker scan --simulate` shows simulated sensors"
    if isinstance(exc, BleakBluetoothNotAvailableError):
        why = str(exc) or "no Bluetooth adapter"
    elif isinstance(exc, BleakDBusError) and "ServiceUnknown" in str(exc.dbus_error):
        why = "the BlueZ daemon (bluetoothd) is not running"
    elif isinstance(exc, FileNotFoundError | ConnectionRefusedError) and sys.platform == "linux":
        why = "no system D-Bus to reach BlueZ (no Bluetooth on this machine, or a container)"
    elif isinstance(exc, PermissionError):
        why = f"permission denied ({exc.strerror or exc})"
    else:
        why = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return DeviceError(f"Bluetooth is not available: {why}; {hint}")


def radio_missing() -> DeviceError | None:
    """Bluetooth that cannot be there, known without asking: on Linux, no system D-Bus
    socket means no BlueZ (checked before a screen opens, so none flashes up for nothing)."""
    if sys.platform != "linux":
        return None
    address = os.environ.get("DBUS_SYSTEM_BUS_ADDRESS", f"unix:path={SYSTEM_BUS_SOCKET}")
    path = address.removeprefix("unix:path=").split(",")[0]
    if path == address or Path(path).exists():  # not a socket path (abstract, tcp): ask bleak
        return None
    return radio_error(FileNotFoundError(path))


def _found(device: BLEDevice, adv: AdvertisementData, profiles) -> Found:
    name = adv.local_name or device.name
    profile = find_profile(name, adv.service_uuids, profiles)
    log.debug(
        "seen %s %r rssi %s services %s: profile %s",
        device.address, name, adv.rssi, adv.service_uuids, profile.name if profile else None,
    )  # fmt: skip
    return Found(device, name, device.address, adv.rssi, profile)


async def scan(
    timeout_s: float,
    profiles: Mapping[str, FirmwareProfile],
    transport: Transport = PLATFORM,
) -> list[Found]:
    """Every device advertising within ``timeout_s``, matched sensors first, strongest first.

    Raises
    ------
    DeviceError
        When there is no usable Bluetooth adapter (one line, no traceback).
    """
    try:
        seen = await BleakScanner.discover(
            timeout=timeout_s, return_adv=True, **transport.scanner_args()
        )
    except RADIO_ERRORS as exc:
        raise radio_error(exc) from None
    found = [_found(d, adv, profiles) for d, adv in seen.values()]
    return sorted(found, key=lambda f: (f.profile is None, -(f.rssi or -999)))


async def find_device(
    device: str | None,
    profile: FirmwareProfile | None,
    profiles: Mapping[str, FirmwareProfile],
    timeout_s: float,
    transport: Transport = PLATFORM,
) -> Found | None:
    """The first advertising device that is ``device`` (address or name) and fits ``profile``.

    Without ``device``, the first one the profile (or any profile) matches; None when
    nothing turned up within ``timeout_s``.
    """
    wanted = device.strip().lower() if device else None
    candidates = {profile.name: profile} if profile else profiles
    hits: dict[str, Found] = {}

    def fits(d: BLEDevice, adv: AdvertisementData) -> bool:
        f = _found(d, adv, candidates)
        if wanted is not None and wanted not in (d.address.lower(), (f.name or "").lower()):
            return False
        if f.profile is None:
            if wanted is None or profile is None:
                return False
            f = Found(f.device, f.name, f.address, f.rssi, profile)  # named, profile given
        hits[d.address] = f
        return True

    try:
        hit = await BleakScanner.find_device_by_filter(
            fits, timeout=timeout_s, **transport.scanner_args()
        )
    except RADIO_ERRORS as exc:
        raise radio_error(exc) from None
    return None if hit is None else hits[hit.address]
