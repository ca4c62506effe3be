"""Paritrana: universal coverage of employment social security for Indonesian local governments."""
