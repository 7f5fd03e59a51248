from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = "Films and reviews"

    def ready(self):
        from . import recommendation_signals, signals

        signals.connect()
        recommendation_signals.connect_signals()
