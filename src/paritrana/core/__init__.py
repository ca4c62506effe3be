"""Shared kernel: settings, errors, money, audit, permissions (region scope)."""
