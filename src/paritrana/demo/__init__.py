"""Deterministic synthetic demo data for Banten: no real persons."""
