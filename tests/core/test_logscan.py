"""The log scan (tests/logscan.py) catches what it is for: a run whose logs hold the demo password, a
token key or a demo ID-card number fails, naming the record; a clean run passes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PLANTED = '''
import logging

def test_logs_something():
    logging.getLogger("tongxin.planted").{level}({message!r})
'''


def _run(tmp_path: Path, message: str, level: str = "debug") -> subprocess.CompletedProcess:
    test = tmp_path / "test_planted.py"
    test.write_text(PLANTED.format(level=level, message=message), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-c", str(ROOT / "pyproject.toml"), "--rootdir", str(ROOT),
         "-p", "tests.logscan", "-p", "no:cacheprovider", str(test)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def _id_number() -> str:
    from tongxin.demo.mobilization_story import people

    return people()[0].id_number


@pytest.mark.parametrize("secret", ["password Tongxin#2021", "Authorization: Token " + "ab12" * 10, "id"])
def test_a_planted_secret_fails_the_run(tmp_path, secret):
    message = f"person {_id_number()} checked in" if secret == "id" else f"login with {secret}"
    result = _run(tmp_path, message)
    assert result.returncode != 0, result.stdout + result.stderr
    assert "LOGSCAN FAILED" in result.stdout and "tongxin.planted" in result.stdout


def test_a_clean_run_passes(tmp_path):
    result = _run(tmp_path, "user 12 signed in from 10.0.0.1", level="info")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "LOGSCAN" not in result.stdout
