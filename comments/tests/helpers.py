"""Plain functions the comment tests share: reading a review page's comments section,
sending and storing comments, and reading the moderators' queue in the admin."""

import itertools
import re
import time
from datetime import timedelta
from html import unescape

from django.core import signing
from django.urls import reverse
from django.utils import timezone

from comments.forms import TIMESTAMP_SALT
from comments.models import Comment, Discussion
from comments.services import update_comment_counts
from tests.page_tree import parse_html

# Reading the comments section.


def parse(response):
    return parse_html(response.content.decode())


def section(response):
    return parse(response).find(id="comments")


def heading(response):
    return section(response).find("h2").text


def threads(response):
    """The shown comments as ``[(author, body, [replies…]), …]``, in page order."""

    def read(ol):
        return [
            (
                li.find(class_="comment__author").text,
                li.find(class_="comment__body").text,
                read(li.child_elements("ol")[0]) if li.child_elements("ol") else [],
            )
            for li in ol.child_elements("li")
        ]

    lists = section(response).child_elements("ol")
    return read(lists[0]) if lists else []


def comment_item(response, comment):
    return parse(response).find("li", id=f"comment-{comment.pk}")


def bodies_shown(response):
    page = section(response)
    return [body.text for body in page.find_all(class_="comment__body")] if page else []


def messages_shown(response):
    box = parse(response).find(class_="messages")
    return box.text if box else ""


def form(response):
    return section(response).find("form")


def field_error(response, name):
    """The error shown in the same paragraph as the field, next to it."""
    control = form(response).find(name=name)
    error = control.parent.find(class_="field-error")
    return error.text if error else ""


def form_errors(response):
    """Every error the form shows, next to a field or above the form."""
    errors = form(response).find_all(class_="field-error")
    errors += form(response).find_all(class_="form-errors")
    return " ".join(error.text for error in errors)


def typed(response, name):
    control = form(response).find(name=name)
    if control.tag == "textarea":
        return control.raw_text.removeprefix("\n")
    if control.attrs.get("type") == "checkbox":
        return "checked" in control.attrs
    return control.attrs.get("value") or ""


# Sending and storing comments.

_sequence = itertools.count(1)


def human_timestamp(seconds_ago=30):
    """A form issued some time ago, as by a person who took time to write."""
    return signing.dumps(time.time() - seconds_ago, salt=TIMESTAMP_SALT)


def comment_data(**fields):
    data = {
        "author_name": "Ruth",
        "author_email": "ruth@example.com",
        "author_url": "",
        "body": "Quietly devastating, and right about the ending.",
        "issued": human_timestamp(),
        "parent": "",
        "nickname": "",
    }
    data.update(fields)
    return data


def post_comment(client, review, *, address="203.0.113.5", follow=False, **fields):
    return client.post(
        reverse("comments:post", args=[review.pk]),
        comment_data(**fields),
        REMOTE_ADDR=address,
        follow=follow,
    )


def add_comment(review, body=None, **fields):
    """A comment stored directly, approved unless told otherwise."""
    n = next(_sequence)
    fields.setdefault("author_name", f"Reader {n}")
    fields.setdefault("author_email", f"reader{n}@example.com")
    fields.setdefault("status", Comment.Status.APPROVED)
    comment = Comment.objects.create(review=review, body=body or f"Comment {n}.", **fields)
    update_comment_counts([review.pk])
    return comment


def stored_count(review):
    """The review's number of approved comments as stored for the listings."""
    return Discussion.objects.get(review=review).approved_count


# The moderators' admin.


QUEUE = reverse("admin:comments_comment_changelist")
INDEX = reverse("admin:index")


def comment_on(review, body="A fine review.", minutes_ago=0, **fields):
    fields.setdefault("author_name", "Reader")
    fields.setdefault("author_email", "reader@example.com")
    fields.setdefault("status", Comment.Status.PENDING)
    fields.setdefault("submitted_at", timezone.now() - timedelta(minutes=minutes_ago))
    return Comment.objects.create(review=review, body=body, **fields)


def rows(response):
    """The queue's rows in order, as the text of their comment column."""
    return [
        unescape(text)
        for text in re.findall(
            r'<th class="field-excerpt"><a [^>]*>(.*?)</a>', response.content.decode()
        )
    ]


def shown_messages(response):
    return [str(message) for message in response.context["messages"]]
