from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path, re_path
from django.views.generic import TemplateView
from django.views.static import serve

from core import views
from reviews.sitemaps import SITEMAPS
from reviews.urls import review_urls

admin.site.site_header = "Film reviews: editors and moderators"
admin.site.site_title = "Film reviews admin"
admin.site.index_title = "Desk"

handler400 = "core.views.bad_request"
handler500 = "core.views.server_error"


def sitemap_seconds():
    return min(settings.PAGE_CACHE_SECONDS, 300)


urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("ping", views.ping, name="ping"),
    # Each reader's own values in pages an edge cache shares (ESI includes).
    path("_personal/<str:name>/", views.personal, name="personal"),
    path("admin/", admin.site.urls),
    # Lists every film and person, and names no keys: kept a short while at the edge.
    path(
        "sitemap.xml",
        views.shared_for(sitemap_seconds)(sitemap),
        {"sitemaps": SITEMAPS},
        name="sitemap",
    ),
    path(
        "robots.txt",
        views.shared_for(lambda: settings.PAGE_CACHE_SECONDS)(
            TemplateView.as_view(
                template_name="robots.txt", content_type="text/plain; charset=utf-8"
            )
        ),
        name="robots",
    ),
    path("", include("comments.urls")),
    # The review page shows the review's comments after it (settings.REVIEW_PAGE_TEMPLATE).
    path("", include((review_urls(review_template=settings.REVIEW_PAGE_TEMPLATE), "reviews"))),
]

# Only a local path can be served here; an absolute MEDIA_URL is served elsewhere.
if settings.SERVE_MEDIA and settings.MEDIA_URL.startswith("/"):
    media_prefix = settings.MEDIA_URL.lstrip("/")
    urlpatterns += [
        re_path(rf"^{media_prefix}(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}),
    ]
