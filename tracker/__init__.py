"""tracker: one thigh IMU as a physiotherapy instrument."""

import logging

__version__ = "0.2.0"

# The package's log goes where `--log FILE` sends it, never to the terminal by default
# (logging's last resort would print warnings there, beside the one-line messages).
logging.getLogger(__name__).addHandler(logging.NullHandler())
