from django.apps import AppConfig


class CommentsConfig(AppConfig):
    name = "comments"
    verbose_name = "Reader comments"

    def ready(self):
        from core import pagecache
        from reviews.models import ReviewQuerySet

        from . import forms, signals

        signals.connect()
        pagecache.register_per_reader(
            forms.ISSUED_PER_READER, lambda request: forms.issued_field(), uses_request=False
        )
        # The review page shows whether comments are open; the listings' cards, how many.
        ReviewQuerySet.show_related("discussion")
