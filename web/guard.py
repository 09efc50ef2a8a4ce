"""Per-address limits on failed link checks: guessing tokens meets a clear 429."""

from __future__ import annotations

import time
from collections import defaultdict, deque


class FailureLimit:
    def __init__(self, failures: int = 20, window_seconds: float = 600) -> None:
        self.failures = failures
        self.window = window_seconds
        self._seen: dict[str, deque[float]] = defaultdict(deque)

    def _recent(self, address: str) -> deque[float]:
        seen = self._seen[address]
        cutoff = time.monotonic() - self.window
        while seen and seen[0] < cutoff:
            seen.popleft()
        return seen

    def blocked(self, address: str) -> bool:
        return len(self._recent(address)) >= self.failures

    def failed(self, address: str) -> None:
        self._recent(address).append(time.monotonic())
        if len(self._seen) > 100_000:  # bounded memory under a spray of addresses
            self._seen.clear()
