"""Drafts of published reviews: an editor's changes kept aside while readers, feeds, search
and the edge go on seeing the published text, then published or discarded.

Publishing saves the review with ``save()``, so the change tracker (``reviews.changes``)
refreshes the pages, feeds, search index and edge once it commits.
"""

from django.db import transaction

from .models import DRAFT_FIELDS, DRAFTED_INLINES, Film, ReviewDraft


def draft_of(review):
    """The review's draft, or None; read once per review instance (Django keeps it)."""
    if review is None or review.pk is None:
        return None
    try:
        return review.draft
    except ReviewDraft.DoesNotExist:
        return None


def kept_forms(formset):
    """The forms of a valid formset whose rows saving it would keep."""
    deleted = formset.deleted_forms
    return [
        form
        for form in formset.forms
        if form not in deleted and (form.instance.pk or form.has_changed())
    ]


def inline_values(formset):
    """The rows a valid formset of one of DRAFTED_INLINES holds, as a draft keeps them."""
    _, fields = DRAFTED_INLINES[formset.model]
    return [{name: form.cleaned_data.get(name) for name in fields} for form in kept_forms(formset)]


def values_from_form(cleaned_data):
    """A valid review form's drafted fields, as JSON holds them."""
    values = {name: cleaned_data[name] for name in DRAFT_FIELDS if name in cleaned_data}
    values["film"] = values["film"].pk
    if "critic" in values:
        values["critic"] = values["critic"].pk if values["critic"] else None
    values["rating"] = values["rating"].short if values.get("rating") else ""
    if values.get("review_date"):
        values["review_date"] = values["review_date"].isoformat()
    return values


def save_draft(review, cleaned_data, inlines, user):
    """Keep a valid form's values as the review's draft, the published review unchanged;
    ``inlines`` are the rows of DRAFTED_INLINES by relation name (see ``inline_values``)."""
    draft, _ = ReviewDraft.objects.update_or_create(
        review=review,
        defaults={
            "values": values_from_form(cleaned_data),
            "tags": sorted(cleaned_data.get("tags", [])),
            "mentioned_films": sorted(film.pk for film in cleaned_data.get("mentioned_films", [])),
            **{name: inlines.get(name, []) for name, _ in DRAFTED_INLINES.values()},
            "saved_by": user,
        },
    )
    return draft


@transaction.atomic
def publish_draft(review):
    """Make the review's draft its published text; False without a draft."""
    draft = ReviewDraft.objects.filter(review=review).first()
    if draft is None:
        return False
    draft.apply_to(review)
    review.full_clean(exclude=["hero_image"])
    review.save()
    review.tags.set(draft.tags)
    review.mentioned_films.set(Film.objects.filter(pk__in=draft.mentioned_films))
    for name, rows in draft.inline_objects(review).items():
        getattr(review, name).all().delete()
        for row in rows:
            row.save()
    draft.delete()
    return True


def discard_draft(review):
    """Forget the review's draft; False without one."""
    deleted, _ = ReviewDraft.objects.filter(review=review).delete()
    return bool(deleted)


def differences(review, draft):
    """What the draft changes, field by field: ``[(label, live text, draft text)]``, for the
    fields, the tags and the inlines the draft holds, in the form's order."""
    drafted = draft.apply_to(type(review).objects.get(pk=review.pk))
    changes = []
    for name in DRAFT_FIELDS:
        live, edited = shown_value(review, name), shown_value(drafted, name)
        if live != edited:
            changes.append((review._meta.get_field(field_of(name)).verbose_name, live, edited))
    live_tags = ", ".join(sorted(tag.name for tag in review.tags.all()))
    if live_tags != ", ".join(draft.tags):
        changes.append(("tags", live_tags, ", ".join(draft.tags)))
    drafted_rows = draft.inline_objects(review)
    for model, (name, fields) in DRAFTED_INLINES.items():
        live = rows_as_text(getattr(review, name).all(), fields)
        edited = rows_as_text(drafted_rows[name], fields)
        if live != edited:
            changes.append((model._meta.verbose_name_plural, live, edited))
    return changes


def field_of(name):
    return "rating_value" if name == "rating" else name


def shown_value(review, name):
    value = getattr(review, name)
    if name == "rating":
        return value.short if value else ""
    return "" if value is None else str(value)


def rows_as_text(rows, fields):
    """Inline rows, one a line, in their order, without their positions."""
    shown = [name for name in fields if name != "position"]
    ordered = sorted(rows, key=lambda row: row.position or 0)
    return "\n".join(" — ".join(str(getattr(row, name) or "") for name in shown) for row in ordered)
