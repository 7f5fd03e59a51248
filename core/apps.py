from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Site-wide pieces: the page cache, pagination, the visitor's address, health, errors,
    security headers and logs, the task worker and its daily schedule, and the commands that
    load, build, back up and restore the whole site's data."""

    name = "core"
    verbose_name = "Site"
