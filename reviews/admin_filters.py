"""The list filters of the films' and reviews' admin pages."""

from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count
from django.utils import timezone
from taggit.models import Tag

from .models import Film, Review


class DecadeFilter(admin.SimpleListFilter):
    title = "decade"
    parameter_name = "decade"

    def lookups(self, request, model_admin):
        years = Film.objects.order_by().values_list("year", flat=True).distinct()
        decades = sorted({year // 10 * 10 for year in years}, reverse=True)
        return [(str(decade), f"{decade}s") for decade in decades]

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            decade = int(self.value())
            return queryset.filter(year__gte=decade, year__lt=decade + 10)
        return queryset


class YearFilter(admin.SimpleListFilter):
    """The years of the chosen decade; hidden until a decade is chosen."""

    title = "year"
    parameter_name = "year"

    def lookups(self, request, model_admin):
        decade = request.GET.get(DecadeFilter.parameter_name, "")
        if not decade.isdigit():
            return []
        decade = int(decade)
        years = (
            Film.objects.filter(year__gte=decade, year__lt=decade + 10)
            .order_by("-year")
            .values_list("year", flat=True)
            .distinct()
        )
        return [(str(year), str(year)) for year in years]

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return queryset.filter(year=int(self.value()))
        return queryset


class ReviewStatusFilter(admin.SimpleListFilter):
    """Status as readers see it: a review scheduled for a time that has come is Published."""

    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return Review.Status.choices

    def queryset(self, request, queryset):
        match self.value():
            case Review.Status.DRAFT:
                return queryset.drafts()
            case Review.Status.SCHEDULED:
                return queryset.scheduled()
            case Review.Status.PUBLISHED:
                return queryset.published()
        return queryset


class ImportedFilter(admin.SimpleListFilter):
    """Reviews brought in from WordPress whose proposed film and rating wait for an editor."""

    title = "imported"
    parameter_name = "imported"

    def lookups(self, request, model_admin):
        return [("to_confirm", "Imported, film to confirm")]

    def queryset(self, request, queryset):
        if self.value() == "to_confirm":
            return queryset.filter(film_to_confirm=True)
        return queryset


class RatingScaleFilter(admin.SimpleListFilter):
    title = "rating scale"
    parameter_name = "out_of"

    def lookups(self, request, model_admin):
        # rating_best is set exactly when the review is rated; filtering on it reads the
        # scales from the review_rating_scale index.
        scales = (
            Review.objects.filter(rating_best__isnull=False)
            .order_by("rating_best")
            .values_list("rating_best", flat=True)
            .distinct()
        )
        return [*((str(best), f"Out of {best}") for best in scales), ("none", "Unrated")]

    def queryset(self, request, queryset):
        if self.value() == "none":
            return queryset.filter(rating_value__isnull=True)
        if self.value() and self.value().isdigit():
            return queryset.filter(rating_best=int(self.value()))
        return queryset


class PublishedYearFilter(admin.SimpleListFilter):
    """The years from the first review's publication to the last, newest first.

    In place of a date hierarchy, whose list of years reads every review's date: these
    come from the first and last dates alone, two lookups in the review_publish_order
    index. A year without reviews is offered too, and lists nothing.
    """

    title = "published in"
    parameter_name = "published"

    def lookups(self, request, model_admin):
        dates = Review.objects.filter(publish_at__isnull=False).order_by("publish_at", "id")
        dates = dates.values_list("publish_at", flat=True)
        first, last = dates.first(), dates.last()
        if first is None:
            return []
        first_year, last_year = timezone.localtime(first).year, timezone.localtime(last).year
        return [(str(year), str(year)) for year in range(last_year, first_year - 1, -1)]

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return queryset.filter(publish_at__year=int(self.value()))
        return queryset


class LatestReviewsFilter(admin.SimpleListFilter):
    """Choices drawn from the latest reviews, not from every review: a list of every
    reviewed film or every tag would run to thousands. A chosen value stays listed."""

    latest = 200
    limit = 20

    def chosen(self, choices, model):
        chosen = self.value()
        if chosen and chosen.isdigit() and chosen not in {pk for pk, _ in choices}:
            found = model.objects.filter(pk=chosen).first()
            if found is not None:
                choices.append((chosen, str(found)))
        return choices

    def latest_reviews(self):
        """The reviews at the top of the list, newest first, from the review_publish_order
        index."""
        return Review.objects.order_by("-publish_at", "-id").values("pk")[: self.latest]


class RecentFilmFilter(LatestReviewsFilter):
    title = "film (recently reviewed)"
    parameter_name = "film"

    def lookups(self, request, model_admin):
        films = {}
        rows = self.latest_reviews().values_list("film_id", "film__title", "film__year")
        for pk, title, year in rows:
            films.setdefault(str(pk), f"{title} ({year})")
        return self.chosen(list(films.items())[: self.limit], Film)

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return queryset.filter(film_id=int(self.value()))
        return queryset


class RecentTagFilter(LatestReviewsFilter):
    title = "tag (used lately)"
    parameter_name = "tag"

    def lookups(self, request, model_admin):
        tags = (
            Tag.objects.filter(
                taggit_taggeditem_items__content_type=ContentType.objects.get_for_model(Review),
                taggit_taggeditem_items__object_id__in=self.latest_reviews(),
            )
            .annotate(uses=Count("taggit_taggeditem_items"))
            .order_by("-uses", "name")[: self.limit]
        )
        return self.chosen([(str(tag.pk), tag.name) for tag in tags], Tag)

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return queryset.filter(tags__id=int(self.value()))
        return queryset
