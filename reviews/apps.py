from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = "Films and reviews"

    def ready(self):
        from django.db.models.signals import pre_save
        from taggit.models import Tag

        from . import addresses, changes, revisions
        from .models import give_tag_a_slug

        changes.connect()
        addresses.connect()
        revisions.register()
        pre_save.connect(give_tag_a_slug, sender=Tag, dispatch_uid="reviews.tag_slug")
