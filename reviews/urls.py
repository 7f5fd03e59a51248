from django.urls import path, register_converter

from core.pagecache import cached_for_readers

from . import feeds, views


class TagSlugConverter:
    """Tag slugs keep the letters of any language ("café-society"), unlike Django's slug."""

    regex = r"[-\w]+"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(TagSlugConverter, "tag_slug")

app_name = "reviews"


def feed_paths(route, rss_feed, atom_feed, name):
    """A list's RSS and Atom feeds at ``route`` + ``rss/`` and ``atom/``, kept like pages."""
    return [
        path(f"{route}rss/", cached_for_readers(rss_feed()), name=f"{name}_rss"),
        path(f"{route}atom/", cached_for_readers(atom_feed()), name=f"{name}_atom"),
    ]


def review_urls(review_template=views.ReviewDetailView.template_name):
    """The reviews' pages. The site may show the review page with a template of its own
    that extends reviews/review_detail.html and fills its blocks (config/urls.py)."""
    review_page = views.ReviewDetailView.as_view(template_name=review_template)
    return [
        path("", cached_for_readers(views.ReviewListView.as_view()), name="home"),
        path("reviews/<slug:slug>/", cached_for_readers(review_page), name="detail"),
        path("films/", cached_for_readers(views.FilmListView.as_view()), name="films"),
        path("films/<slug:slug>/", cached_for_readers(views.FilmDetailView.as_view()), name="film"),
        path(
            "people/<slug:slug>/",
            cached_for_readers(views.PersonDetailView.as_view()),
            name="person",
        ),
        path("critics/", cached_for_readers(views.CriticListView.as_view()), name="critics"),
        path(
            "critics/<slug:slug>/",
            cached_for_readers(views.CriticDetailView.as_view()),
            name="critic",
        ),
        *feed_paths(
            "critics/<slug:slug>/feed/",
            feeds.CriticReviewsFeed,
            feeds.CriticReviewsAtomFeed,
            "critic_feed",
        ),
        path("tags/", cached_for_readers(views.TagListView.as_view()), name="tags"),
        path(
            "tags/<tag_slug:slug>/", cached_for_readers(views.TagDetailView.as_view()), name="tag"
        ),
        path(
            "search/",
            cached_for_readers(views.SearchView.as_view(), views.search_page_address),
            name="search",
        ),
        *feed_paths("feeds/reviews/", feeds.LatestReviewsFeed, feeds.LatestReviewsAtomFeed, "feed"),
        *feed_paths(
            "tags/<tag_slug:slug>/feed/", feeds.TagReviewsFeed, feeds.TagReviewsAtomFeed, "tag_feed"
        ),
        *feed_paths(
            "films/<slug:slug>/feed/", feeds.FilmReviewsFeed, feeds.FilmReviewsAtomFeed, "film_feed"
        ),
    ]


urlpatterns = review_urls()
