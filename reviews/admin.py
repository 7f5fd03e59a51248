"""The films', people's, critics' and reviews' admin pages: what editors list, search and edit."""

from django.contrib import admin, messages
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import ngettext

from core.admin import ReadOnlyAdmin
from core.pagination import CappedPaginator

from . import services
from .admin_filters import (
    DecadeFilter,
    ImportedFilter,
    PublishedYearFilter,
    RatingScaleFilter,
    RecentFilmFilter,
    RecentTagFilter,
    ReviewStatusFilter,
    YearFilter,
)
from .admin_preview import ReviewPreviewMixin
from .admin_revisions import VersionedAdmin
from .forms import CriticAdminForm, FilmAdminForm, RelatedFilmInlineForm, ReviewAdminForm
from .models import (
    Credit,
    Critic,
    CriticLink,
    Film,
    FurtherReading,
    Person,
    PullQuote,
    RelatedFilm,
    Review,
    WaitingRefresh,
)


def thumbnail(field_file, renditions, alt=""):
    """A small ``<img>`` of the smallest rendition, or of the original; None without an image."""
    if not field_file:
        return None
    url = default_storage.url(renditions[0]["name"]) if renditions else field_file.url
    return format_html(
        '<img src="{}" alt="{}" height="48" style="max-width:80px;object-fit:cover">', url, alt
    )


class CreditInline(admin.TabularInline):
    model = Credit
    fields = ["person", "role", "character", "position"]
    autocomplete_fields = ["person"]
    ordering = ["position", "id"]
    extra = 0


class OrderedInline(admin.TabularInline):
    """An inline whose rows are moved up and down rather than numbered by hand."""

    classes = ["ordered-inline"]
    ordering = ["position", "id"]
    extra = 0

    class Media:
        js = ["js/ordered_inlines.js"]
        css = {"all": ["css/ordered_inlines.css"]}


class RelatedFilmInline(OrderedInline):
    model = RelatedFilm
    form = RelatedFilmInlineForm
    fk_name = "film"
    fields = ["related", "position"]
    autocomplete_fields = ["related"]
    verbose_name = "related film"
    verbose_name_plural = "related films (recommended after this one, in order)"


@admin.register(Film)
class FilmAdmin(VersionedAdmin):
    form = FilmAdminForm
    list_display = ["poster_thumbnail", "title", "year", "review_count", "rating_summary"]
    list_display_links = ["poster_thumbnail", "title"]
    ordering = ["title", "year"]
    search_fields = ["title", "people__name"]
    list_filter = [DecadeFilter, YearFilter, ("tags", admin.RelatedOnlyFieldListFilter)]
    prepopulated_fields = {"slug": ("title", "year")}
    readonly_fields = ["poster_preview"]
    fieldsets = [
        (None, {"fields": ["title", "year", "slug"]}),
        ("About the film", {"fields": ["synopsis", "based_on", "runtime_minutes", "tags"]}),
        ("Poster", {"fields": ["poster", "poster_preview"]}),
    ]
    inlines = [CreditInline, RelatedFilmInline]
    save_on_top = True

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .with_rating_summary()
            .annotate(review_count=Count("reviews", distinct=True))
        )

    @admin.display(description="Poster")
    def poster_thumbnail(self, film):
        return thumbnail(film.poster, film.poster_renditions)

    @admin.display(description="Current poster")
    def poster_preview(self, film):
        return thumbnail(film.poster, film.poster_renditions, alt=f"Poster of {film}")

    @admin.display(description="Reviews", ordering="review_count")
    def review_count(self, film):
        return film.review_count

    @admin.display(description="Rating (published, 0-100)", ordering="rating_average")
    def rating_summary(self, film):
        if not film.rating_count:
            return None
        reviews = ngettext("%d review", "%d reviews", film.rating_count) % film.rating_count
        return f"{film.rating_average:.0f} from {reviews}"


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["name", "film_count"]
    ordering = ["name"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ("name",)}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(film_count=Count("films", distinct=True))

    @admin.display(description="Films", ordering="film_count")
    def film_count(self, person):
        return person.film_count


class CriticLinkInline(OrderedInline):
    model = CriticLink
    fields = ["title", "url", "position"]
    verbose_name = "link"
    verbose_name_plural = "links (website, newsletter, profiles), in order"


@admin.register(Critic)
class CriticAdmin(admin.ModelAdmin):
    form = CriticAdminForm
    list_display = ["photo_thumbnail", "name", "review_count", "user"]
    list_display_links = ["photo_thumbnail", "name"]
    list_select_related = ["user"]
    ordering = ["name"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ["user"]
    readonly_fields = ["photo_preview"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "bio"]}),
        ("Photo", {"fields": ["photo", "photo_preview"]}),
        (
            "Account",
            {
                "fields": ["user"],
                "description": "The staff account, in the Critics group, with which the "
                "critic replies to comments on their reviews. Only those who may change "
                "accounts choose it.",
            },
        ),
    ]
    inlines = [CriticLinkInline]
    view_on_site = True

    def get_readonly_fields(self, request, obj=None):
        # Tying an account to a critic lets it answer readers as the review's author.
        if request.user.has_perm("auth.change_user"):
            return self.readonly_fields
        return [*self.readonly_fields, "user"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(review_count=Count("reviews"))

    @admin.display(description="Photo")
    def photo_thumbnail(self, critic):
        return thumbnail(critic.photo, critic.photo_renditions, alt=critic.name)

    @admin.display(description="Current photo")
    def photo_preview(self, critic):
        return thumbnail(critic.photo, critic.photo_renditions, alt=critic.name)

    @admin.display(description="Reviews", ordering="review_count")
    def review_count(self, critic):
        return critic.review_count


class PullQuoteInline(OrderedInline):
    model = PullQuote
    fields = ["text", "attribution", "position"]


class FurtherReadingInline(OrderedInline):
    model = FurtherReading
    fields = ["title", "url", "position"]


@admin.register(Review)
class ReviewAdmin(ReviewPreviewMixin, VersionedAdmin):
    form = ReviewAdminForm
    list_display = [
        "hero_thumbnail",
        "headline",
        "film_link",
        "rating_display",
        "status_display",
        "publish_at",
        "byline_display",
    ]
    list_display_links = ["hero_thumbnail", "headline"]
    list_select_related = ["film", "critic"]
    search_fields = ["headline", "film__title", "critic__name", "byline", "body"]
    list_filter = [
        ReviewStatusFilter,
        PublishedYearFilter,
        RatingScaleFilter,
        RecentFilmFilter,
        RecentTagFilter,
        ImportedFilter,
    ]
    # Newest first (Review.Meta.ordering) from the review_publish_order index; counts stop
    # at 10,000 (settings.PAGINATOR_COUNT_CAP) and so do the pages.
    paginator = CappedPaginator
    show_full_result_count = False
    autocomplete_fields = ["film", "critic", "mentioned_films"]
    prepopulated_fields = {"slug": ("headline",)}
    readonly_fields = ["hero_preview", "import_proposal_display"]
    fieldsets = [
        (None, {"fields": ["film", "headline", "slug"]}),
        (
            "Publication",
            {
                "fields": [
                    ("status", "publish_at"),
                    ("critic", "byline"),
                    ("publication_name", "publication_url"),
                    "original_url",
                    "review_date",
                ]
            },
        ),
        ("Text", {"fields": ["dek", "tagline", "body"]}),
        ("Hero image", {"fields": ["hero_image", "hero_preview", "hero_alt", "hero_caption"]}),
        ("Rating", {"fields": ["rating"]}),
        ("Filing", {"fields": ["tags", "mentioned_films"]}),
    ]
    inlines = [PullQuoteInline, FurtherReadingInline]
    actions = ["publish_now", "unpublish"]
    save_on_top = True
    view_on_site = True

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and obj.import_proposal:
            imported = ("Imported", {"fields": ["import_proposal_display", "film_to_confirm"]})
            return [imported, *fieldsets]
        return fieldsets

    @admin.display(description="The import proposed")
    def import_proposal_display(self, review):
        proposal = review.import_proposal or {}
        film = proposal.get("film") or {}
        year = film.get("year") or "year unknown"
        rating = proposal.get("rating") or "no rating found"
        written = proposal.get("rating_written")
        return format_html(
            "Film: {} ({}), {}; {} film. Rating: {}{}.",
            film.get("title", ""),
            year,
            film.get("reason", ""),
            proposal.get("film_is", ""),
            rating,
            f" (written “{written}”)" if written else "",
        )

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "body":
            kwargs["help_text"] = (
                "Markdown: ## for section headings, > for quotations, "
                "[words](https://…) for links. HTML is cleaned out."
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @admin.display(description="Image")
    def hero_thumbnail(self, review):
        return thumbnail(review.hero_image, review.hero_renditions, alt=review.hero_alt)

    @admin.display(description="Current image")
    def hero_preview(self, review):
        return thumbnail(review.hero_image, review.hero_renditions, alt=review.hero_alt)

    @admin.display(description="Film", ordering="film__title")
    def film_link(self, review):
        url = reverse("admin:reviews_film_change", args=[review.film_id])
        return format_html('<a href="{}">{}</a>', url, review.film)

    @admin.display(description="Rating", ordering="rating_normalised")
    def rating_display(self, review):
        return review.rating.short if review.rating else None

    @admin.display(description="Status", ordering="status")
    def status_display(self, review):
        status = review.display_status
        if status == Review.Status.SCHEDULED.label:
            when = date_format(timezone.localtime(review.publish_at), "j M Y, H:i")
            return f"{status} for {when}"
        return status

    @admin.display(description="Byline", ordering="byline")
    def byline_display(self, review):
        return review.byline_name or "unknown"

    @admin.action(description="Publish now", permissions=["change"])
    def publish_now(self, request, queryset):
        changed, unchanged = self._apply(request, queryset, services.publish_now, "Published now.")
        self._report(
            request,
            ngettext("Published %d review.", "Published %d reviews.", changed) % changed,
            ngettext("%d was already published.", "%d were already published.", unchanged)
            % unchanged,
            changed,
            unchanged,
        )

    @admin.action(description="Unpublish (back to draft)", permissions=["change"])
    def unpublish(self, request, queryset):
        changed, unchanged = self._apply(
            request, queryset, services.unpublish, "Unpublished (back to draft)."
        )
        self._report(
            request,
            ngettext("Moved %d review back to draft.", "Moved %d reviews back to draft.", changed)
            % changed,
            ngettext("%d was already a draft.", "%d were already drafts.", unchanged) % unchanged,
            changed,
            unchanged,
        )

    def _apply(self, request, queryset, step, history_message):
        """Apply a publishing step to each review, in one transaction: ``(changed, unchanged)``."""
        changed = unchanged = 0
        with transaction.atomic():
            for review in queryset:
                if step(review):
                    self.log_change(request, review, history_message)
                    changed += 1
                else:
                    unchanged += 1
        return changed, unchanged

    def _report(self, request, done, already, changed, unchanged):
        message = f"{done} {already}" if unchanged else done
        self.message_user(request, message, messages.SUCCESS if changed else messages.WARNING)


@admin.register(WaitingRefresh)
class WaitingRefreshAdmin(ReadOnlyAdmin):
    """The films whose related films wait for the next sweep (reviews.changes), and the
    sweep that holds each one: for superusers to watch, never to edit."""

    list_display = ["film_id", "noted_at", "claimed_by", "claimed_at", "noted_since_claim"]
    list_filter = ["noted_since_claim"]
