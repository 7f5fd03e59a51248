"""Bringing a WordPress blog's export (WXR) in as reviews, and writing the reviews out as one.

``parse`` reads the file safely, ``convert`` turns post HTML into the site's Markdown,
``films`` proposes each post's film and rating, ``media`` brings the images in, ``posts``
makes the reviews and ``report`` says what was done. The comments app adds the comments,
the export, the admin page and the management commands, since they handle both.
"""
