from django.apps import AppConfig


class CommentsConfig(AppConfig):
    name = "comments"
    verbose_name = "Reader comments"

    def ready(self):
        from core import pagecache

        from . import forms, signals

        signals.connect()
        pagecache.register_per_reader(
            forms.ISSUED_PER_READER, lambda request: forms.signed_timestamp()
        )
