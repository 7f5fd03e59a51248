"""The review page as readers would see it, from values not saved: what an editor has typed
in the admin's form, or a stored draft of a published review. Nothing here writes."""

from django.template.response import TemplateResponse
from django.utils.cache import patch_cache_control
from taggit.models import Tag

from .markdown import render_markdown
from .models import give_tag_a_slug
from .views import review_page_context

PREVIEW_TEMPLATE = "reviews/review_preview.html"

# The related managers refuse an instance without a primary key even when their objects
# are given; a new review's preview stands in this one, and is never saved.
UNSAVED_PK = 0


def tags_named(names):
    """Tags for these names: the stored ones, and new ones as they would be saved."""
    stored = {tag.name: tag for tag in Tag.objects.filter(name__in=names)}
    tags = []
    for name in names:
        tag = stored.get(name)
        if tag is None:
            tag = Tag(name=name, slug=Tag().slugify(name))
            give_tag_a_slug(Tag, tag)
        tags.append(tag)
    return sorted(tags, key=lambda tag: tag.name)


def with_shown_relations(review, *, tags, pull_quotes, further_reading):
    """``review``, never to be saved, showing these tags, pull quotes and links (lists of
    unsaved objects) in place of the stored ones, its body through the site's sanitiser."""
    review.body_html, review.body_sections = render_markdown(review.body)
    if review.pk is None:
        review.pk = UNSAVED_PK
    # What the page shows of them (Review.article_tags and the others), not the database's.
    review.article_tags = list(tags)
    review.article_pull_quotes = sorted(pull_quotes, key=lambda quote: quote.position)
    review.article_further_reading = sorted(further_reading, key=lambda link: link.position)
    return review


def from_draft(draft):
    """The live review with its draft's values, as readers will see it once published."""
    review = draft.apply_to(draft.review)
    return with_shown_relations(review, tags=tags_named(draft.tags), **draft.inline_objects(review))


def render_preview(request, review, **context):
    """The review page for ``review`` under a preview banner: never cached, never indexed."""
    response = TemplateResponse(
        request, PREVIEW_TEMPLATE, {**review_page_context(review, request), **context}
    )
    patch_cache_control(response, private=True, no_store=True)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
