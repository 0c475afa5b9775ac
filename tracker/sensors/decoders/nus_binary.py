"""The project's compact binary frame for DIY sensors over the Nordic UART Service.

One frame per notification, little-endian::

    offset  size    field
    0       1       sync 0xA5
    1       2       seq: frame counter, +1 per frame, wraps at 65536
    3       4       t_us: device time of the first sample, µs (micros(), wraps)
    7       12 N    N samples of i16 ax, ay, az, gx, gy, gz (scales in the profile)
    7+12N   1       CRC-8/MAXIM (Dallas 1-Wire) of bytes 0 .. 6+12N

N = (length - 8) / 12; one sample fills the 20 bytes of the default MTU.
"""

from __future__ import annotations

import struct
from collections import defaultdict

import numpy as np

from tracker.sensors.decoders import base

OPTIONS = {"data": "char"}
SYNC = 0xA5
HEADER = 7


def _crc_table() -> np.ndarray:
    """Table of CRC-8/MAXIM (reflected polynomial 0x8C, init 0): check("123456789") = 0xA1."""
    crc = np.arange(256, dtype=np.uint8)
    for _ in range(8):
        crc = np.where(crc & 1, (crc >> 1) ^ 0x8C, crc >> 1).astype(np.uint8)
    return crc


CRC_TABLE = _crc_table()


_TABLE = CRC_TABLE.tolist()


def crc8(rows: np.ndarray) -> np.ndarray:
    """CRC-8/MAXIM of each row of a (k, length) uint8 array.

    Many rows go one column at a time (vectorised over rows); a few go byte by byte,
    which costs less than a numpy call per column.
    """
    if len(rows) < 16:
        out = []
        for row in rows.tolist():
            crc = 0
            for byte in row:
                crc = _TABLE[crc ^ byte]
            out.append(crc)
        return np.array(out, dtype=np.uint8)
    crc = np.zeros(len(rows), dtype=np.uint8)
    for col in rows.T:
        crc = CRC_TABLE[crc ^ col]
    return crc


def layout(profile) -> list[str]:
    return [
        f"frames on {profile.alias(profile.options.get('data', '?'))} (one per notification):",
        "  A5 | u16 seq | u32 t_us (first sample) | N x 6 i16 (ax ay az gx gy gz) | CRC-8/MAXIM",
        "  N = (length - 8) / 12",
    ]


class Parser(base.Parser):
    def __init__(self, profile, settings):
        super().__init__(profile, settings)
        self.last_seq: int | None = None

    def reset(self) -> None:
        self.last_seq = None

    def parse(self, payloads, t_rx, channels) -> base.Parsed:
        parsed = base.Parsed()
        groups: dict[int, list[int]] = defaultdict(list)
        for order, (payload, channel) in enumerate(zip(payloads, channels, strict=True)):
            n = len(payload)
            if channel and self.data_char and channel != self.data_char:
                parsed.errors.append(f"notification on {channel}, not the NUS TX characteristic")
            elif n < 20 or (n - 8) % 12:
                parsed.errors.append(f"frame of {n} bytes is not 8 + 12 x N (N >= 1)")
            else:
                groups[n].append(order)
        kept = []
        for n, orders in groups.items():
            rows = np.frombuffer(b"".join(payloads[o] for o in orders), np.uint8).reshape(-1, n)
            ok = (rows[:, 0] == SYNC) & (crc8(rows[:, :-1]) == rows[:, -1])
            if (~ok).any():
                parsed.errors.append(f"{int((~ok).sum())} frame(s) with a bad sync byte or CRC")
            kept.append((np.asarray(orders, dtype=np.int64)[ok], rows[ok]))
        dups = self._repeats(kept)
        for (orders, rows), dup in zip(kept, dups, strict=True):
            if dup.any():
                parsed.errors.append(f"{int(dup.sum())} repeated frame(s) dropped (same seq)")
            orders, rows = orders[~dup], rows[~dup]
            if not len(rows):
                continue
            k, n = len(rows), (rows.shape[1] - 8) // 12
            raw = np.ascontiguousarray(rows[:, HEADER:-1]).view("<i2").reshape(k * n, 6)
            stamps = np.ascontiguousarray(rows[:, 3:7]).view("<u4")[:, 0].astype(np.int64)
            parsed.add(
                base.Chunk(
                    "imu",
                    t_rx[orders],
                    np.full(k, n, dtype=np.int64),
                    stamps,
                    self.acc_scaler.to_si(raw[:, :3]),
                    self.gyr_scaler.to_si(raw[:, 3:]),
                    orders,
                )
            )
        return parsed

    def _repeats(self, kept) -> list[np.ndarray]:
        """Per group, frames whose seq equals the previous frame's (sent twice)."""
        if not kept:
            return []
        orders = np.concatenate([o for o, _ in kept])
        seq = np.concatenate(
            [r[:, 1].astype(np.int64) | r[:, 2].astype(np.int64) << 8 for _, r in kept]
        )
        if not len(seq):
            return [np.zeros(0, bool) for _ in kept]
        perm = np.argsort(orders, kind="stable")
        ordered = seq[perm]
        prev = np.concatenate(([-1 if self.last_seq is None else self.last_seq], ordered[:-1]))
        dup = np.empty(len(seq), dtype=bool)
        dup[perm] = ordered == prev
        self.last_seq = int(ordered[-1])
        return np.split(dup, np.cumsum([len(o) for o, _ in kept])[:-1])


class Encoder(base.Encoder):
    def __init__(self, profile, settings, clock_offset_s=0.0):
        super().__init__(profile, settings, clock_offset_s)
        n = settings.samples_per_packet or max(1, (self.payload_max - 8) // 12)
        self.batcher = base.Batcher(n)
        self.seq = 0

    def encode_timed(self, block):
        t, acc, gyr = self.batcher.push(block)
        if not len(t):
            return []
        timing = self.profile.timing
        ticks = self.ticks(t[:, 0], timing.unit_s, timing.bits)
        raw = np.concatenate(
            [
                base.quantise(self.acc_scaler.to_raw(acc), "i16"),
                base.quantise(self.gyr_scaler.to_raw(gyr), "i16"),
            ],
            axis=2,
        ).astype("<i2")
        out = []
        for i in range(len(t)):
            body = struct.pack("<BHI", SYNC, self.seq & 0xFFFF, int(ticks[i])) + raw[i].tobytes()
            crc = int(crc8(np.frombuffer(body, np.uint8)[None, :])[0])
            out.append((float(t[i, -1]), self.data_char, body + bytes([crc])))
            self.seq += 1
        return out
