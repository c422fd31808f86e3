"""The cast for narratives: owning departments for items, and a reviewer in each department."""

from __future__ import annotations

import pytest

from tests.conftest import _user

PLAN = "/plans/hokkaido-smart-docho-3/"
ITEM = PLAN + "pillars/1/items/1/"
PROGRESS = ITEM + "progress/2024/"
COMMENTARY = PLAN + "kpis/1-2/commentary/2024/"
BOARD = PLAN + "entry/2024/narratives/"


@pytest.fixture
def owned_items(policy, departments):
    """Pillars 1–2's items are led by the owning department, pillar 3's by the other one;
    item 3-(1) is also owned (not led) by the owning department."""
    from initiatives.models import InitiativeItem
    from narratives.models import ItemDepartment

    owning, other = departments
    for item in InitiativeItem.objects.filter(pillar__plan=policy).select_related("pillar"):
        lead = owning if item.pillar.number in (1, 2) else other
        ItemDepartment.objects.create(item=item, department=lead, is_lead=True)
        if (item.pillar.number, item.number) == (3, 1):
            ItemDepartment.objects.create(item=item, department=owning, is_lead=False)
    return policy


@pytest.fixture
def reviewer(owned_items, departments):
    from narratives import roles

    return _user("shonin", roles.REVIEWER, departments[0])


@pytest.fixture
def other_reviewer(owned_items, departments):
    from narratives import roles

    return _user("shonin2", roles.REVIEWER, departments[1])


@pytest.fixture
def item(owned_items):
    from initiatives.models import InitiativeItem

    return InitiativeItem.objects.select_related("pillar__plan").get(
        pillar__plan=owned_items, pillar__number=1, number=1
    )


def progress_post(**fields) -> dict:
    data = {
        "version": 0,
        "rating": "B",
        "done": "研修を3回実施した。",
        "results": "受講者が増えた。",
        "issues": "",
        "next_steps": "オンライン化を進める。",
        "budget": "1,200",
        "settled": "",
        "action": "save",
    }
    data.update(fields)
    return data
