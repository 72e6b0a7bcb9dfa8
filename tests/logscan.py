"""A pytest plugin: no secret or personal data reaches the logs (issue #12, GB/T 22239 and PIPL).

Registered from tests/conftest.py, it attaches a handler to the root logger for the whole session,
with the `tongxin` and `django` loggers opened to DEBUG, and looks at every record (message, arguments,
exception text). At the session's end it fails the run, listing the offending records, if any holds:

- the demo password (`tongxin.demo.story.PASSWORD`);
- something shaped like an API token key after "Token " (40 hex characters, DRF's key);
- a phone or ID-card number of the demo (`tongxin.demo.mobilization_story.people()`, and the
  phones the demo builder derives for its homes and organisations).

`tests/core/test_logscan.py` proves it catches a planted secret by running pytest on a tiny test in a
subprocess.
"""

from __future__ import annotations

import logging
import re

import pytest

TOKEN = re.compile(r"Token [A-Za-z0-9_-]{40,}")  # DRF-style hex keys and accounts.tokens keys (token_urlsafe(32))


def demo_secrets() -> list[str]:
    from tongxin.demo import mobilization_story, story

    secrets = {story.PASSWORD}
    for someone in mobilization_story.people():
        secrets.update({someone.id_number, someone.mobile})
    try:
        from tongxin.demo.builder import mobile
    except Exception:  # noqa: BLE001 - the builder needs Django set up; the people above do not
        return sorted(secrets)
    names = [home.name for home in story.NANXIAN_HOMES]
    names += [home.name for homes in story.COUNTY_HOMES.values() for home in homes]
    names += [org.name for org in story.ORGANISATIONS]
    secrets.update(mobile(name) for name in names)
    return sorted(secrets)


class ScanHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.pattern: re.Pattern[str] | None = None
        self.found: list[str] = []
        self.seen = 0

    def emit(self, record: logging.LogRecord) -> None:
        if self.pattern is None:
            self.pattern = re.compile("|".join(map(re.escape, demo_secrets())) + "|" + TOKEN.pattern)
        self.seen += 1
        try:
            text = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string: look at its parts
            text = f"{record.msg} {record.args}"
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        text += "\n" + (record.exc_text or "") + "\n" + (record.stack_info or "")
        match = self.pattern.search(text)
        if match and len(self.found) < 50:
            self.found.append(f"{record.name} {record.levelname} {record.pathname}:{record.lineno}: "
                              f"…{text[max(0, match.start() - 80):match.end() + 40]!r}…")


_handler = ScanHandler()
_levels: dict[str, int] = {}


def pytest_configure(config: pytest.Config) -> None:
    logging.getLogger().addHandler(_handler)


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    # After Django's LOGGING ran: open our loggers and Django's to DEBUG for this handler only (the
    # console keeps the level it had).
    root = logging.getLogger()
    for handler in root.handlers:
        if handler is not _handler and handler.level == logging.NOTSET:
            handler.setLevel(root.level)
    for name in ("tongxin", "django"):
        logger = logging.getLogger(name)
        _levels[name] = logger.level
        logger.setLevel(logging.DEBUG)
    if _handler not in root.handlers:  # Django's LOGGING (dictConfig) may have replaced the root's handlers
        root.addHandler(_handler)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    logging.getLogger().removeHandler(_handler)
    if _handler.found:
        session.config._logscan_found = list(_handler.found)  # type: ignore[attr-defined]
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    found = getattr(config, "_logscan_found", [])
    if found:
        terminalreporter.section("log scan: secrets or personal data in the logs", red=True)
        for line in found:
            terminalreporter.line(line)
        terminalreporter.line(f"LOGSCAN FAILED: {len(found)} record(s) hold a secret or personal data")
