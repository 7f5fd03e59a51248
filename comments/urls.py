from django.urls import path

from . import email_views, views, views_own_data

app_name = "comments"

urlpatterns = [
    path("reviews/<int:review_id>/comments/", views.post_comment, name="post"),
    path("comments/<int:comment_id>/", views.comment, name="comment"),
    path("comments/<int:comment_id>/flag/", views.flag, name="flag"),
    path("comments/unsubscribe/<str:token>/", email_views.unsubscribe, name="unsubscribe"),
    path("comments/confirm/<str:token>/", email_views.confirm, name="confirm"),
    path("comments/yours/", views_own_data.request_link, name="own_data_request"),
    path("comments/yours/list/", views_own_data.listing, name="own_data"),
    path("comments/yours/download/", views_own_data.download, name="own_data_download"),
    path("comments/yours/erase/", views_own_data.erase, name="own_data_erase"),
]
