"""Movesense GATT SensorData Protocol (GSP): IMU6 data frames, continuations, command results.

A DATA frame is ``[2][ref][SBEM]``; for ``/Meas/IMU6`` the SBEM payload is
``u32 timestamp (ms, first sample), N x (f32 ax, ay, az), N x (f32 gx, gy, gz)``:
the acc block, then the gyro block, not interleaved. Payloads longer than 150
bytes continue in a ``[3][ref][rest]`` DATA_PART2 frame (GATTSensorDataClient.cpp).

GSP frames carry neither a length nor a checksum, so a packet cut at a 24-byte
boundary looks like a shorter one; the firmware sends a fixed number of samples per
packet, so a packet with fewer samples than the stream has sent before is refused.
"""

from __future__ import annotations

import struct
from collections import defaultdict

import numpy as np

from tracker.sensors.decoders import base

OPTIONS = {"data": "char", "ref": int}
RESULT, DATA, PART2 = 1, 2, 3
FIRST_PART_MAX = 150  # SBEM bytes the firmware puts in DATA before continuing in PART2


def layout(profile) -> list[str]:
    ref = profile.options.get("ref", 99)
    return [
        f"GSP frames on {profile.alias(profile.options.get('data', '?'))}, client reference {ref}:",
        f"  DATA  02 {ref:02x} | u32 time ms (first sample) | N x 3 f32 acc | N x 3 f32 gyr",
        f"  PART2 03 {ref:02x} | rest of a payload longer than {FIRST_PART_MAX} bytes",
        f"  RESULT 01 {ref:02x} | u16 HTTP status (>= 400: refused)",
        "  N = (payload - 4) / 24 samples; acc in m/s², gyr in deg/s",
    ]


class Parser(base.Parser):
    def __init__(self, profile, settings):
        super().__init__(profile, settings)
        self.ref = int(profile.options.get("ref", 99))
        self.pending: bytes | None = None
        self.samples_per_packet = 0  # the most seen: a packet cut short has fewer

    def reset(self) -> None:
        self.pending = None
        self.samples_per_packet = 0

    def parse(self, payloads, t_rx, channels) -> base.Parsed:
        parsed = base.Parsed()
        complete: dict[int, list[tuple[int, bytes]]] = defaultdict(list)
        for order, (payload, channel) in enumerate(zip(payloads, channels, strict=True)):
            result, error = self._one(payload, channel)
            if error:
                parsed.errors.append(error)
            error = self._check(result) if result is not None else None
            if error:
                parsed.errors.append(error)
            elif result is not None:
                complete[len(result)].append((order, result))
        for size, items in complete.items():
            self._samples(parsed, size, items, t_rx)
        return parsed

    def _check(self, sbem: bytes) -> str | None:
        """Why an IMU6 payload is refused, or None (and the stream's sample count is noted)."""
        n = (len(sbem) - 4) // 24
        if len(sbem) < 28 or (len(sbem) - 4) % 24:
            hint = f" (MTU below {self.profile.mtu}?)" if len(sbem) < 28 else ""
            return f"IMU6 payload of {len(sbem)} bytes is not 4 + 24 x N{hint}"
        if n < self.samples_per_packet:
            return f"IMU6 packet of {n} samples where the stream sends {self.samples_per_packet}"
        self.samples_per_packet = n
        return None

    def _one(self, payload, channel) -> tuple[bytes | None, str | None]:
        """(a complete SBEM payload or None, an error or None) for one notification."""
        if channel and self.data_char and channel != self.data_char:
            return None, f"notification on {channel}, not the GSP data characteristic"
        if len(payload) < 2:
            return None, f"GSP frame of {len(payload)} bytes"
        kind, ref = payload[0], payload[1]
        if ref != self.ref:
            return None, f"GSP frame for reference {ref}, not {self.ref}"
        if kind == RESULT:
            if len(payload) != 4:
                return None, f"command result of {len(payload)} bytes, not 4"
            status = int.from_bytes(payload[2:4], "little")
            return None, f"subscription refused: status {status}" if status >= 400 else None
        if kind == DATA:
            error = "a packet lost its continuation" if self.pending is not None else None
            self.pending = None
            sbem = payload[2:]
            if len(sbem) == FIRST_PART_MAX and (len(sbem) - 4) % 24:
                self.pending = sbem
                return None, error
            return sbem, error
        if kind == PART2:
            if self.pending is None:
                return None, "continuation without its first part"
            sbem, self.pending = self.pending + payload[2:], None
            return sbem, None
        return None, f"unknown GSP frame type {kind}"

    def _samples(self, parsed, size: int, items, t_rx) -> None:
        n = (size - 4) // 24
        order = np.fromiter((o for o, _ in items), dtype=np.int64, count=len(items))
        rows = np.frombuffer(b"".join(b for _, b in items), dtype=np.uint8).reshape(-1, size)
        stamps = np.ascontiguousarray(rows[:, :4]).view("<u4")[:, 0].astype(np.int64)
        values = np.ascontiguousarray(rows[:, 4:]).view("<f4").astype(np.float64)
        values = values.reshape(len(rows), 2, n, 3)
        acc = self.acc_scaler.to_si(values[:, 0].reshape(-1, 3))
        gyr = self.gyr_scaler.to_si(values[:, 1].reshape(-1, 3))
        bad = self.acc_scaler.implausible(acc) | self.gyr_scaler.implausible(gyr)
        bad = bad.reshape(len(rows), n).any(axis=1)
        if bad.any():
            parsed.errors.append(f"{int(bad.sum())} IMU6 packet(s) with impossible values")
        ok = ~bad
        keep = np.repeat(ok, n)
        parsed.add(
            base.Chunk(
                "imu",
                t_rx[order[ok]],
                np.full(int(ok.sum()), n, dtype=np.int64),
                stamps[ok],
                acc[keep],
                gyr[keep],
                order[ok],
            )
        )


class Encoder(base.Encoder):
    def __init__(self, profile, settings, clock_offset_s=0.0):
        super().__init__(profile, settings, clock_offset_s)
        self.ref = int(profile.options.get("ref", 99))
        self.batcher = base.Batcher(settings.samples_per_packet or 4)

    def encode_timed(self, block):
        t, acc, gyr = self.batcher.push(block)
        timing = self.profile.timing
        ticks = self.ticks(t[:, 0], timing.unit_s, timing.bits) if len(t) else []
        out = []
        for i, tick in enumerate(ticks):
            raw_acc = self.acc_scaler.to_raw(acc[i]).astype("<f4")
            raw_gyr = self.gyr_scaler.to_raw(gyr[i]).astype("<f4")
            sbem = struct.pack("<I", int(tick)) + raw_acc.tobytes() + raw_gyr.tobytes()
            head, tail = sbem[:FIRST_PART_MAX], sbem[FIRST_PART_MAX:]
            out.append((float(t[i, -1]), self.data_char, bytes([DATA, self.ref]) + head))
            if tail:
                out.append((float(t[i, -1]), self.data_char, bytes([PART2, self.ref]) + tail))
        return out
