from django import template

from reviews.desk import editors_desk as desk

register = template.Library()


@register.simple_tag
def editors_desk():
    return desk()
