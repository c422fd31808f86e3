"""A deadlock or serialization failure the database reports is retried, then refused: no 500.

The concurrent scenarios themselves run on PostgreSQL (test_concurrency.py); these tests make
the database report the failure, so that the handling is checked on every backend.
"""

from decimal import Decimal

import psycopg2.errors
import pytest
from django.db import OperationalError

from kpi import services
from kpi.models import Kpi, KpiValue
from tests.kpi.test_entry import ENTRY, _form_data

pytestmark = pytest.mark.django_db


def _db_error(cause: Exception) -> OperationalError:
    err = OperationalError(str(cause))
    err.__cause__ = cause
    return err


FAILURES = [
    _db_error(psycopg2.errors.DeadlockDetected("deadlock detected")),
    _db_error(psycopg2.errors.SerializationFailure("could not serialize access")),
    _db_error(psycopg2.errors.LockNotAvailable("could not obtain lock")),
    OperationalError("database is locked"),
]


def _failing(times: int, error: Exception, monkeypatch):
    real = services._values_save_once
    calls = []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) <= times:
            raise error
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "_values_save_once", flaky)
    return calls


@pytest.mark.parametrize("error", FAILURES, ids=["deadlock", "serialization", "lock", "sqlite"])
def test_a_lock_failure_is_retried_and_the_save_goes_through(editor, monkeypatch, error):
    calls = _failing(1, error, monkeypatch)
    kpi = Kpi.objects.get(code="2-1")
    services.values_save(
        user=editor,
        fiscal_year=2024,
        rows=[services.ValueInput(kpi=kpi, value=Decimal(140), status="preliminary")],
    )
    assert len(calls) == 2
    assert KpiValue.objects.get(kpi=kpi, fiscal_year=2024).value == 140


def test_a_lasting_lock_failure_answers_409_with_the_message_and_saves_nothing(
    client, editor, monkeypatch
):
    calls = _failing(99, FAILURES[0], monkeypatch)
    client.force_login(editor)
    data = _form_data(client)
    kpi_id = str(Kpi.objects.get(code="2-1").id)
    index = next(
        k.split("-")[1] for k, v in data.items() if k.endswith("kpi_id") and str(v) == kpi_id
    )
    data[f"v-{index}-value"] = "140"
    response = client.post(ENTRY, data)
    assert response.status_code == 409
    assert services.BUSY in response.content.decode()
    assert len(calls) == services.RETRIES
    assert KpiValue.objects.count() == 0


def test_another_database_error_is_not_taken_for_a_lock_failure(editor, monkeypatch):
    _failing(1, OperationalError("no such table: kpi_kpivalue"), monkeypatch)
    kpi = Kpi.objects.get(code="2-1")
    with pytest.raises(OperationalError):
        services.values_save(
            user=editor,
            fiscal_year=2024,
            rows=[services.ValueInput(kpi=kpi, value=Decimal(140), status="preliminary")],
        )


def test_the_same_kpi_twice_in_one_save_is_refused(editor):
    kpi = Kpi.objects.get(code="2-1")
    with pytest.raises(services.EntryRefused) as refused:
        services.values_save(
            user=editor,
            fiscal_year=2024,
            rows=[
                services.ValueInput(kpi=kpi, value=Decimal(140), status="preliminary"),
                services.ValueInput(kpi=kpi, value=Decimal(150), status="preliminary"),
            ],
        )
    assert refused.value.result.errors == {1: services.DUPLICATE_ROW}
    assert KpiValue.objects.count() == 0


def test_rows_saved_in_any_order_report_their_changes_in_the_given_order(editor):
    a, b = Kpi.objects.get(code="2-2"), Kpi.objects.get(code="2-1")
    result = services.values_save(
        user=editor,
        fiscal_year=2024,
        rows=[
            services.ValueInput(kpi=a, value=Decimal(1), status="preliminary"),
            services.ValueInput(kpi=b, value=Decimal(2), status="preliminary"),
        ],
    )
    assert [line.split()[0] for line in result.changed] == ["2-2", "2-1"]
