"""Shared fixtures for the enterprises tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from .csvdata import write_csv


@pytest.fixture
def good_csv(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "inventory.csv")
