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


def _save_in_thread(barrier, user, rows, outcomes, key):
    try:
        barrier.wait(timeout=10)
        services.values_save(user=user, fiscal_year=2024, rows=rows)
        outcomes[key] = "saved"
    except services.EntryRefused as refused:
        outcomes[key] = refused.result.errors
    except Exception as err:  # reported in the assertion rather than lost in the thread
        outcomes[key] = f"error: {err!r}"
    finally:
        connections.close_all()


ROUNDS = 40


def test_two_sessions_saving_overlapping_rows_in_opposite_orders_never_deadlock(editor):
    """Each round, two sessions correct the same two values from the same versions, one in
    the order A, B and the other B, A (a spreadsheet's row order is the file's). Exactly one
    saves both; the other is told of the conflict; no round raises or deadlocks."""
    a, b = Kpi.objects.get(code="2-1"), Kpi.objects.get(code="2-2")
    services.values_save(
        user=editor,
        fiscal_year=2024,
        rows=[
            services.ValueInput(kpi=a, value=Decimal(100), status="preliminary"),
            services.ValueInput(kpi=b, value=Decimal(100), status="preliminary"),
        ],
    )
    for r in range(ROUNDS):
        versions = dict(
            KpiValue.objects.filter(kpi__in=(a, b), fiscal_year=2024).values_list(
                "kpi_id", "version"
            )
        )

        def rows(kpis, value, versions=versions):
            return [
                services.ValueInput(
                    kpi=k, value=Decimal(value), status="preliminary", version=versions[k.id]
                )
                for k in kpis
            ]

        barrier = threading.Barrier(2)
        outcomes = {}
        first, second = 1000 + 2 * r, 1001 + 2 * r
        threads = [
            threading.Thread(
                target=_save_in_thread,
                args=(barrier, editor, rows((a, b), first), outcomes, first),
            ),
            threading.Thread(
                target=_save_in_thread,
                args=(barrier, editor, rows((b, a), second), outcomes, second),
            ),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert not any(isinstance(o, str) and o.startswith("error") for o in outcomes.values()), (
            r,
            outcomes,
        )
        winners = [key for key, o in outcomes.items() if o == "saved"]
        assert len(winners) == 1, (r, outcomes)
        loser = next(o for o in outcomes.values() if o != "saved")
        assert all("保存できませんでした" in message for message in loser.values()), loser
        saved = dict(
            KpiValue.objects.filter(kpi__in=(a, b), fiscal_year=2024).values_list("kpi_id", "value")
        )
        assert saved == {a.id: winners[0], b.id: winners[0]}, (r, saved)
        after = dict(
            KpiValue.objects.filter(kpi__in=(a, b), fiscal_year=2024).values_list(
                "kpi_id", "version"
            )
        )
        assert after == {k: v + 1 for k, v in versions.items()}


def test_two_people_posting_the_entry_form_at_once_get_a_save_and_a_conflict(editor, admin):
    """Over HTTP: one saves, the loser sees the conflict page (409), never a 500.

    One person fills two rows, the other only the second: with new rows (each plan year once)
    the old code deadlocked here (each insert waited for the other's uncommitted row while the
    other waited for the data-version row); then rounds of corrections from the same version.
    """
    from django.test import Client

    from initiatives.models import Plan
    from tests.kpi.test_entry import PLAN, _form_data

    clients = []
    for user in (editor, admin):
        c = Client()
        c.force_login(user)
        clients.append(c)
    years = Plan.objects.get(slug="hokkaido-smart-docho-3").fiscal_years
    for r, fy in enumerate([*years, *[years[-1]] * 6]):
        url = f"{PLAN}entry/{fy}/"
        forms = [
            _set_codes(_form_data(clients[0], url), {"2-1": str(500 + r), "2-2": f"{r}.1"}),
            _set_codes(_form_data(clients[1], url), {"2-2": f"{r}.2"}),
        ]
        barrier = threading.Barrier(2)
        statuses = {}

        def post(i, url=url, forms=forms, barrier=barrier, statuses=statuses):
            try:
                barrier.wait(timeout=10)
                statuses[i] = clients[i].post(url, forms[i]).status_code
            except Exception as err:
                statuses[i] = repr(err)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=post, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert sorted(statuses.values(), key=str) == [302, 409], (r, fy, statuses)


def _set_codes(data, values):
    """Fill the rows of the given KPI codes in a rendered entry form's data."""
    ids = {str(k.id): k.code for k in Kpi.objects.filter(code__in=values)}
    for key, value in list(data.items()):
        if key.endswith("-kpi_id") and str(value) in ids:
            data[key.replace("kpi_id", "value")] = values[ids[str(value)]]
    return data
