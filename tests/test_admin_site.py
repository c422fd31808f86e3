"""The Django admin: every model registered, in Japanese, and usable by the admin role."""

import pytest
from django.contrib import admin as django_admin
from django.urls import reverse

from initiatives import models as initiative_models
from kpi import models as kpi_models

pytestmark = pytest.mark.django_db

MODELS = [
    initiative_models.Organization,
    initiative_models.Plan,
    initiative_models.Pillar,
    initiative_models.InitiativeItem,
    initiative_models.PlanSection,
    kpi_models.Department,
    kpi_models.Unit,
    kpi_models.Kpi,
    kpi_models.KpiValue,
    kpi_models.TargetRevision,
    kpi_models.StaffProfile,
    kpi_models.PublishedReport,
]


@pytest.mark.parametrize("model", MODELS, ids=[m.__name__ for m in MODELS])
def test_every_model_has_a_japanese_admin_page(client, admin, sample_values, model):
    assert model in django_admin.site._registry
    client.force_login(admin)
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    html = client.get(url).content.decode()
    assert str(model._meta.verbose_name_plural) in html


def test_pillar_page_edits_its_items_and_kpis_inline(client, admin, sample_values):
    client.force_login(admin)
    pillar = initiative_models.Pillar.objects.get(number=1)
    html = client.get(reverse("admin:initiatives_pillar_change", args=[pillar.pk])).content.decode()
    assert "情報システム診断・相談" in html and "情報システム予算額" in html
    parent = kpi_models.Kpi.objects.get(code="1-3")
    html = client.get(reverse("admin:kpi_kpi_change", args=[parent.pk])).content.decode()
    assert "人事給与システム" in html


def test_value_lists_write_values_and_years_as_every_page_does(client, admin, sample_values):
    """Not the database's 51.3000 or a bare 2024: the unit's decimals and the 令和 year."""
    from smartdocho.fiscal import format_fy

    value = (
        kpi_models.KpiValue.objects.select_related("kpi__unit")
        .filter(kpi__unit__decimals__gt=0)
        .first()
        or kpi_models.KpiValue.objects.select_related("kpi__unit").first()
    )
    client.force_login(admin)
    html = client.get(
        reverse("admin:kpi_kpivalue_changelist"), {"kpi__id__exact": value.kpi_id}
    ).content.decode()
    unit = value.kpi.unit
    assert f"{unit.format(value.value)}{unit.label}" in html
    assert format_fy(value.fiscal_year) in html
    assert f"{value.value:f}" not in html or f"{value.value:f}" == unit.format(value.value)
