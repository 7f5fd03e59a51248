"""WordPress HTML, blocks and shortcodes as the site's Markdown."""

from reviews.markdown import render_markdown
from reviews.wordpress.convert import to_markdown


def test_blocks_become_headings_paragraphs_quotes_and_lists():
    content = """<!-- wp:heading --><h2>A World Almost Like Our Own</h2><!-- /wp:heading -->
<!-- wp:paragraph --><p>Some <strong>bold</strong>, <em>leaning</em> and a
<a href="https://www.rogerebert.com/reviews/never-let-me-go-2010">link</a>.</p>
<!-- /wp:paragraph -->
<!-- wp:quote --><blockquote class="wp-block-quote"><p>We didn't have the Gallery</p>
</blockquote><!-- /wp:quote -->
<!-- wp:list --><ul><li>Kathy</li><li>Tommy<ul><li>Ruth</li></ul></li></ul><!-- /wp:list -->
<!-- wp:list {"ordered":true} --><ol><li>First</li><li>Second</li></ol><!-- /wp:list -->"""
    assert to_markdown(content) == (
        "## A World Almost Like Our Own\n\n"
        "Some **bold**, *leaning* and a "
        "[link](https://www.rogerebert.com/reviews/never-let-me-go-2010).\n\n"
        "> We didn't have the Gallery\n\n"
        "- Kathy\n- Tommy\n  - Ruth\n\n"
        "1. First\n2. Second\n"
    )


def test_classic_posts_get_paragraphs_at_blank_lines_as_wordpress_gives_them():
    assert to_markdown("One line\nand the next\n\nA new paragraph") == (
        "One line\\\nand the next\n\nA new paragraph\n"
    )


def test_caption_shortcode_keeps_the_image_and_its_caption():
    content = (
        '[caption id="attachment_5" align="aligncenter" width="300"]'
        '<a href="https://blog.example.com/wp-content/uploads/2011/02/k.jpg">'
        '<img src="https://blog.example.com/wp-content/uploads/2011/02/k-300x200.jpg" '
        'alt="Young Kathy" /></a> Young Kathy at Hailsham[/caption]'
    )
    assert to_markdown(content) == (
        "![Young Kathy](https://blog.example.com/wp-content/uploads/2011/02/k-300x200.jpg)\n\n"
        "*Young Kathy at Hailsham*\n"
    )


def test_gallery_and_embed_shortcodes():
    content = '[gallery ids="8,9"]\n\n[embed]https://www.youtube.com/watch?v=sXiRZhDEo8A[/embed]'

    def gallery_images(attributes):
        assert attributes["ids"] == "8,9"
        return [("/media/a.jpg", "A"), ("/media/b.jpg", "B")]

    assert to_markdown(content, gallery_images=gallery_images) == (
        "![A](/media/a.jpg)![B](/media/b.jpg)\n\n"
        "[https://www.youtube.com/watch?v=sXiRZhDEo8A](https://www.youtube.com/watch?v=sXiRZhDEo8A)\n"
    )


def test_an_unknown_shortcode_stays_as_written():
    assert to_markdown("<p>He said [sic] twice.</p>") == "He said \\[sic\\] twice.\n"


def test_text_that_looks_like_markdown_stays_text():
    assert to_markdown("<p># not a heading</p><p>- not a list *or stars*</p>") == (
        "\\# not a heading\n\n\\- not a list \\*or stars\\*\n"
    )


def test_tables_stay_html_with_only_allowed_markup():
    content = '<table class="x"><tr><td onclick="evil()">1<script>x</script></td></tr></table>'
    assert to_markdown(content) == "<table><tr><td>1</td></tr></table>\n"


def test_script_frames_and_javascript_links_never_reach_the_page():
    content = (
        '<p>Hi<script>alert(1)</script> <a href="javascript:alert(2)">click</a> '
        '&lt;script&gt;alert(3)&lt;/script&gt;</p><iframe src="javascript:alert(4)"></iframe>'
        '<img src="x" onerror="alert(5)"><style>body{}</style>'
    )
    markdown = to_markdown(content, image_src=lambda src: "")
    html, _ = render_markdown(markdown)
    assert "<script" not in html and "javascript:" not in html and "onerror" not in html
    assert html == "<p>Hi click &lt;script&gt;alert(3)&lt;/script&gt;</p>\n"


def test_an_image_the_importer_cannot_show_is_left_out():
    assert to_markdown('<p>Before <img src="/local.jpg" alt="x"> after</p>', lambda src: "") == (
        "Before after\n"
    )
