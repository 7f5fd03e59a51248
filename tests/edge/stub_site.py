"""A stand-in application that answers as the edge contract says the site does, so the
VCL can be tested on its own: shared pages with s-maxage and xkey keys, private answers,
an ESI page and its /_personal/ fragment. ``seen`` lists the requests that reached it."""

import time

from django.http import HttpResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt

seen = []


def remember(request):
    """The request's number, counting from 1 since ``seen`` was last emptied."""
    seen.append((request.method, request.get_full_path(), request.headers))
    return len(seen)


def shared(request, name):
    """A page any reader may be given, tagged with the keys in ?keys= (and "all")."""
    number = remember(request)
    response = HttpResponse(f"<p>{name}, rendered {number}</p>")
    keys = f"{request.GET.get('keys', name)} all"
    response["Cache-Control"] = "public, max-age=0, must-revalidate, s-maxage=600"
    response["xkey"] = keys
    response["Surrogate-Key"] = keys
    response["Cache-Tag"] = keys.replace(" ", ",")
    return response


def private(request):
    """A page for one reader, with the Cache-Control in ?cache_control= (private, no-cache)."""
    number = remember(request)
    response = HttpResponse(f"<p>yours, rendered {number}</p>")
    response["Cache-Control"] = request.GET.get("cache_control", "private, no-cache")
    return response


def setting_a_cookie(request):
    """Shareable by its headers but for the cookie it sets."""
    response = shared(request, "cookie")
    response.set_cookie("chosen", "yes")
    return response


def with_include(request, name, label, value, assembled_max_age):
    """A shared page with one per-reader value (``value``) for the edge to put in (ESI), and
    how long the page stays the same once it is put in."""
    response = shared(request, name)
    response.content += f'<p>{label} <esi:include src="/_personal/{value}/"/></p>'.encode()
    response["Surrogate-Control"] = 'content="ESI/1.0"'
    response["Assembled-Max-Age"] = assembled_max_age
    return response


def personal(request, name):
    """A value per reader; "everyone" and "clock" (the time it was made) are made without
    the request, shared for a second."""
    number = remember(request)
    response = HttpResponse(f"{time.time():.3f}" if name == "clock" else f"{name}-{number}")
    response["Cache-Control"] = (
        "public, max-age=0, s-maxage=1" if name in ("everyone", "clock") else "private, no-store"
    )
    return response


@csrf_exempt
def form(request):
    remember(request)
    return HttpResponse(f"received {len(request.body)} bytes")


def shareable_looking(request):
    """Answered as a shared page would be: Varnish must pass these URLs by their path."""
    return shared(request, "by-path")


def include_of(name, label, value, assembled_max_age="1"):
    """with_include's arguments for a page."""
    return {"name": name, "label": label, "value": value, "assembled_max_age": assembled_max_age}


urlpatterns = [
    path("admin/", include(([path("", shareable_looking, name="index")], "admin"))),
    path("healthz", shareable_looking),
    path("shared/<slug:name>/", shared),
    path("private/", private),
    path("cookie/", setting_a_cookie),
    # Pages with a value made for each reader, with one made without the request, and with
    # the time such a one was made.
    path("esi/", with_include, include_of("esi", "Your stamp:", "stamp", assembled_max_age="0")),
    path("esi-shared/", with_include, include_of("esi-shared", "Issued:", "everyone")),
    path("esi-clock/", with_include, include_of("esi-clock", "Made at", "clock")),
    path("_personal/<slug:name>/", personal),
    path("form/", form),
]
