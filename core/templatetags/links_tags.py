from django import template

from core.links import fixed_url

register = template.Library()


@register.simple_tag
def page_url(viewname):
    """The address of a page reversed with no arguments, as ``{% url %}`` gives it, kept
    once found (core/links.py): for the links every page repeats."""
    return fixed_url(viewname)
