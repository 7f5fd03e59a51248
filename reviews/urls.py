from django.urls import path

from . import views

app_name = "reviews"

urlpatterns = [
    path("", views.ReviewListView.as_view(), name="home"),
    path("reviews/<slug:slug>/", views.ReviewDetailView.as_view(), name="detail"),
    path("films/", views.FilmListView.as_view(), name="films"),
    path("films/<slug:slug>/", views.FilmDetailView.as_view(), name="film"),
    path("people/<slug:slug>/", views.PersonDetailView.as_view(), name="person"),
    path("tags/", views.TagListView.as_view(), name="tags"),
    path("tags/<slug:slug>/", views.TagDetailView.as_view(), name="tag"),
    path("search/", views.SearchView.as_view(), name="search"),
]
