"""Who is asking: the visitor's address, for the comments' rate limit and the sign-in lockout."""

from django.conf import settings


def client_ip(request):
    """The visitor's address, past the number of proxies the site is told it sits behind."""
    if settings.NUM_PROXIES:
        forwarded = [part.strip() for part in request.headers.get("X-Forwarded-For", "").split(",")]
        if len(forwarded) >= settings.NUM_PROXIES:
            return forwarded[-settings.NUM_PROXIES]
    return request.META.get("REMOTE_ADDR", "")
