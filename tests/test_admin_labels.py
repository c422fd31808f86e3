"""The Japanese admin labels every field in Japanese (review of issue 14: 「Pillar」「Plan」「User:」
showed on the change pages of KPIs, items and staff)."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("app", "model"),
    [
        ("kpi", "kpi"),
        ("kpi", "kpivalue"),
        ("kpi", "staffprofile"),
        ("initiatives", "pillar"),
        ("initiatives", "initiativeitem"),
        ("narratives", "itemdepartment"),
        ("narratives", "itemkpi"),
    ],
)
def test_every_field_label_of_a_change_page_is_japanese(client, sample_values, editor, app, model):
    from django.apps import apps
    from django.contrib.auth import get_user_model

    from initiatives.models import InitiativeItem
    from kpi.models import Kpi
    from narratives.models import ItemDepartment, ItemKpi

    item = InitiativeItem.objects.order_by("pk").first()
    ItemDepartment.objects.get_or_create(item=item, department=editor.staff_profile.department)
    ItemKpi.objects.get_or_create(item=item, kpi=Kpi.objects.order_by("pk").first())
    obj = apps.get_model(app, model).objects.order_by("pk").first()
    site = get_user_model().objects.create(username="site", is_staff=True, is_superuser=True)
    client.force_login(site)
    response = client.get(f"/admin/{app}/{model}/{obj.pk}/change/")
    assert response.status_code == 200
    labels = re.findall(r"<label[^>]*>([^<]+)</label>", response.content.decode())
    english = [label for label in labels if re.fullmatch(r"[A-Za-z ]+:?", label.strip())]
    assert labels and english == [], english
