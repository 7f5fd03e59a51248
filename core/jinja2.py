"""The Jinja2 environment, for the few templates rendered many times per page (see
settings.TEMPLATES): the same autoescaping as Django's templates, and dates formatted the
way the rest of the site shows them, in the time zone the template is given (looking the
current one up for each of hundreds of dates costs more than formatting them)."""

from django.template.defaultfilters import pluralize, truncatewords
from django.utils.html import conditional_escape
from jinja2 import Environment

from .links import fixed_url, slug_url
from .weblinks import safe_link_url


def local_datetime(value, zone):
    """22 November 2026, 09:05: Django's "j F Y, H:i" in the time zone ``zone``."""
    value = value.astimezone(zone)
    return f"{value.day} {value:%B %Y, %H:%M}"


def long_date(value):
    """22 November 2026: Django's "j F Y"."""
    return f"{value.day} {value:%B %Y}"


def iso_datetime(value, zone):
    """2026-11-22T09:05:00+0000, for a <time datetime> attribute."""
    return f"{value.astimezone(zone):%Y-%m-%dT%H:%M:%S%z}"


def environment(**options):
    options.pop("autoescape", None)  # Django passes True; say so where a reader sees it
    env = Environment(autoescape=True, **options)
    env.filters.update(
        local_datetime=local_datetime,
        iso_datetime=iso_datetime,
        long_date=long_date,
        safe_link_url=safe_link_url,
    )
    return env


def django_escaping_environment(**options):
    """The same, for pieces of pages Django's engine draws the rest of: every value escaped
    by Django's rules (an apostrophe is ``&#x27;``, where Jinja2 writes ``&#39;``), a
    template's last newline kept, Django's ``truncatewords`` and ``pluralize``, and
    ``slug_url`` and ``fixed_url`` for the addresses of pages (core/links.py)."""
    env = environment(finalize=conditional_escape, keep_trailing_newline=True, **options)
    env.filters.update(truncatewords=truncatewords, pluralize=pluralize)
    env.globals.update(fixed_url=fixed_url, slug_url=slug_url)
    return env
