"""The console log handler writes to the current ``sys.stderr``, never to a stream closed since start-up."""

from __future__ import annotations

import io
import logging
import sys

from paritrana.core.logs import StderrHandler


def test_console_handler_follows_a_replaced_stderr(monkeypatch):
    handler = StderrHandler()
    first = io.StringIO()
    monkeypatch.setattr(sys, "stderr", first)
    handler.emit(logging.makeLogRecord({"msg": "one"}))
    first.close()  # what pytest's capture does to the stream it handed out
    second = io.StringIO()
    monkeypatch.setattr(sys, "stderr", second)
    handler.emit(logging.makeLogRecord({"msg": "two"}))
    assert second.getvalue() == "two\n"


def test_the_configured_root_handler_is_the_following_one():
    assert any(isinstance(h, StderrHandler) for h in logging.getLogger().handlers)
