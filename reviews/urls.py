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
        path(
            "critics/<slug:slug>/",
            cached_for_readers(views.CriticDetailView.as_view()),
            name="critic",
        ),
        path(
            "critics/<slug:slug>/feed/rss/",
            cached_for_readers(feeds.CriticReviewsFeed()),
            name="critic_feed_rss",
        ),
        path(
            "critics/<slug:slug>/feed/atom/",
            cached_for_readers(feeds.CriticReviewsAtomFeed()),
            name="critic_feed_atom",
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
        path("feeds/reviews/rss/", cached_for_readers(feeds.LatestReviewsFeed()), name="feed_rss"),
        path(
            "feeds/reviews/atom/",
            cached_for_readers(feeds.LatestReviewsAtomFeed()),
            name="feed_atom",
        ),
        path(
            "tags/<tag_slug:slug>/feed/rss/",
            cached_for_readers(feeds.TagReviewsFeed()),
            name="tag_feed_rss",
        ),
        path(
            "tags/<tag_slug:slug>/feed/atom/",
            cached_for_readers(feeds.TagReviewsAtomFeed()),
            name="tag_feed_atom",
        ),
        path(
            "films/<slug:slug>/feed/rss/",
            cached_for_readers(feeds.FilmReviewsFeed()),
            name="film_feed_rss",
        ),
        path(
            "films/<slug:slug>/feed/atom/",
            cached_for_readers(feeds.FilmReviewsAtomFeed()),
            name="film_feed_atom",
        ),
    ]


urlpatterns = review_urls()
