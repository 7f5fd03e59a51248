"""Reading a WordPress export: every version, and the files that must be refused."""

import io

import pytest

from reviews.wordpress.parse import WXRError, read_wxr
from tests.wxr import C, P, wxr


def read(data):
    return read_wxr(io.BytesIO(data))


@pytest.mark.parametrize("version", ["1.0", "1.1", "1.2"])
def test_each_version_gives_posts_their_fields_and_comments(version):
    export = read(
        wxr(
            P(
                7,
                "Review: Never Let Me Go (2010)",
                content="<p>Body</p>",
                slug="nlmg",
                excerpt="A dek",
                categories=["Reviews"],
                tags=["Carey Mulligan"],
                comments=[C(3, "Lovely", parent=0), C(4, "Thanks", parent=3, user_id=1)],
            ),
            version=version,
        )
    )
    assert export.version == version
    assert export.source == "http://blog.example.com"
    assert export.authors["melissa"].display_name == "Melissa"
    [post] = export.items
    assert (post.id, post.title, post.slug, post.status, post.post_type) == (
        7,
        "Review: Never Let Me Go (2010)",
        "nlmg",
        "publish",
        "post",
    )
    assert (post.content, post.excerpt, post.creator) == ("<p>Body</p>", "A dek", "melissa")
    assert (post.categories, post.tags) == (["Reviews"], ["Carey Mulligan"])
    assert post.date.isoformat() == "2011-02-01T09:00:00+00:00"
    assert [(c.id, c.parent_id, c.content) for c in post.comments] == [
        (3, 0, "Lovely"),
        (4, 3, "Thanks"),
    ]


def test_a_draft_without_a_date_has_none():
    [post] = read(wxr(P(1, "Draft", status="draft", date="0000-00-00 00:00:00"))).items
    assert post.date is None


def test_malformed_xml_is_refused_with_its_line():
    data = wxr(P(1, "Fine")).replace(b"</item>", b"</itme>")
    with pytest.raises(WXRError, match=r"^Line \d+, column \d+: this is not well-formed XML"):
        read(data)


def test_a_file_that_is_not_wxr_is_refused():
    with pytest.raises(WXRError, match="Line 2: this is not a WordPress export.*<html>"):
        read(b'<?xml version="1.0"?>\n<html><body>Hello</body></html>')


def test_an_rss_feed_that_is_not_an_export_is_refused():
    feed = b'<?xml version="1.0"?><rss version="2.0"><channel><title>News</title></channel></rss>'
    with pytest.raises(WXRError, match="no <wp:wxr_version>"):
        read(feed)


def test_a_later_wxr_version_is_refused_by_name():
    with pytest.raises(WXRError, match="version 2.0"):
        read(wxr(P(1, "x")).replace(b"<wp:wxr_version>1.2", b"<wp:wxr_version>2.0"))


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
<!ENTITY lol "lol">
<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<rss><channel><title>&lol3;</title></channel></rss>
"""

EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
  <!ENTITY secret SYSTEM "file:///etc/passwd">
]>
<rss><channel><title>&secret;</title></channel></rss>
"""


def test_an_xml_bomb_is_refused_before_it_expands():
    with pytest.raises(WXRError, match=r"Line 3: the file declares an entity \(lol\).*XML bomb"):
        read(BOMB)


def test_an_external_entity_is_refused_and_never_read():
    with pytest.raises(WXRError, match=r"Line 3: .*external entity.*file:///etc/passwd"):
        read(EXTERNAL)


def test_the_https_namespaces_of_wordpress_com_exports_are_read():
    # WordPress.com writes its namespaces with https (the Theme Unit Test data does).
    data = wxr(P(1, "Edge Case: Many Tags", tags=["8BIT", "content περιεχόμενο"]))
    data = data.replace(b'"http://wordpress.org/export/', b'"https://wordpress.org/export/')
    export = read(data)
    [post] = export.items
    assert (export.version, post.title, post.tags) == (
        "1.2",
        "Edge Case: Many Tags",
        ["8BIT", "content περιεχόμενο"],
    )
