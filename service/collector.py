"""How often a worker's garbage collector runs.

A continued run of a city's activity decodes its input in its first workflow task: 20,000 units'
state and contacts, about half a million new objects. With Python's default thresholds (a collection
every 700 new objects, a full one as soon as the survivors grow by a quarter), the collector walked
every object the worker held several times during that decode: 0.1–0.3 s on top of a 0.2 s decode,
measured, inside a task the SDK's deadlock detector fails after 2 s. A worker's objects are mostly
long-lived (modules, the sandbox, cached runs); the garbage they make is freed by reference counting,
rarely by the collector.
"""

from __future__ import annotations

import gc

# New objects between two collections of the youngest generation (Python's default: 700). A collection
# then walks at most this many young objects: a few milliseconds.
YOUNG_OBJECTS = 50_000


def collect_less() -> None:
    """Leave what the start-up made (modules, the SDK, the workflows' classes) out of every later
    collection (`gc.freeze`) and collect the youngest generation every YOUNG_OBJECTS new objects.
    For a worker's process, once, after its imports; the older generations keep Python's ratios."""
    gc.collect()
    gc.freeze()
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_OBJECTS, middle, oldest)
