"""Whether a POST comes from one of the site's own pages (core/origins.py)."""

import pytest
from django.test import RequestFactory

from core.origins import sent_from_another_site


def request_with(headers, secure=False):
    return RequestFactory().post("/", headers=headers, secure=secure)


@pytest.mark.parametrize(
    ("headers", "secure", "foreign"),
    [
        ({"Origin": "http://testserver"}, False, False),
        ({"Origin": "https://testserver"}, True, False),
        ({"Origin": "http://testserver"}, True, True),  # the same host, another scheme
        ({"Origin": "https://evil.example"}, False, True),
        ({"Origin": "null"}, False, True),
        ({"Referer": "http://testserver/reviews/x/"}, False, False),
        ({"Referer": "http://evil.example/"}, False, True),
        ({"Referer": "not a web address"}, False, True),
        # Origin decides when both are sent.
        ({"Origin": "https://evil.example", "Referer": "http://testserver/"}, False, True),
        ({}, False, False),
    ],
)
def test_a_post_is_foreign_when_its_origin_or_referer_names_another_site(headers, secure, foreign):
    assert sent_from_another_site(request_with(headers, secure)) is foreign


def test_the_trusted_origins_in_the_settings_count_as_the_sites_own(settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://longtake.example", "https://*.films.example"]
    assert not sent_from_another_site(request_with({"Origin": "https://longtake.example"}))
    assert not sent_from_another_site(request_with({"Origin": "https://www.films.example"}))
    assert sent_from_another_site(request_with({"Origin": "https://films.example.evil"}))
    assert sent_from_another_site(request_with({"Origin": "http://www.films.example"}))
