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


def with_personal_value(request):
    response = shared(request, "esi")
    response.content += b'<p>Your stamp: <esi:include src="/_personal/stamp/"/></p>'
    response["Surrogate-Control"] = 'content="ESI/1.0"'
    response["Assembled-Max-Age"] = "0"
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


def with_shared_value(request):
    response = shared(request, "esi-shared")
    response.content += b'<p>Issued: <esi:include src="/_personal/everyone/"/></p>'
    response["Surrogate-Control"] = 'content="ESI/1.0"'
    response["Assembled-Max-Age"] = "1"
    return response


def with_clock(request):
    """A page with the time its value was made, shared for a second as the form's is."""
    response = shared(request, "esi-clock")
    response.content += b'<p>Made at <esi:include src="/_personal/clock/"/></p>'
    response["Surrogate-Control"] = 'content="ESI/1.0"'
    response["Assembled-Max-Age"] = "1"
    return response


@csrf_exempt
def form(request):
    remember(request)
    return HttpResponse(f"received {len(request.body)} bytes")


def shareable_looking(request):
    """Answered as a shared page would be: Varnish must pass these URLs by their path."""
    return shared(request, "by-path")


urlpatterns = [
    path("admin/", include(([path("", shareable_looking, name="index")], "admin"))),
    path("healthz", shareable_looking),
    path("shared/<slug:name>/", shared),
    path("private/", private),
    path("cookie/", setting_a_cookie),
    path("esi/", with_personal_value),
    path("esi-shared/", with_shared_value),
    path("esi-clock/", with_clock),
    path("_personal/<slug:name>/", personal),
    path("form/", form),
]
