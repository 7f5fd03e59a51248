"""Whether a POST was sent from one of the site's own pages.

The public comment form carries no CSRF token: its pages are the same bytes for every
reader, so a shared cache can hold them (docs in core/pagecache.py). The form's signed time
of issue keeps bots and stale forms out; this check keeps other sites' pages from making a
reader's browser post to this one.
"""

from urllib.parse import urlsplit

from django.conf import settings


def site_origins(request):
    """The site as this request reached it, and the origins the settings trust."""
    return {f"{request.scheme}://{request.get_host()}".lower(), *trusted_origins()}


def trusted_origins():
    return {origin.lower().rstrip("/") for origin in settings.CSRF_TRUSTED_ORIGINS}


def origin_of(url):
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


def is_trusted(origin, allowed):
    if origin in allowed:
        return True
    # Django's wildcard form: "https://*.example.com" trusts every subdomain.
    scheme, _, host = origin.partition("://")
    return any(
        pattern.startswith(f"{scheme}://*.") and host.endswith(pattern[len(scheme) + 4 :])
        for pattern in allowed
    )


def sent_from_another_site(request):
    """Whether the request's ``Origin`` (or, without one, its ``Referer``) names a site
    other than this one.

    A request with neither is let through. Every browser in use sends ``Origin`` on a
    cross-site POST (and most on same-site ones), so a page elsewhere cannot post without
    it; a request with neither comes from a program, which could send any header it likes
    and carries no reader's cookies, or from a browser told to send no referrer. Refusing
    those would refuse readers and stop no attack. ``Origin: null`` (a sandboxed frame, a
    file, a redirect from elsewhere) is present and not the site's: refused.
    """
    sent = request.headers.get("Origin")
    if sent is None:
        referer = request.headers.get("Referer")
        if not referer:
            return False
        sent = origin_of(referer) or "null"
    return not is_trusted(sent.lower().rstrip("/"), site_origins(request))
