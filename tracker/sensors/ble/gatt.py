"""GATT reads every connection makes: the ATT MTU, device information and the battery level."""

from __future__ import annotations

from bleak import BleakClient

from tracker.sensors.ble.scan import RADIO_ERRORS
from tracker.sensors.profiles import STANDARD_BATTERY_LEVEL

DEFAULT_MTU = 23  # ATT_MTU before an exchange (Core Vol 3 Part F 3.2.8)
DIS_SERVICE = "0000180a-0000-1000-8000-00805f9b34fb"
DIS_CHARS = {
    "manufacturer": "00002a29-0000-1000-8000-00805f9b34fb",
    "model": "00002a24-0000-1000-8000-00805f9b34fb",
    "firmware": "00002a26-0000-1000-8000-00805f9b34fb",
}


async def negotiate_mtu(client: BleakClient, wanted: int) -> tuple[int, bool]:
    """The connection's ATT MTU after asking for ``wanted``; True when it is known exactly.

    bleak has no public MTU request: the simulated backends offer ``request_mtu``
    (an ATT Exchange MTU), the platform stacks negotiate on their own, and their
    MTU is read from what a characteristic can take in one write (exact on macOS,
    Windows and BlueZ >= 5.62; 23 on older BlueZ).
    """
    request = getattr(getattr(client, "_backend", None), "request_mtu", None)
    if request is not None:
        return (await request(wanted) if wanted > DEFAULT_MTU else client.mtu_size), True
    sizes = [c.max_write_without_response_size for c in client.services.characteristics.values()]
    return (max(sizes) + 3 if sizes else DEFAULT_MTU), False


async def read_device_info(client: BleakClient) -> dict[str, str]:
    """Manufacturer, model and firmware strings of the Device Information service, where present."""
    out = {}
    for key, uuid in DIS_CHARS.items():
        char = client.services.get_characteristic(uuid)
        if char is None or "read" not in char.properties:
            continue
        try:
            raw = await client.read_gatt_char(char)
        except RADIO_ERRORS:
            continue
        out[key] = bytes(raw).split(b"\0")[0].decode("utf-8", "replace").strip()
    return out


async def read_battery_level(client: BleakClient) -> int | None:
    """The standard Battery Level (0x2A19) in percent, or None when the sensor has none."""
    if client.services.get_characteristic(STANDARD_BATTERY_LEVEL) is None:
        return None
    raw = await client.read_gatt_char(STANDARD_BATTERY_LEVEL)
    return min(100, int(raw[0])) if raw else None
