"""Declarative fixed layouts: header, length, typed fields at offsets, samples per packet."""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from tracker.sensors.decoders import base
from tracker.sensors.profiles import Packet, field_size

OPTIONS: dict = {}


def layout(profile) -> list[str]:
    """Lines describing each packet kind, for ``tracker profiles show``."""
    lines = []
    for pk in profile.packets:
        head = pk.header.hex(" ") or "(none)"
        lines.append(
            f"{pk.stream} packets on {profile.alias(pk.char)}: header {head}, {pk.length} bytes, "
            f"{pk.samples} sample(s)" + (f" every {pk.stride} bytes" if pk.samples > 1 else "")
        )
        for k in ("acc", "gyr", "stamp", "seq"):
            f = getattr(pk, k)
            if f is not None:
                n = "3 x " if k in ("acc", "gyr") else ""
                lines.append(f"  {k}: {n}{f.type} at byte {f.offset}")
    for fr in profile.ignore:
        head = fr.header.hex(" ")
        lines.append(
            f"ignored frames on {profile.alias(fr.char)}: header {head}, {fr.length} bytes"
        )
    return lines


class Parser(base.Parser):
    """Splits notifications into frames by header and length; decodes each kind at once."""

    def __init__(self, profile, settings):
        super().__init__(profile, settings)
        self.streams = tuple(sorted({pk.stream for pk in profile.packets}))
        battery = profile.battery if profile.battery.source == "register" else None
        # candidates in the order they are tried: data packets, battery reply, ignored frames
        self.candidates: list[tuple[str, object, str, bytes, int]] = [
            ("packet", pk, pk.char, pk.header, pk.length) for pk in profile.packets
        ]
        if battery is not None:
            self.candidates.append(
                ("battery", battery, battery.reply_char, battery.reply, battery.reply_length)
            )
        self.candidates += [("ignore", fr, fr.char, fr.header, fr.length) for fr in profile.ignore]
        self.battery = battery
        self.chars = {c[2] for c in self.candidates}
        self.last_seq: dict[int, int] = {}

    def reset(self) -> None:
        self.last_seq.clear()

    def parse(self, payloads, t_rx, channels) -> base.Parsed:
        parsed = base.Parsed()
        groups: dict[int, list[tuple[int, bytes]]] = defaultdict(list)
        for order, (payload, channel) in enumerate(zip(payloads, channels, strict=True)):
            if not payload:
                parsed.errors.append("empty notification")
            if channel and channel not in self.chars:
                parsed.errors.append(f"notification on {channel}, which this profile does not read")
                continue
            pos = 0
            while pos < len(payload):
                hit = self._match(payload, pos, channel)
                if isinstance(hit, str):
                    parsed.errors.append(hit)
                    break
                index, length = hit
                kind = self.candidates[index][0]
                frame = payload[pos : pos + length]
                if kind == "packet":
                    groups[index].append((order, frame))
                elif kind == "battery":
                    self._battery(parsed, frame)
                pos += length
        for index, frames in groups.items():
            self._decode(parsed, self.candidates[index][1], index, frames, t_rx)
        return parsed

    def _match(self, payload: bytes, pos: int, channel: str):
        """(candidate index, length) of the frame at ``pos``, or a one-line error."""
        found, short = [], None
        for i, (_, spec, char, header, length) in enumerate(self.candidates):
            if channel and char and channel != char:
                continue
            if not header:  # a whole notification of its own characteristic
                if pos == 0 and len(payload) == length:
                    found.append((i, length, getattr(spec, "stream", "")))
                elif pos == 0 and short is None:
                    short = (length, len(payload))
            elif payload.startswith(header, pos):
                if pos + length <= len(payload):
                    found.append((i, length, getattr(spec, "stream", "")))
                elif short is None:
                    short = (length, len(payload) - pos)
        streams = {s for _, _, s in found if s}
        if len(streams) > 1:
            both = " and ".join(sorted(streams))
            return f"payload of {len(payload)} bytes fits {both}: give its channel"
        if found:
            return found[0][:2]
        if short:
            return f"{short[1]} bytes at byte {pos} where a frame has {short[0]}"
        return f"unknown frame at byte {pos} of {len(payload)}: {payload[pos : pos + 4].hex(' ')}"

    def _battery(self, parsed: base.Parsed, frame: bytes) -> None:
        b = self.battery
        rows = np.frombuffer(frame, dtype=np.uint8)[None, :]
        value = float(base.read_field(rows, b.offset, b.type, 1)[0, 0]) * b.scale
        if b.unit == "V":
            parsed.battery_v = value
        parsed.battery_pct = b.percent_of(value)

    def _decode(self, parsed: base.Parsed, pk: Packet, index: int, frames, t_rx) -> None:
        order = np.fromiter((o for o, _ in frames), dtype=np.int64, count=len(frames))
        rows = np.frombuffer(b"".join(f for _, f in frames), dtype=np.uint8).reshape(-1, pk.length)
        keep = np.ones(len(rows), dtype=bool)
        if pk.seq is not None:
            seq = base.read_field(rows, pk.seq.offset, pk.seq.type, 1)[:, 0]
            prev = np.concatenate(([self.last_seq.get(index, -1)], seq[:-1]))
            dup = seq == prev
            self.last_seq[index] = int(seq[-1])
            keep &= ~dup
            if dup.any():
                parsed.errors.append(f"{int(dup.sum())} repeated packet(s) dropped (same seq)")
        values = {}
        for k, scaler in (("acc", self.acc_scaler), ("gyr", self.gyr_scaler)):
            f = getattr(pk, k)
            if f is None:
                continue
            raw = np.stack(
                [
                    base.read_field(rows, f.offset + s * pk.stride, f.type, 3)
                    for s in range(pk.samples)
                ],
                axis=1,
            ).reshape(-1, 3)
            si = scaler.to_si(raw)
            if f.type == "f32":
                bad = scaler.implausible(si).reshape(-1, pk.samples).any(axis=1)
                if bad.any():
                    parsed.errors.append(f"{int(bad.sum())} {k} packet(s) with impossible values")
                keep &= ~bad
            values[k] = si.reshape(-1, pk.samples, 3)
        if not keep.any():
            return
        stamps = None
        if pk.stamp is not None:
            stamps = base.read_field(rows[keep], pk.stamp.offset, pk.stamp.type, 1)[:, 0]
        empty = np.empty((0, 3))
        parsed.add(
            base.Chunk(
                pk.stream,
                t_rx[order[keep]],
                np.full(int(keep.sum()), pk.samples, dtype=np.int64),
                stamps,
                values["acc"][keep].reshape(-1, 3) if "acc" in values else empty,
                values["gyr"][keep].reshape(-1, 3) if "gyr" in values else empty,
                order[keep],
            )
        )


class Encoder(base.Encoder):
    """Packs samples into the first packet kind of each stream, as the firmware would."""

    def __init__(self, profile, settings, clock_offset_s=0.0):
        super().__init__(profile, settings, clock_offset_s)
        first = {}
        for pk in profile.packets:
            first.setdefault(pk.stream, pk)
        self.kinds = [first[s] for s in ("imu", "acc", "gyr") if s in first]
        self.batcher = base.Batcher(self.kinds[0].samples)
        self.sample_index = 0
        self.seq = 0

    def encode_timed(self, block):
        t, acc, gyr = self.batcher.push(block)
        if not len(t):
            return []
        k, n = t.shape
        payloads = [self._frames(pk, t, acc, gyr) for pk in self.kinds]
        self.sample_index += k * n
        self.seq += k
        out = []
        for i in range(k):
            for pk, frames in zip(self.kinds, payloads, strict=True):
                out.append((float(t[i, -1]), pk.char, frames[i].tobytes()))
        return out

    def _frames(self, pk: Packet, t, acc, gyr) -> np.ndarray:
        k, n = t.shape
        frames = np.zeros((k, pk.length), dtype=np.uint8)
        frames[:, : len(pk.header)] = np.frombuffer(pk.header, dtype=np.uint8)
        for key, values, scaler in (("acc", acc, self.acc_scaler), ("gyr", gyr, self.gyr_scaler)):
            f = getattr(pk, key)
            if f is None:
                continue
            raw = base.to_bytes(base.quantise(scaler.to_raw(values), f.type), f.type)
            size = 3 * field_size(f.type)
            for s in range(n):
                start = f.offset + s * pk.stride
                frames[:, start : start + size] = raw[:, s]
        timing = self.profile.timing
        if pk.stamp is not None:
            if timing.source == "counter":
                ticks = (self.sample_index + np.arange(k) * n) & ((1 << timing.bits) - 1)
            else:
                at = t[:, -1] if timing.stamp == "last" else t[:, 0]
                ticks = self.ticks(at, timing.unit_s, timing.bits)
            self._put(frames, pk.stamp, ticks)
        if pk.seq is not None:
            self._put(
                frames, pk.seq, (self.seq + np.arange(k)) & ((1 << 8 * field_size(pk.seq.type)) - 1)
            )
        return frames

    @staticmethod
    def _put(frames, f, values) -> None:
        size = field_size(f.type)
        frames[:, f.offset : f.offset + size] = base.to_bytes(np.asarray(values)[:, None], f.type)
