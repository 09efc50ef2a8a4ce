"""`make demo`: the main job on the embedded default.

Imports and lints the bundled seed plan and prints it.
"""

from __future__ import annotations

import sys
from pathlib import Path

from rich.console import Console

from campaign.importer import import_plan
from campaign.units import load_directory
from cli.plan_commands import print_findings, print_plan

ROOT = Path(__file__).resolve().parent


def main() -> int:
    console = Console()
    plan = import_plan(ROOT / "plans" / "54-KH-DTN-2023-05.txt", load_directory(ROOT / "plans" / "units.yaml"))
    print_plan(plan, console)
    print_findings(plan, console)
    return 0


if __name__ == "__main__":
    sys.exit(main())
