"""Notifications a sensor sends again after reconnecting, recognised so they count once."""

from __future__ import annotations

from collections import deque

from tracker.core.types import RawPacket


class RepeatFilter:
    """Drops data notifications that repeat ones received before a gap, until a new one comes.

    Firmware with a retransmit buffer sends its last notifications again after a
    reconnection. Where packets carry device time or a sequence number, a repeat is
    byte for byte one that already arrived; without device time two identical
    packets can be genuine (a sensor at rest), so nothing is dropped.

    Parameters
    ----------
    channels : set of str
        The channels that carry samples (control traffic repeats legitimately).
    enabled : bool
        False for sensors without device time.
    memory : int
        Notifications remembered from before a gap.
    """

    def __init__(self, channels: set[str], enabled: bool, memory: int = 512):
        self.channels, self.enabled = channels, enabled
        self.dropped = 0
        self._recent: deque[tuple[str, bytes]] = deque(maxlen=memory)
        self._before_gap: set[tuple[str, bytes]] = set()

    def gap(self) -> None:
        """The connection dropped: what came before may come again."""
        self._before_gap = set(self._recent)

    def fresh(self, packets: list[RawPacket]) -> list[RawPacket]:
        """``packets`` without repeats; remembers them for the next gap."""
        if self._before_gap:
            packets = self._drop_repeats(packets)
        if self.enabled:
            self._recent.extend((p.channel, p.payload) for p in packets)
        return packets

    def _drop_repeats(self, packets: list[RawPacket]) -> list[RawPacket]:
        kept = []
        for i, p in enumerate(packets):
            if p.channel in self.channels:
                if (p.channel, p.payload) in self._before_gap:
                    self.dropped += 1
                    continue
                self._before_gap = set()
                return kept + packets[i:]
            kept.append(p)
        return kept
