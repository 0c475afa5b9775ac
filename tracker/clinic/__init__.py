"""Clinic assessments: standard protocols, trial timing, results, norms and their state machine."""
