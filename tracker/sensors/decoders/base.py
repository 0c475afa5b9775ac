"""What every protocol parser shares: per-stream chunks, scaling to SI, field reading."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from tracker.sensors.profiles import FirmwareProfile, Quantity, Settings, field_size

_DTYPES = {
    "i8": "<i1",
    "u8": "<u1",
    "i16": "<i2",
    "u16": "<u2",
    "i32": "<i4",
    "u32": "<u4",
    "u64": "<u8",
    "f32": "<f4",
}


def read_field(rows: np.ndarray, offset: int, kind: str, count: int) -> np.ndarray:
    """Values of a little-endian field from rows of bytes: (rows, count), int64 or float64.

    ``rows`` is a (k, length) uint8 array; the field starts at ``offset`` in each row.
    """
    size = field_size(kind)
    cols = np.ascontiguousarray(rows[:, offset : offset + size * count])
    if kind == "i24":
        b = cols.reshape(len(rows), count, 3).astype(np.int64)
        v = b[..., 0] | (b[..., 1] << 8) | (b[..., 2] << 16)
        return v - ((v & 0x800000) << 1)
    values = cols.view(_DTYPES[kind]).reshape(len(rows), count)
    with np.errstate(invalid="ignore"):  # a corrupt f32 may be a signalling NaN: refused later
        return values.astype(np.float64 if kind == "f32" else np.int64)


class Scaler:
    """Raw values -> SI in the sensor frame (scale, unit and axis map at once), and back."""

    def __init__(self, quantity: Quantity, scale: float, full_scale_si: float | None = None):
        self.gain = scale * quantity.si
        self.full_scale_si = full_scale_si  # where an encoder saturates, as the sensor does
        self.matrix = np.asarray(quantity.matrix) * self.gain
        self.limit_si = None if quantity.limit is None else quantity.limit * quantity.si
        self.axes = np.asarray(quantity.matrix)

    def to_si(self, raw: np.ndarray) -> np.ndarray:
        return np.asarray(raw, dtype=np.float64) @ self.matrix.T

    def to_raw(self, si: np.ndarray) -> np.ndarray:
        """Inverse of ``to_si`` (float, not yet quantised), saturated at the full scale."""
        si = np.asarray(si, dtype=np.float64)
        if self.full_scale_si is not None:
            si = np.clip(si, -self.full_scale_si, self.full_scale_si)
        return (si @ self.axes) / self.gain

    def implausible(self, si: np.ndarray) -> np.ndarray:
        """Rows that are not finite or beyond the profile's plausibility limit."""
        bad = ~np.isfinite(si).all(axis=1)
        if self.limit_si is not None:
            bad |= (np.abs(si) > self.limit_si).any(axis=1)
        return bad


def scalers(profile: FirmwareProfile, settings: Settings) -> tuple[Scaler, Scaler]:
    return (
        Scaler(profile.acc, settings.acc_scale, _full_scale_si(profile.acc, settings.acc_range)),
        Scaler(profile.gyr, settings.gyr_scale, _full_scale_si(profile.gyr, settings.gyr_range)),
    )


def _full_scale_si(quantity: Quantity, chosen: float | None) -> float | None:
    if quantity.default_range is None:
        return None
    return quantity.range(chosen).value * quantity.range_si


def quantise(raw: np.ndarray, kind: str) -> np.ndarray:
    """Round to the integer type of a field and saturate, as firmware does."""
    if kind == "f32":
        return raw.astype(np.float32)
    bits = 8 * field_size(kind)
    lo, hi = (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1) if kind[0] == "i" else (0, 2**bits - 1)
    return np.clip(np.rint(raw), lo, hi).astype(np.int64)


def to_bytes(values: np.ndarray, kind: str) -> np.ndarray:
    """Little-endian bytes of quantised values: (..., k) -> (..., k * size) uint8."""
    if kind == "i24":
        v = values.astype(np.int64) & 0xFFFFFF
        b = np.stack([v & 0xFF, (v >> 8) & 0xFF, (v >> 16) & 0xFF], axis=-1).astype(np.uint8)
        return b.reshape(*values.shape[:-1], -1)
    arr = np.ascontiguousarray(values.astype(_DTYPES[kind]))
    return arr.view(np.uint8).reshape(*values.shape[:-1], -1)


@dataclass
class Chunk:
    """Samples of one stream from consecutive packets, before timing.

    ``stamps`` holds the raw device clock or counter of each packet (None when
    the protocol carries no device time); ``order`` is each packet's place in
    the batch, so parts decoded separately can be put back in arrival order.
    """

    stream: str
    t_rx_s: np.ndarray
    counts: np.ndarray
    stamps: np.ndarray | None
    acc: np.ndarray
    gyr: np.ndarray
    order: np.ndarray

    def __len__(self) -> int:
        return int(self.counts.sum())

    def without(self, packets: np.ndarray) -> Chunk:
        """The chunk without the packets marked True in ``packets`` (one flag per packet)."""
        samples = np.repeat(packets, self.counts)
        keep = ~packets
        return Chunk(
            self.stream,
            self.t_rx_s[keep],
            self.counts[keep],
            None if self.stamps is None else self.stamps[keep],
            self.acc[~samples] if len(self.acc) else self.acc,
            self.gyr[~samples] if len(self.gyr) else self.gyr,
            self.order[keep],
        )


@dataclass
class Parsed:
    """What a parser made of a batch of notifications."""

    parts: dict[str, list[Chunk]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    battery_pct: float | None = None
    battery_v: float | None = None

    def add(self, chunk: Chunk) -> None:
        if len(chunk.counts):
            self.parts.setdefault(chunk.stream, []).append(chunk)

    def add_packet(self, stream, order, t_rx, stamp, acc, gyr) -> None:
        """One packet's samples (acc and gyr of shape (n, 3); either may be empty)."""
        n = max(len(acc), len(gyr))
        if n == 0:
            return
        stamps = None if stamp is None else np.array([stamp], dtype=np.int64)
        empty = np.empty((0, 3))
        self.add(
            Chunk(
                stream,
                np.array([t_rx], dtype=np.float64),
                np.array([n], dtype=np.int64),
                stamps,
                acc if len(acc) else empty,
                gyr if len(gyr) else empty,
                np.array([order], dtype=np.int64),
            )
        )

    def chunks(self) -> dict[str, Chunk]:
        """One chunk per stream, its packets in arrival order."""
        return {stream: merge(parts) for stream, parts in self.parts.items()}


def merge(parts: list[Chunk]) -> Chunk:
    """Concatenate chunks of one stream and sort their packets by arrival order."""
    if len(parts) == 1:
        return parts[0]
    counts = np.concatenate([c.counts for c in parts])
    order = np.concatenate([c.order for c in parts])
    stamps = None if parts[0].stamps is None else np.concatenate([c.stamps for c in parts])
    t_rx = np.concatenate([c.t_rx_s for c in parts])
    acc = np.concatenate([c.acc for c in parts])
    gyr = np.concatenate([c.gyr for c in parts])
    perm = np.argsort(order, kind="stable")
    if np.all(perm[1:] > perm[:-1]):
        sample_idx = slice(None)
    else:
        starts = np.cumsum(counts) - counts
        c = counts[perm]
        sample_idx = (
            np.repeat(starts[perm], c) + np.arange(c.sum()) - np.repeat(np.cumsum(c) - c, c)
        )
    return Chunk(
        parts[0].stream,
        t_rx[perm],
        counts[perm],
        None if stamps is None else stamps[perm],
        acc[sample_idx] if len(acc) else acc,
        gyr[sample_idx] if len(gyr) else gyr,
        order[perm],
    )


class Parser:
    """Base of the protocol parsers: payloads -> ``Parsed`` (stateful where needed)."""

    streams: tuple[str, ...] = ("imu",)

    def __init__(self, profile: FirmwareProfile, settings: Settings):
        self.profile, self.settings = profile, settings
        self.acc_scaler, self.gyr_scaler = scalers(profile, settings)
        self.data_char = profile.options.get("data", "")  # protocols that name it

    def parse(self, payloads: list[bytes], t_rx: np.ndarray, channels: list[str]) -> Parsed:
        raise NotImplementedError

    def reset(self) -> None:
        """Forget partial packets and sequence state (a new connection)."""


class Encoder:
    """Base of the encoders: samples -> the notifications firmware would send."""

    def __init__(self, profile: FirmwareProfile, settings: Settings, clock_offset_s: float = 0.0):
        self.profile, self.settings = profile, settings
        self.acc_scaler, self.gyr_scaler = scalers(profile, settings)
        self.clock_offset_s = clock_offset_s
        self.payload_max = profile.mtu - 3
        self.data_char = profile.options.get("data", "")

    def encode_timed(self, block) -> list[tuple[float, str, bytes]]:
        """(time of the last sample carried, channel UUID, payload) per notification."""
        raise NotImplementedError

    def encode(self, block) -> list[tuple[str, bytes]]:
        """(channel UUID, payload) per notification, in the order firmware sends them."""
        return [(channel, payload) for _, channel, payload in self.encode_timed(block)]

    def ticks(self, t_s: np.ndarray, unit_s: float, bits: int) -> np.ndarray:
        """Device clock readings for sample times (rounded, wrapped to ``bits``)."""
        ticks = np.rint((np.asarray(t_s) + self.clock_offset_s) / unit_s).astype(np.int64)
        return ticks & ((1 << bits) - 1) if bits < 63 else ticks


class Batcher:
    """Holds samples until a whole packet's worth is there, as firmware buffers do."""

    def __init__(self, size: int):
        self.size = size
        self.t = np.empty(0)
        self.acc = np.empty((0, 3))
        self.gyr = np.empty((0, 3))

    def push(self, block) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Whole packets of (t, acc, gyr), shaped (packets, size, ...); keeps the rest."""
        t = np.concatenate([self.t, block.t_s])
        acc = np.concatenate([self.acc, block.acc])
        gyr = np.concatenate([self.gyr, block.gyr])
        whole = len(t) // self.size * self.size
        self.t, self.acc, self.gyr = t[whole:], acc[whole:], gyr[whole:]
        k = whole // self.size
        return (
            t[:whole].reshape(k, self.size),
            acc[:whole].reshape(k, self.size, 3),
            gyr[:whole].reshape(k, self.size, 3),
        )
