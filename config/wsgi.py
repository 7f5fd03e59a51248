import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_application = get_wsgi_application()

from core.fastpath import PageCacheHits, PersonalValues  # noqa: E402 (once Django is set up)

# The edge's requests for one reader's values in shared pages, and page-cache hits for
# readers without a session, are answered before Django's middleware (core/fastpath.py);
# everything else is Django's.
application = PersonalValues(PageCacheHits(django_application))
