from django.urls import path, register_converter

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

urlpatterns = [
    path("", views.ReviewListView.as_view(), name="home"),
    path("reviews/<slug:slug>/", views.ReviewDetailView.as_view(), name="detail"),
    path("films/", views.FilmListView.as_view(), name="films"),
    path("films/<slug:slug>/", views.FilmDetailView.as_view(), name="film"),
    path("people/<slug:slug>/", views.PersonDetailView.as_view(), name="person"),
    path("tags/", views.TagListView.as_view(), name="tags"),
    path("tags/<tag_slug:slug>/", views.TagDetailView.as_view(), name="tag"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("feeds/reviews/rss/", feeds.LatestReviewsFeed(), name="feed_rss"),
    path("feeds/reviews/atom/", feeds.LatestReviewsAtomFeed(), name="feed_atom"),
    path("tags/<tag_slug:slug>/feed/rss/", feeds.TagReviewsFeed(), name="tag_feed_rss"),
    path("tags/<tag_slug:slug>/feed/atom/", feeds.TagReviewsAtomFeed(), name="tag_feed_atom"),
    path("films/<slug:slug>/feed/rss/", feeds.FilmReviewsFeed(), name="film_feed_rss"),
    path("films/<slug:slug>/feed/atom/", feeds.FilmReviewsAtomFeed(), name="film_feed_atom"),
]
