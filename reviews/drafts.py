"""Drafts of published reviews: an editor's changes kept aside while readers, feeds, search
and the edge go on seeing the published text, then published or discarded.

Publishing saves the review with ``save()``, so the change tracker (``reviews.changes``)
refreshes the pages, feeds, search index and edge once it commits.
"""

from django.db import transaction

from .models import DRAFT_FIELDS, Film, PullQuote, ReviewDraft


def draft_of(review):
    """The review's draft, or None."""
    if review is None or review.pk is None:
        return None
    return ReviewDraft.objects.filter(review=review).select_related("saved_by").first()


def pull_quote_values(formset):
    """The pull quotes a valid formset holds, as a draft keeps them."""
    deleted = formset.deleted_forms
    return [
        {
            "text": form.cleaned_data["text"],
            "attribution": form.cleaned_data.get("attribution", ""),
            "position": form.cleaned_data.get("position") or 0,
        }
        for form in formset.forms
        if form not in deleted and form.cleaned_data.get("text")
    ]


def values_from_form(cleaned_data):
    """A valid review form's drafted fields, as JSON holds them."""
    values = {name: cleaned_data[name] for name in DRAFT_FIELDS if name in cleaned_data}
    values["film"] = values["film"].pk
    values["rating"] = values["rating"].short if values.get("rating") else ""
    if values.get("review_date"):
        values["review_date"] = values["review_date"].isoformat()
    return values


def save_draft(review, cleaned_data, pull_quotes, user):
    """Keep a valid form's values as the review's draft, the published review unchanged."""
    draft, _ = ReviewDraft.objects.update_or_create(
        review=review,
        defaults={
            "values": values_from_form(cleaned_data),
            "tags": sorted(cleaned_data.get("tags", [])),
            "mentioned_films": sorted(film.pk for film in cleaned_data.get("mentioned_films", [])),
            "pull_quotes": pull_quotes,
            "saved_by": user,
        },
    )
    return draft


@transaction.atomic
def publish_draft(review):
    """Make the review's draft its published text; False without a draft."""
    draft = draft_of(review)
    if draft is None:
        return False
    draft.apply_to(review)
    review.full_clean(exclude=["hero_image"])
    review.save()
    review.tags.set(draft.tags)
    review.mentioned_films.set(Film.objects.filter(pk__in=draft.mentioned_films))
    review.pull_quotes.all().delete()
    for quote in draft.pull_quotes:
        PullQuote.objects.create(review=review, **quote)
    draft.delete()
    return True


def discard_draft(review):
    """Forget the review's draft; False without one."""
    deleted, _ = ReviewDraft.objects.filter(review=review).delete()
    return bool(deleted)
