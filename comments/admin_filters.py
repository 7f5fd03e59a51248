"""The moderation queue's list filter of reviews with comments waiting."""

from django.contrib import admin
from django.db.models import Count, OuterRef, Subquery

from reviews.models import Review

from .models import Comment


class WaitingOnReviewFilter(admin.SimpleListFilter):
    """Reviews with comments waiting, busiest first; listing every review would not scale."""

    title = "review with comments waiting"
    parameter_name = "review"
    limit = 25

    def lookups(self, request, model_admin):
        # Counted on the comments' (status, review) index, and headlines read for the
        # busiest only: joining first would read a headline for every comment waiting.
        pending = Comment.objects.pending().order_by().values("review")
        busiest_ids = pending.annotate(waiting=Count("*")).order_by("-waiting", "review")
        waiting = pending.filter(review=OuterRef("pk")).annotate(waiting=Count("*"))
        busiest = (
            Review.objects.filter(pk__in=busiest_ids.values("review")[: self.limit])
            .annotate(waiting=Subquery(waiting.values("waiting")))
            .values("pk", "headline", "waiting")
            .order_by("-waiting", "headline")
        )
        choices = [(str(r["pk"]), f"{r['headline']} ({r['waiting']})") for r in busiest]
        # Keep the chosen review listed once its queue is empty, so the filter stays visible.
        chosen = self.value()
        if chosen and chosen.isdigit() and chosen not in {pk for pk, _ in choices}:
            headline = Review.objects.filter(pk=chosen).values_list("headline", flat=True).first()
            if headline is not None:
                choices.append((chosen, headline))
        return choices

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return queryset.filter(review_id=int(self.value()))
        return queryset
