"""A commenter marks their comment as giving the plot away: it is shown folded."""

from comments.models import Comment
from comments.tests.helpers import add_comment, parse, post_comment


def test_a_comment_marked_as_spoilers_is_shown_folded_under_a_label(client, review):
    post_comment(client, review, body="Ruth dies first.", has_spoilers="on")
    comment = Comment.objects.get()
    assert comment.has_spoilers
    comment.status = Comment.Status.APPROVED
    comment.save()

    page = parse(client.get(review.get_absolute_url()))

    (folded,) = page.find(id="comments").find_all("details")
    assert folded.find("summary").text == "Spoiler: this comment gives away the plot"
    assert "Ruth dies first." in folded.text


def test_a_comment_without_spoilers_is_shown_open(client, review):
    add_comment(review, body="Lovely score.")

    section = parse(client.get(review.get_absolute_url())).find(id="comments")

    assert section.find_all("details") == []
    assert "Lovely score." in section.find(class_="comment__body").text


def test_the_form_offers_the_spoiler_box_unticked(client, review):
    form = parse(client.get(review.get_absolute_url())).find(id="comments").find("form")

    box = form.find("input", name="has_spoilers")
    assert box.attrs["type"] == "checkbox" and "checked" not in box.attrs
    assert form.find("label", **{"for": box.attrs["id"]}).text.startswith("My comment gives away")
