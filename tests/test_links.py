"""The links every page repeats (the site's navigation, its feeds) are reversed once and
kept (core/links.py), for the script prefix the site is served under."""

import pytest
from django.test import Client
from django.test.utils import override_script_prefix

from tests.page_tree import parse_html

pytestmark = pytest.mark.django_db


def navigation_and_feeds(response):
    page = parse_html(response.content.decode())
    navigation = [link.attrs["href"] for link in page.find("nav", class_="site-nav").find_all("a")]
    feeds = [link.attrs["href"] for link in page.find_all("link", rel="alternate")]
    return navigation, feeds


def test_the_links_follow_the_prefix_the_site_is_served_under():
    at_root = navigation_and_feeds(Client().get("/"))
    with override_script_prefix("/magazine/"):
        under_prefix = navigation_and_feeds(Client().get("/"))
    at_root_again = navigation_and_feeds(Client().get("/"))

    assert at_root == at_root_again
    assert at_root == (
        ["/", "/films/", "/critics/", "/tags/"],
        ["http://testserver/feeds/reviews/rss/", "http://testserver/feeds/reviews/atom/"],
    )
    assert under_prefix == (
        ["/magazine/", "/magazine/films/", "/magazine/critics/", "/magazine/tags/"],
        [
            "http://testserver/magazine/feeds/reviews/rss/",
            "http://testserver/magazine/feeds/reviews/atom/",
        ],
    )
