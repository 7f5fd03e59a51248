"""The page shown when django-axes refuses a sign-in after too many wrong passwords."""

import math

from axes.helpers import get_client_username, get_cool_off, get_failure_limit
from django.template.response import TemplateResponse
from django.utils import timezone


def lockout_response(request, original_response=None, credentials=None):
    """A 429 in the site's design, saying when signing in may be tried again.

    Every refused try restarts the wait (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT), so
    the wait runs from now.
    """
    cool_off = get_cool_off(request)
    context = {
        "username": get_client_username(request, credentials) or "",
        "failure_limit": get_failure_limit(request, credentials),
        "retry_at": timezone.now() + cool_off if cool_off else None,
        "minutes": math.ceil(cool_off.total_seconds() / 60) if cool_off else None,
    }
    response = TemplateResponse(request, "axes/lockout.html", context, status=429)
    if cool_off:
        response["Retry-After"] = str(math.ceil(cool_off.total_seconds()))
    response["Cache-Control"] = "no-store"
    return response.render()
