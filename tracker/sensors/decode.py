"""Notifications -> timed SI samples with a firmware profile; samples -> notifications.

``make_decoder(profile)`` gives a stateful ``Decoder``: it parses payloads with
the profile's protocol, times the samples from the device (its clock, or its
counter times the nominal period; the nominal rate anchored at arrival when the
device sends no time, see ``decoders.timeline``), pairs separate acc and gyr
streams, and counts what it could not decode and what was lost on the way.
``make_encoder(profile)`` does the firmware's side, for simulated peripherals.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

import numpy as np

from tracker.core.types import ImuBlock, RawPacket
from tracker.sensors.catalog import load_profile_text
from tracker.sensors.decoders import DECODERS
from tracker.sensors.decoders.base import Chunk, Encoder
from tracker.sensors.decoders.timeline import Pairer, Timeline
from tracker.sensors.profiles import FirmwareProfile, Settings, parse_hex

__all__ = [
    "DecodeResult",
    "DecodeStats",
    "Decoder",
    "decode_hex",
    "decode_packets",
    "decode_recording",
    "make_decoder",
    "make_encoder",
]


@dataclass(frozen=True, eq=False)
class DecodeResult:
    """What one ``feed`` produced.

    Attributes
    ----------
    block : ImuBlock
        Decoded samples: ``t_s`` on the host clock (strictly increasing across
        feeds), acc in m/s² and gyr in rad/s in the sensor frame.
    device_t_s : (n,) float64
        Each sample's time by the device's own clock (its epoch), before timing;
        NaN when the protocol carries no device time.
    errors : tuple of str
        One line per payload (or part) that could not be decoded.
    lost : int
        Samples found missing from sequence numbers, device times or arrival times,
        counted in each stream (where acc and gyr come apart, a lost acc packet and a
        lost gyr packet each count their samples).
    unpaired : int
        Acc or gyr samples dropped because their partner never came.
    notes : tuple of str
        Why timing did what it did (re-anchoring, gaps).
    battery_pct, battery_v : float or None
        A battery reading that arrived among the notifications.
    """

    block: ImuBlock
    device_t_s: np.ndarray
    errors: tuple[str, ...] = ()
    lost: int = 0
    unpaired: int = 0
    notes: tuple[str, ...] = ()
    battery_pct: float | None = None
    battery_v: float | None = None

    def __len__(self) -> int:
        return len(self.block)

    def samples_json(self, time: str = "device") -> list[dict]:
        """Samples as the contract's JSON objects; ``time`` is ``device`` or ``host``."""
        t = self.device_t_s if time == "device" else self.block.t_s
        return [
            {
                "acc_m_s2": [round(v, 6) for v in a],
                "gyr_rad_s": [round(v, 7) for v in g],
                "t_s": None if np.isnan(ts) else round(ts, 6),
            }
            for a, g, ts in zip(
                self.block.acc.tolist(), self.block.gyr.tolist(), t.tolist(), strict=True
            )
        ]


@dataclass
class DecodeStats:
    """Running totals of a decoder."""

    packets: int = 0
    samples: int = 0
    errors: int = 0
    lost: int = 0
    unpaired: int = 0


class Decoder:
    """Stateful decoder of one sensor's notifications (see the module docstring)."""

    def __init__(self, profile: FirmwareProfile, settings: Settings | None = None):
        self.profile = profile
        self.settings = settings or profile.settings()
        module = DECODERS[profile.decoder]
        self.parser = module.Parser(profile, self.settings)
        self.timeline = Timeline(profile.timing, self.settings.rate_hz)
        paired = set(self.parser.streams) == {"acc", "gyr"}
        self.pairer = Pairer(1.0 / self.settings.rate_hz) if paired else None
        self.stats = DecodeStats()
        self.bounds_si = (
            profile.acc.bound_si(self.settings.acc_range),
            profile.gyr.bound_si(self.settings.gyr_range),
        )
        self._channels = {"": ""}  # alias or UUID as given -> UUID

    def reset(self) -> None:
        """Forget all state (partial packets, clocks, pairing): a new stream."""
        self.parser.reset()
        self.timeline.reset()
        if self.pairer:
            self.pairer.reset()

    def feed(self, payload: bytes, t_rx_s: float, channel: str = "") -> DecodeResult:
        """Decode one notification; ``channel`` is its characteristic (UUID or alias)."""
        return self._decode([bytes(payload)], np.array([float(t_rx_s)]), [channel])

    def feed_many(self, packets: Iterable[RawPacket]) -> DecodeResult:
        """Decode many notifications at once: the result of feeding them one by one, faster.

        A live source gets the most from it by passing every notification queued
        since its last call.
        """
        packets = list(packets)
        if not packets:
            return _empty()
        t_rx = np.fromiter((p.t_rx_s for p in packets), dtype=np.float64, count=len(packets))
        return self._decode([bytes(p.payload) for p in packets], t_rx, [p.channel for p in packets])

    def _decode(self, payloads: list[bytes], t_rx: np.ndarray, channels: list[str]) -> DecodeResult:
        known = self._channels
        channels = [
            known.get(c) or known.setdefault(c, self.profile.char_uuid(c)) for c in channels
        ]
        parsed = self.parser.parse(payloads, t_rx, channels)
        chunks = [
            (stream, self._in_range(chunk, parsed.errors))
            for stream, chunk in parsed.chunks().items()
        ]
        chunks = sorted(
            ((s, c) for s, c in chunks if len(c.counts)), key=lambda kv: int(kv[1].order[0])
        )
        lost, unpaired, notes, out = 0, 0, [], {}
        for stream, chunk in chunks:
            placed = self.timeline.place(stream, chunk.t_rx_s, chunk.counts, chunk.stamps)
            lost += placed.lost
            notes += placed.notes
            out[stream] = (placed.t_s, chunk.acc, chunk.gyr, placed.device_t_s)
        if self.pairer is not None:
            for stream, (t, acc, gyr, dev) in out.items():
                self.pairer.push(stream, t, acc if stream == "acc" else gyr, dev)
            t, acc, gyr, dev, unpaired = self.pairer.pop()
        elif "imu" in out:
            t, acc, gyr, dev = out["imu"]
        else:
            t, acc, gyr, dev = np.empty(0), np.empty((0, 3)), np.empty((0, 3)), np.empty(0)
        result = DecodeResult(
            ImuBlock.from_arrays(t, acc, gyr),
            np.asarray(dev, dtype=np.float64),
            tuple(parsed.errors),
            lost,
            unpaired,
            tuple(notes),
            parsed.battery_pct,
            parsed.battery_v,
        )
        s = self.stats
        s.packets += len(payloads)
        s.samples += len(result)
        s.errors += len(result.errors)
        s.lost += lost
        s.unpaired += unpaired
        return result

    def _in_range(self, chunk: Chunk, errors: list[str]) -> Chunk:
        """The chunk without the notifications that hold a value the sensor cannot report
        (a damaged payload: one flipped bit of a delta-compressed frame gives 1000 g)."""
        owner = np.repeat(np.arange(len(chunk.counts)), chunk.counts)
        why: dict[int, str] = {}
        quantities = (("acceleration", "m/s²", chunk.acc), ("angular rate", "rad/s", chunk.gyr))
        for (name, unit, values), bound in zip(quantities, self.bounds_si, strict=True):
            if not len(values):
                continue
            size = np.abs(values).max(axis=1)
            beyond = ~np.isfinite(values).all(axis=1)
            if bound is not None:
                beyond |= size > bound
            for row in np.flatnonzero(beyond):
                limit = "" if bound is None else f" (±{bound:.4g} {unit})"
                why.setdefault(
                    int(owner[row]),
                    f"{name} of {size[row]:.4g} {unit} is beyond what the sensor reports{limit}",
                )
        if not why:
            return chunk
        errors += [f"{chunk.stream} notification dropped: {why[i]}" for i in sorted(why)]
        packets = np.zeros(len(chunk.counts), dtype=bool)
        packets[list(why)] = True
        return chunk.without(packets)


def _empty() -> DecodeResult:
    return DecodeResult(ImuBlock.empty(), np.empty(0))


def make_decoder(profile: FirmwareProfile, rate_hz=None, acc_range=None, gyr_range=None) -> Decoder:
    """A decoder for ``profile`` at the chosen rate and ranges (the profile's defaults)."""
    return Decoder(profile, profile.settings(rate_hz, acc_range, gyr_range))


def make_encoder(
    profile: FirmwareProfile, rate_hz=None, acc_range=None, gyr_range=None, clock_offset_s=0.0
) -> Encoder:
    """The firmware's side: ``encode(block)`` gives the notifications it would send.

    ``clock_offset_s`` is added to sample times to make device clock readings
    (to start a narrow clock near its wraparound, or set an epoch).
    """
    settings = profile.settings(rate_hz, acc_range, gyr_range)
    return DECODERS[profile.decoder].Encoder(profile, settings, clock_offset_s)


def decode_packets(
    profile: FirmwareProfile, packets: Iterable[RawPacket], **settings
) -> DecodeResult:
    """Decode a whole sequence of notifications with a fresh decoder."""
    return make_decoder(profile, **settings).feed_many(packets)


@dataclass
class HexDecode:
    """``decode_hex`` output: the decode result and the arguments that were not hex."""

    result: DecodeResult
    bad_hex: list[str] = field(default_factory=list)


def decode_hex(profile: FirmwareProfile, args: Iterable[str], **settings) -> HexDecode:
    """Decode notifications given as hex, each optionally prefixed ``CHANNEL=``.

    ``CHANNEL`` is a characteristic alias of the profile (``acc=00 00 80 3f ...``)
    or a UUID; arguments that are not hexadecimal become one-line errors.
    """
    decoder = make_decoder(profile, **settings)
    results, bad = [], []
    for i, arg in enumerate(args, start=1):
        channel, _, text = arg.rpartition("=")
        try:
            payload = parse_hex(text)
        except ValueError as exc:
            bad.append(f"notification {i}: {exc}")
            continue
        r = decoder.feed(payload, 0.0, channel.strip())
        results.append(replace(r, errors=tuple(f"notification {i}: {e}" for e in r.errors)))
    return HexDecode(_join(results), bad)


def _join(results: list[DecodeResult]) -> DecodeResult:
    if not results:
        return _empty()
    last = next((r for r in reversed(results) if r.battery_pct is not None), results[-1])
    return DecodeResult(
        ImuBlock.concat([r.block for r in results]),
        np.concatenate([r.device_t_s for r in results]),
        tuple(e for r in results for e in r.errors),
        sum(r.lost for r in results),
        sum(r.unpaired for r in results),
        tuple(n for r in results for n in r.notes),
        last.battery_pct,
        last.battery_v,
    )


def decode_recording(recording) -> ImuBlock:
    """Decode every packet ('P' record) of a recording with the profile stored in it.

    ``recording`` has ``profile_toml``, ``packets()`` (RawPacket in order) and,
    optionally, ``metadata`` with the ``rate_hz``, ``acc_range`` and ``gyr_range``
    the stream was started with, and ``path`` (named in errors).
    """
    origin = f"{getattr(recording, 'path', 'recording')} (stored profile)"
    profile = load_profile_text(recording.profile_toml, origin)
    meta = getattr(recording, "metadata", None) or {}
    chosen = {k: meta.get(k) for k in ("rate_hz", "acc_range", "gyr_range")}
    return decode_packets(profile, recording.packets(), **chosen).block
