"""Where the project's own example inputs are: the seed plan and the unit directory the tests,
benchmarks and demo run on."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "plans" / "54-KH-DTN-2023-05.txt"
UNITS = ROOT / "plans" / "units.yaml"
