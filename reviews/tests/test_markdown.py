from html.parser import HTMLParser

import pytest

from reviews.markdown import render_markdown


class TagCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))


def test_section_headings_become_h2_with_ids_and_a_table_of_contents():
    html, sections = render_markdown(
        "Intro.\n\n## A World Almost Like Our Own\n\nText.\n\n# Hailsham\n"
    )
    assert '<h2 id="a-world-almost-like-our-own">A World Almost Like Our Own</h2>' in html
    assert '<h2 id="hailsham">Hailsham</h2>' in html
    assert sections == [
        {"id": "a-world-almost-like-our-own", "title": "A World Almost Like Our Own"},
        {"id": "hailsham", "title": "Hailsham"},
    ]


def test_repeated_headings_get_distinct_ids():
    _, sections = render_markdown("## Cast\n\n## Cast\n")
    assert [section["id"] for section in sections] == ["cast", "cast-2"]


def test_script_tags_event_handlers_and_javascript_links_render_inert():
    body = (
        "<script>alert('x')</script>\n\n"
        "<p onclick=\"alert('x')\">Click</p>\n\n"
        '<img src="x.png" onerror="alert(1)">\n\n'
        '[a link](javascript:alert(1)) and <a href="javascript:alert(2)">another</a>\n\n'
        "[data](data:text/html;base64,PHNjcmlwdD4=)\n\n"
        '<iframe src="https://evil.example"></iframe><style>body{}</style>'
    )
    html, _ = render_markdown(body)
    parser = TagCollector()
    parser.feed(html)
    assert {"script", "iframe", "style"}.isdisjoint(tag for tag, _ in parser.tags)
    for tag, attributes in parser.tags:
        for name, value in attributes:
            assert not name.startswith("on"), (tag, name)
            assert not (value or "").strip().lower().startswith(("javascript:", "data:")), (
                tag,
                value,
            )
    assert "Click" in html


def test_ordinary_markdown_survives_sanitising():
    html, _ = render_markdown(
        "*Moving* and **sad**, see [Ebert](https://www.rogerebert.com/).\n\n> A quote"
    )
    assert "<em>Moving</em>" in html
    assert "<strong>sad</strong>" in html
    assert '<a href="https://www.rogerebert.com/" rel="noopener">Ebert</a>' in html
    assert "<blockquote>" in html


class TextCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.texts = []

    def handle_data(self, data):
        self.texts.append(data)


def images_and_text(html):
    """The ``src`` of every image in the HTML, and its text as a reader sees it."""
    tags, text = TagCollector(), TextCollector()
    tags.feed(html)
    text.feed(html)
    sources = [dict(attributes).get("src") for tag, attributes in tags.tags if tag == "img"]
    return sources, "".join(text.texts)


ELSEWHERE = [
    "https://tracker.example/pixel.png",
    "http://127.0.0.1:8000.tracker.example/pixel.png",
    "//tracker.example/pixel.png",
    "https:tracker.example/pixel.png",
    "mailto:pixel@tracker.example",
]
# Browsers read a backslash as a slash; in Markdown's own syntax it is percent-encoded.
ELSEWHERE_IN_HTML = ["/\\tracker.example/pixel.png", "\\\\tracker.example/pixel.png"]


def assert_image_shown_as_its_alt(html):
    sources, text = images_and_text(html)
    assert sources == []
    assert text.strip() == "Before The <poster> & all after."
    assert "tracker" not in html and "<a" not in html


@pytest.mark.parametrize("src", ELSEWHERE)
def test_a_markdown_image_from_elsewhere_is_dropped_leaving_its_alt_text(src):
    html, _ = render_markdown(f"Before ![The <poster> & all]({src}) after.")
    assert_image_shown_as_its_alt(html)


@pytest.mark.parametrize("src", ELSEWHERE + ELSEWHERE_IN_HTML)
def test_an_html_image_from_elsewhere_is_dropped_leaving_its_alt_text(src):
    alt = "The &lt;poster&gt; &amp; all"
    html, _ = render_markdown(f'<p>Before <img src="{src}" alt="{alt}"> after.</p>')
    assert_image_shown_as_its_alt(html)


def test_images_from_the_site_itself_and_its_media_host_are_kept(settings):
    settings.SITE_URL = "https://longtake.example"
    settings.MEDIA_ORIGINS = ["https://media.longtake.example"]
    body = (
        "![a](/media/reviews/a.png) ![b](reviews/b.png) "
        "![c](https://longtake.example/media/c.png) ![d](https://media.longtake.example/d.png)"
        " ![e](HTTPS://MEDIA.LONGTAKE.EXAMPLE/e.png)"
    )

    sources, _ = images_and_text(render_markdown(body)[0])

    assert sources == [
        "/media/reviews/a.png",
        "reviews/b.png",
        "https://longtake.example/media/c.png",
        "https://media.longtake.example/d.png",
        "HTTPS://MEDIA.LONGTAKE.EXAMPLE/e.png",
    ]


@pytest.mark.parametrize(
    ("link", "kept"),
    [
        ("https://www.rogerebert.com/", True),
        ("http://example.com/", True),
        ("mailto:editor@example.com", True),
        ("/films/late-spring/", True),
        ("#cast", True),
        ("vbscript:msgbox(1)", False),
        ("ftp://example.com/", False),
        ("file:///etc/passwd", False),
        ("data:text/html,x", False),
    ],
)
def test_links_are_http_https_mailto_or_relative_only(link, kept):
    html, _ = render_markdown(f'[text]({link}) and <a href="{link}">more</a>')
    parser = TagCollector()
    parser.feed(html)
    hrefs = [dict(attributes).get("href") for tag, attributes in parser.tags if tag == "a"]
    assert [href for href in hrefs if href] == ([link, link] if kept else [])
