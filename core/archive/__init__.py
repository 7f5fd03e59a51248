"""The synthetic archive behind ``manage.py build_archive``: a large one, to see how the site
behaves at scale.

Rows go in with ``bulk_create`` (comments, the largest table, with a leaner insert of
their own, COPY on PostgreSQL), in one transaction, with ids chosen here so that replies
can name their parents before either is written. Bulk inserts send no signals, so nothing
is reindexed, rescored or invalidated row by row; the build rebuilds the search
documents of the new reviews once at the end, and leaves recommendations to
``--recommendations`` (or ``manage.py recompute_recommendations``).

``build.py`` takes the steps in order; ``catalogue.py``, ``reviews.py`` and
``comments.py`` make the rows, from the words in ``text.py``.
"""
