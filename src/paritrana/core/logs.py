"""Log formatters: plain lines or one JSON object per line (``PARITRANA_LOG_FORMAT``), NIKs masked in both.

Kept apart from ``core.observability``: Django configures logging at start-up, and importing prometheus_client
that early would fix its storage before ``paritrana serve`` chooses the per-process one.
"""

from __future__ import annotations

import logging

from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

from paritrana.core.privacy import mask_niks

__all__ = ["JsonFormatter", "MaskingFormatter"]


class MaskingFormatter(logging.Formatter):
    """Plain lines; NIKs masked in the message, its arguments and any traceback."""

    def format(self, record: logging.LogRecord) -> str:
        return mask_niks(super().format(record))


class JsonFormatter(_JsonFormatter):
    """One JSON object per line, NIKs masked the same way."""

    def format(self, record: logging.LogRecord) -> str:
        return mask_niks(super().format(record))
