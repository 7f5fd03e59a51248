"""The Jinja2 environment, for the few templates rendered many times per page (see
settings.TEMPLATES): the same autoescaping as Django's templates, and dates formatted the
way the rest of the site shows them."""

from django.utils import timezone
from jinja2 import Environment


def local_datetime(value):
    """ "22 November 2026, 09:05" in the site's time zone, like Django's "j F Y, H:i"."""
    value = timezone.localtime(value)
    return f"{value.day} {value:%B %Y, %H:%M}"


def iso_datetime(value):
    """ "2026-11-22T09:05:00+0000", for a <time datetime> attribute."""
    return f"{timezone.localtime(value):%Y-%m-%dT%H:%M:%S%z}"


def environment(**options):
    options.pop("autoescape", None)  # Django passes True; say so where a reader sees it
    env = Environment(autoescape=True, **options)
    env.filters.update(local_datetime=local_datetime, iso_datetime=iso_datetime)
    return env
