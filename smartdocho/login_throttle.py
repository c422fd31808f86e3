"""Login throttling on two counts: a user name from one address, and one address overall.

django-axes counts failures per parameter set but compares them all with one limit
(AXES_FAILURE_LIMIT). A user name from one address gets a low limit (a person mistyping); one
address across many user names needs its own, higher limit, or an attacker tries five
passwords for each of a thousand names. This handler adds that second count, read from the
same AccessAttempt rows axes keeps (they carry the address), within the same cool-off.
"""

from __future__ import annotations

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.db.models import Sum


def address_failures(request) -> int:
    """Failed logins from the request's address within the cool-off, across all user names."""
    address = getattr(request, "axes_ip_address", None)
    if not address:
        return 0
    attempts = AccessAttempt.objects.filter(ip_address=address)
    if settings.AXES_COOLOFF_TIME is not None:
        attempts = attempts.filter(attempt_time__gte=get_cool_off_threshold(request))
    return attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0


class AxesHandler(AxesDatabaseHandler):
    """AxesDatabaseHandler plus the per-address limit LOGIN_ADDRESS_FAILURE_LIMIT."""

    def _address_locked(self, request) -> bool:
        return address_failures(request) >= settings.LOGIN_ADDRESS_FAILURE_LIMIT

    def is_locked(self, request, credentials=None) -> bool:
        return super().is_locked(request, credentials) or self._address_locked(request)

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        super().user_login_failed(sender, credentials, request=request, **kwargs)
        if request is None or getattr(request, "axes_locked_out", False):
            return
        if self._address_locked(request):
            request.axes_locked_out = True
            request.axes_credentials = credentials
            user_locked_out.send(
                "axes",
                request=request,
                username=get_client_username(request, credentials),
                ip_address=request.axes_ip_address,
            )
