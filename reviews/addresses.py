"""Old addresses keep working: when a public review's or film's slug changes, the old slug
is kept (``FormerReviewSlug``, ``FormerFilmSlug``) and its page redirects to the new one
(``views.RedirectsFormerSlugs``). Connected by ``ReviewsConfig.ready()``.

Reverting a version (django-reversion) saves raw, without ``Model.save()``: a receiver
hears it all the same.
"""

from django.db.models.signals import pre_save

from .models import Film, FormerFilmSlug, FormerReviewSlug, Review

FORMER_SLUGS = {Review: FormerReviewSlug, Film: FormerFilmSlug}


def public(model):
    """The records of ``model`` readers can see at their address."""
    return model.objects.published() if model is Review else model.objects.all()


def slug_changing(sender, instance, **kwargs):
    if instance.pk is None:
        return
    old_slug = sender.objects.filter(pk=instance.pk).values_list("slug", flat=True).first()
    if old_slug is None or old_slug == instance.slug:
        return
    was_public = public(sender).filter(pk=instance.pk).exists()
    FORMER_SLUGS[sender].note_rename(instance, old_slug, was_public)


def connect():
    for model in FORMER_SLUGS:
        pre_save.connect(slug_changing, sender=model, dispatch_uid=f"addresses.{model.__name__}")
