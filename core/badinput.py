"""Refusing, before any view runs, a request the database could not hold.

A null character (\\x00) is never typed by a person, and PostgreSQL can neither store one
in a text column nor compare one with it: a search or a form holding one would fail deep
in a query. Every address, query parameter, form field and uploaded file's name is
checked once, here, and such a request is answered with the site's "bad request" page
saying where the character was.
"""

from django.shortcuts import render
from django.utils.text import Truncator

NUL = "\x00"


def shown(name):
    """A name as the page shows it: the null character written \\0, and not too long."""
    return Truncator(name.replace(NUL, "\\0")).chars(60)


def null_character_problem(request):
    """What holds a null character in this request, in words, or None."""
    if NUL in request.path_info:
        return "The web address holds a null character (\\0), which no address may hold."
    fields = [*request.GET.lists()]
    if request.method == "POST":
        fields += request.POST.lists()
        for upload in request.FILES.values():
            if NUL in (upload.name or ""):
                name = shown(upload.name)
                return f"“{name}” holds a null character (\\0), which no file name may hold."
    for name, values in fields:
        if NUL in name or any(NUL in value for value in values):
            return f"“{shown(name)}” holds a null character (\\0), which no field may hold."
    return None


class RefuseNullCharactersMiddleware:
    """Answer a request holding a null character anywhere with a 400 page saying where."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        problem = null_character_problem(request)
        if problem:
            return render(request, "400.html", {"problem": problem}, status=400)
        return self.get_response(request)
