from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = "Films and reviews"

    def ready(self):
        from . import changes

        changes.connect()
