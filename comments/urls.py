from django.urls import path

from . import email_views, views

app_name = "comments"

urlpatterns = [
    path("reviews/<int:review_id>/comments/", views.post_comment, name="post"),
    path("comments/<int:comment_id>/", views.comment, name="comment"),
    path("comments/<int:comment_id>/flag/", views.flag, name="flag"),
    path("comments/unsubscribe/<str:token>/", email_views.unsubscribe, name="unsubscribe"),
    path("comments/confirm/<str:token>/", email_views.confirm, name="confirm"),
]
