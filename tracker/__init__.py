"""tracker: one thigh IMU as a physiotherapy instrument."""

__version__ = "0.2.0"
