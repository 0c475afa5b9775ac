"""One error hierarchy; each subclass carries the facts a one-line message needs."""

from __future__ import annotations


class TrackerError(Exception):
    """Base of every error the command line turns into a one-line message.

    ``exit_status`` follows the contract: 2 for bad usage or bad input, 1 for a
    failure while running (device lost, disk full).
    """

    exit_status = 1

    def one_line(self) -> str:
        """The message shown to a person: one line, no traceback."""
        return " ".join(str(self).split())


class InputError(TrackerError):
    """Bad input a person gave us: a malformed file, an unknown name, a bad option.

    A file's error names the file, the line and the key: ``path:line: key: message``.
    """

    exit_status = 2

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        key: str | None = None,
    ):
        self.path = path
        self.line = line
        self.key = key
        where = ""
        if path is not None:
            where = f"{path}:{line}: " if line is not None else f"{path}: "
        super().__init__(where + (f"{key}: " if key else "") + message)


class RecordingError(TrackerError):
    """A recording could not be written (disk full, permission) or read."""

    def __init__(self, message: str, *, path: str | None = None):
        self.path = path
        super().__init__(f"{path}: {message}" if path else message)


class ProfileError(InputError):
    """A firmware profile file is invalid: names the file, the line and the key."""


class DecodeError(TrackerError):
    """A notification payload could not be decoded with its profile."""

    exit_status = 2


class DeviceError(TrackerError):
    """A sensor could not be found, connected or kept."""

    def __init__(self, message: str, *, device: str | None = None):
        self.device = device
        super().__init__(f"{device}: {message}" if device else message)
