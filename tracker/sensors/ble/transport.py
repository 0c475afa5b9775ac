"""Which bleak backends a source talks through: the platform's radio, or a simulated one."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Transport:
    """The seam at bleak's public ``backend=`` argument.

    Attributes
    ----------
    scanner, client : type or None
        ``BaseBleakScanner`` and ``BaseBleakClient`` subclasses handed to
        ``BleakScanner(backend=...)`` and ``BleakClient(backend=...)``; None picks the
        platform's backend (a real radio).
    kwargs : mapping
        Extra keyword arguments bleak passes through to both backends (a simulated
        radio object).
    clock : callable
        Receive times of notifications: ``time.monotonic`` for a real radio, the
        simulation's clock for a simulated one.
    name : str
        For people: "bluetooth" or what is simulated.
    aclose : callable, optional
        Awaited when the source that owns the transport closes (ends a simulation).
    """

    scanner: type | None = None
    client: type | None = None
    kwargs: Mapping[str, object] = field(default_factory=dict)
    clock: Callable[[], float] = time.monotonic
    name: str = "bluetooth"
    aclose: Callable[[], Awaitable[None]] | None = None

    @property
    def simulated(self) -> bool:
        return self.client is not None

    def scanner_args(self) -> dict:
        """Keyword arguments for ``BleakScanner`` and its class methods."""
        return {"backend": self.scanner, **self.kwargs} if self.scanner else {}

    def client_args(self) -> dict:
        """Keyword arguments for ``BleakClient``."""
        return {"backend": self.client, **self.kwargs} if self.client else {}


PLATFORM = Transport()
"""The operating system's Bluetooth stack, through bleak's default backend."""
