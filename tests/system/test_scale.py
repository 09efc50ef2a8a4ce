"""A whole city in one activity, on the real dev server with a compressed clock: 1,000 units through every
reminder and escalation level, late reports and revisions, to the close (the scale benchmark's run,
checked)."""

from __future__ import annotations

from bench.scale import one_size

MAX_EVENTS = 20_000
MAX_HISTORY_BYTES = 20_000_000
PAYLOAD_LIMIT = 2 * 1024 * 1024


async def test_a_thousand_units_get_every_notice_and_close() -> None:
    figures = await one_size(1000)
    assert figures.levels == {3: 1000}  # nobody answered: every unit reached the last escalation level
    for kind, (sent, policy) in figures.notices.items():
        assert sent == policy, kind
    assert figures.outcomes == {"late": 1000}
    assert figures.reports_held == 1999  # every report and revision reached the workflow
    assert figures.reports_recorded == 1999  # and the store, across continue-as-new (a report applied before a
    # run's first task once took a path of its own that a hand-over could leave unwritten)
    for run in [*figures.runs, *figures.campaign_runs]:
        assert run.events < MAX_EVENTS and run.bytes < MAX_HISTORY_BYTES and run.largest_event < PAYLOAD_LIMIT / 4
