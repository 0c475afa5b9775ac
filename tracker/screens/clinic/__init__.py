"""The clinic's screens: patient, protocol, trials and the visit's results."""
