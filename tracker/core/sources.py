"""Where samples come from: the ``ImuSource`` protocol of the BLE, replay and simulated sources."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from tracker.core.types import ImuBlock, RawPacket


@dataclass(frozen=True, slots=True)
class SourceData:
    """Decoded samples and, when they came from a sensor, the packet they were decoded from.

    Recording keeps ``packet`` when there is one (what arrived), else ``block``.
    ``block`` may be empty (a packet that only completes part of a sample).
    """

    block: ImuBlock
    packet: RawPacket | None = None


@dataclass(frozen=True, slots=True)
class SourceStatus:
    """A change a person should see: connecting, streaming, lost, reconnected, battery...

    ``kind`` is one of ``connecting``, ``connected``, ``streaming``, ``disconnected``,
    ``reconnecting``, ``gap``, ``battery``, ``info``, ``stopped``, ``failed``.
    """

    kind: str
    t_s: float
    detail: str = ""
    battery_pct: int | None = None
    rate_hz: float | None = None
    loss_fraction: float | None = None


SourceItem = SourceData | SourceStatus


@runtime_checkable
class ImuSource(Protocol):
    """An async stream of ``SourceItem`` on the application's one event loop."""

    description: str
    simulated: bool

    def stream(self) -> AsyncIterator[SourceItem]: ...

    async def aclose(self) -> None: ...


@dataclass(frozen=True)
class LinkView:
    """The sensor link as a person should see it."""

    state: str = ""  # connecting | connected | streaming | disconnected | ... ("": none yet)
    detail: str = ""
    rate_hz: float | None = None
    loss_fraction: float | None = None
    battery_pct: int | None = None
    reconnects: int = 0
    since_s: float | None = None  # stream time of the last change

    @property
    def lost(self) -> bool:
        return self.state in ("disconnected", "reconnecting", "failed")
