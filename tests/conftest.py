from __future__ import annotations

from pathlib import Path

import pytest

from campaign.units import UnitDirectory, load_directory

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "plans" / "54-KH-DTN-2023-05.txt"
UNITS = ROOT / "plans" / "units.yaml"


@pytest.fixture(scope="session")
def directory() -> UnitDirectory:
    return load_directory(UNITS)
