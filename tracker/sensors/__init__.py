"""Sensors: firmware profiles and their schema, the decoders, Bluetooth LE through bleak."""
