from django.urls import path

from . import views

app_name = "comments"

urlpatterns = [
    path("reviews/<int:review_id>/comments/", views.post_comment, name="post"),
    path("comments/<int:comment_id>/", views.comment, name="comment"),
    path("comments/<int:comment_id>/flag/", views.flag, name="flag"),
]
