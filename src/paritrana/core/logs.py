"""Log formatters: plain lines or one JSON object per line (``PARITRANA_LOG_FORMAT``), NIKs masked in both.

Kept apart from ``core.observability``: Django configures logging at start-up, and importing prometheus_client
that early would fix its storage before ``paritrana serve`` chooses the per-process one.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

from paritrana.core.privacy import mask_niks

__all__ = ["JsonFormatter", "MaskingFormatter", "StderrHandler"]


class MaskingFormatter(logging.Formatter):
    """Plain lines; NIKs masked in the message, its arguments and any traceback."""

    def format(self, record: logging.LogRecord) -> str:
        return mask_niks(super().format(record))


class JsonFormatter(_JsonFormatter):
    """One JSON object per line, NIKs masked the same way."""

    def format(self, record: logging.LogRecord) -> str:
        return mask_niks(super().format(record))


class StderrHandler(logging.StreamHandler):
    """Writes to the ``sys.stderr`` of the moment a record is logged. A plain ``StreamHandler`` keeps the stream of
    start-up, which pytest's capture (and anything else that swaps ``sys.stderr``) may have closed since."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:  # StreamHandler.__init__ and setStream assign it; the property decides
        pass
