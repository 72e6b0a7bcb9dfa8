"""The migration that turns the campaign/inspection foreign keys into generic references keeps every
entry's source and campaign, both ways. Checked in a fresh process on a scratch database of the
suite's own kind (tests/scratch.py)."""

from __future__ import annotations

from pathlib import Path

from tests.scratch import run_on_scratch_database

SCRIPT = Path(__file__).with_name("migration_roundtrip.py")


def test_foreign_keys_become_references_and_back(tmp_path):
    stdout = run_on_scratch_database(tmp_path, SCRIPT)
    assert "unchanged" in stdout
