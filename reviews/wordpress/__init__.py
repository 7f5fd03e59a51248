"""Bringing a WordPress blog's export (WXR) in as reviews, and writing the reviews out as one.

``parse`` reads the file safely, ``convert`` turns post HTML into the site's Markdown,
``films`` proposes each post's film and rating, ``posts`` makes the reviews. The comments
app adds the comments and the management commands, since it knows both.
"""
