"""What a second new-user walk found (the demo, the grid, the office's pages, the portal's receipts): each
finding as a test that failed before its fix."""

from __future__ import annotations

from campaign.importer import import_plan
from campaign.policy import PolicyFile
from demo import shown_unit, simulated_answers
from harness.paths import SEED
from service.simulator import plan_answers


def test_the_demo_leaves_the_unit_whose_link_it_prints_to_the_person(directory) -> None:
    plan = import_plan(SEED, directory)
    by_hand = shown_unit(plan)
    everyone = plan_answers(plan, PolicyFile(), seed=54)
    assert any(a.unit == by_hand for a in everyone)  # the simulator alone would answer for them
    answers = simulated_answers(plan, PolicyFile(), seed=54)
    assert answers == [a for a in everyone if a.unit != by_hand]
