"""Fixtures shared by the KPI tests."""

from __future__ import annotations

import pytest

from kpi import progress


@pytest.fixture
def stand_in_progress(monkeypatch):
    """Judge a KPI that the progress rules cannot judge yet as 判定不能 rather than fail.

    The rules for issue 12's shapes (no baseline, range, milestone) land separately in
    kpi/progress.py; until then this lets the exports and pages of those KPIs be tested.
    Once the rules judge them, the real progress is used and this does nothing.
    """
    real = progress.evaluate

    def evaluate(spec, observations, as_of_fy, thresholds=None):
        try:
            return real(spec, observations, as_of_fy, thresholds)
        except (TypeError, ValueError, ZeroDivisionError, KeyError):
            return progress.Progress(
                status=progress.NOT_ASSESSABLE,
                as_of_fy=as_of_fy,
                target=spec.target,
                original_target=spec.target,
                baseline_fy=spec.baseline_fy,
                baseline_value=spec.baseline_value,
            )

    monkeypatch.setattr(progress, "evaluate", evaluate)
