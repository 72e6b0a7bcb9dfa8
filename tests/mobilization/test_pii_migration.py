"""The migration that encrypts ID numbers (mobilization 0002) converts the rows already stored, both
ways. Checked in a fresh process on a scratch database of the suite's own kind."""

from __future__ import annotations

from pathlib import Path

from tests.scratch import run_on_scratch_database

SCRIPT = Path(__file__).with_name("pii_migration_roundtrip.py")


def test_id_numbers_are_encrypted_and_decrypted_by_the_migration(tmp_path):
    stdout = run_on_scratch_database(tmp_path, SCRIPT, "_pii_roundtrip")
    assert "backwards: clear" in stdout and "forwards: encrypted" in stdout
