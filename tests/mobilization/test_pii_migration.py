"""The migration that encrypts ID numbers (mobilization 0002) converts the rows already stored, both
ways. Checked in a fresh process on a scratch database of the suite's own kind."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.ledger.test_migrations import scratch_database

SCRIPT = Path(__file__).with_name("pii_migration_roundtrip.py")


def test_id_numbers_are_encrypted_and_decrypted_by_the_migration(tmp_path):
    url, cleanup = scratch_database(tmp_path, "_pii_roundtrip")
    env = {**os.environ, "TONGXIN_DATABASE_URL": url, "TONGXIN_MEDIA_ROOT": str(tmp_path),
           "TONGXIN_HOME": str(Path(__file__).resolve().parents[2])}
    try:
        done = subprocess.run([sys.executable, str(SCRIPT)], env=env, capture_output=True, text=True, timeout=600)
    finally:
        cleanup()
    assert done.returncode == 0, done.stderr[-3000:]
    assert "backwards: clear" in done.stdout and "forwards: encrypted" in done.stdout
