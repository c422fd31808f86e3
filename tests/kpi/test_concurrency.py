"""No lost updates between sessions that share one PostgreSQL database."""

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from kpi import services
from kpi.models import Kpi, KpiValue

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks across sessions need PostgreSQL (CI runs this with DATABASE_URL)",
    ),
]


def _race(user, kpi, values, version):
    """Two sessions save the same KPI-year at the same moment, both from `version`."""
    barrier = threading.Barrier(len(values))
    outcomes = {}

    def save(value):
        try:
            barrier.wait(timeout=10)
            services.values_save(
                user=user,
                fiscal_year=2024,
                rows=[
                    services.ValueInput(
                        kpi=kpi, value=Decimal(value), status="preliminary", version=version
                    )
                ],
            )
            outcomes[value] = "saved"
        except services.EntryRefused as refused:
            outcomes[value] = refused.result.errors[0]
        except Exception as err:  # reported in the assertion rather than lost in the thread
            outcomes[value] = f"error: {err!r}"
        finally:
            connections.close_all()

    threads = [threading.Thread(target=save, args=(v,)) for v in values]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return outcomes


def test_two_sessions_correcting_the_same_value_one_wins_the_other_is_told(editor):
    kpi = Kpi.objects.get(code="2-1")
    services.values_save(
        user=editor,
        fiscal_year=2024,
        rows=[services.ValueInput(kpi=kpi, value=Decimal(131), status="preliminary")],
    )
    outcomes = _race(editor, kpi, ["140", "150"], version=1)
    assert sorted(outcomes.values(), key=lambda o: o != "saved")[0] == "saved"
    winner = next(v for v, o in outcomes.items() if o == "saved")
    loser = next(v for v, o in outcomes.items() if o != "saved")
    assert "保存できませんでした" in outcomes[loser] and f"「{winner}」" in outcomes[loser]
    value = KpiValue.objects.get(kpi=kpi, fiscal_year=2024)
    assert (value.value, value.version) == (Decimal(winner), 2)
    # The history shows the first entry and exactly one change.
    assert [h.history_type for h in value.history.order_by("history_date")] == ["+", "~"]


def test_two_sessions_entering_a_new_value_at_once(editor):
    kpi = Kpi.objects.get(code="2-2")
    outcomes = _race(editor, kpi, ["41", "42"], version=0)
    assert sorted(outcomes.values()).count("saved") == 1
    value = KpiValue.objects.get(kpi=kpi, fiscal_year=2024)
    assert value.version == 1
    assert value.history.count() == 1
