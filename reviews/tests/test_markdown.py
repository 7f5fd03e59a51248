from html.parser import HTMLParser

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
