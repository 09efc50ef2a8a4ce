"""How fast the seed plan is read and linted: `python -m bench.importer [N]` prints plans/s."""

from __future__ import annotations

import sys
import time
import tracemalloc

from campaign.importer import import_plan
from campaign.units import load_directory
from tests.conftest import SEED, UNITS


def main(rounds: int = 200) -> None:
    directory = load_directory(UNITS)
    import_plan(SEED, directory)  # warm caches
    tracemalloc.start()
    started = time.perf_counter()
    for _ in range(rounds):
        import_plan(SEED, directory)
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    print(f"import+lint of the seed plan: {rounds / elapsed:.1f} plans/s, {elapsed / rounds * 1000:.2f} ms each, "
          f"peak {peak / 1024:.0f} KiB traced")  # fmt: skip


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
