"""Settings for the film-review site, read from the environment.

Local use needs no configuration: SQLite in ``var/``, a database-backed cache and
demo-friendly defaults. ``PRODUCTION=1`` switches to a mode that refuses to start on
unsafe defaults and passes ``manage.py check --deploy``.
"""

import json
import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

import dj_database_url
from csp.constants import NONE as CSP_NONE
from csp.constants import SELF as CSP_SELF
from csp.constants import UNSAFE_INLINE as CSP_UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

from config.serve import listening_on

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name, default):
    return int(os.environ.get(name) or default)


PRODUCTION = env_bool("PRODUCTION")
DEBUG = env_bool("DEBUG", default=False)

DEVELOPMENT_SECRET_KEY = "development-only-secret-key-not-for-production-use-0123456789"  # noqa: S105
SECRET_KEY = os.environ.get("SECRET_KEY") or DEVELOPMENT_SECRET_KEY
if PRODUCTION:
    if SECRET_KEY == DEVELOPMENT_SECRET_KEY:
        raise ImproperlyConfigured(
            "PRODUCTION is set: SECRET_KEY must be set to a long random value."
        )
    if DEBUG:
        raise ImproperlyConfigured("PRODUCTION is set: DEBUG must be off.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "localhost,127.0.0.1,[::1]")
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("PRODUCTION is set: ALLOWED_HOSTS must name the site's hosts.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "taggit",
    "csp",
    "axes",
    "django_tasks",
    "django_tasks_db",
    # Versions of reviews and films, and the admin's compare, restore and recover pages.
    "reversion",
    "reversion_compare",
    "core",
    "reviews",
    "comments",
]

MIDDLEWARE = [
    "core.logs.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "core.csp.ContentSecurityPolicyMiddleware",
    # Before anything reads the request: a null character is refused with a 400 page.
    "core.badinput.RefuseNullCharactersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Outside sessions, which add "Vary: Cookie": decides what shared caches may keep.
    "core.pagecache.CacheHeadersMiddleware",
    # Before sessions and CSRF: a write refused during a restore touches nothing.
    "core.maintenance.RefuseWritesWhileRestoringMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: turns a refused sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.site",
            ],
        },
    },
    # Jinja2 renders only what a page repeats many times (a review's comments here, and the
    # listings' pieces below): it is several times faster than Django's engine there.
    # Everything else is Django's.
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {"environment": "core.jinja2.environment"},
    },
    # The pieces every listing repeats (a review's card, a rating, a picture, a byline),
    # drawn inside Django's pages by template tags (reviews_tags), escaped as Django
    # escapes so that the page reads the same: templates/jinja2/.
    {
        "NAME": "pieces",
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates" / "jinja2"],
        "OPTIONS": {"environment": "core.jinja2.django_escaping_environment"},
    },
]

# The review page as the site composes it: the reviews app's page with the comments after
# the review. config/urls.py routes reviews:detail to it; the comments app shows it again
# when a comment needs fixing.
REVIEW_PAGE_TEMPLATE = "pages/review.html"

# Database: DATABASE_URL, or a SQLite file tuned for several web workers.
# A write-ahead log is copied into the database file (a checkpoint) by the task worker every
# few seconds (core/worker.py), not by the request whose commit makes it long: approving
# 1,000 comments writes some 6,000 pages, and copying them took a quarter of a second.
# Without a worker, a commit copies it once it holds SQLITE_CHECKPOINT_PAGES pages (4 KB).
SQLITE_CHECKPOINT_PAGES = env_int("SQLITE_CHECKPOINT_PAGES", 20_000)
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
    f"PRAGMA wal_autocheckpoint={SQLITE_CHECKPOINT_PAGES};",
}
if not os.environ.get("DATABASE_URL"):
    VAR_DIR.mkdir(exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = SQLITE_OPTIONS
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend, reading timestamps faster (core/backends/postgresql/base.py).
    DATABASES["default"]["ENGINE"] = "core.backends.postgresql"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: Redis when REDIS_URL is set; otherwise a table in the database, which every
# server process shares (per-process memory would not).
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "core.resilience.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "filmreviews"),
            # A Redis that hangs costs at most this long, once per cool-off: after a
            # failure the site stops asking for REDIS_COOL_OFF_SECONDS (core/resilience.py).
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
            "COOL_OFF_SECONDS": env_int("REDIS_COOL_OFF_SECONDS", 5),
        }
    }
    # Sessions read from Redis and fall back to the database when Redis is down.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {
        "default": {
            "BACKEND": "core.dbcache.DatabaseCache",
            "LOCATION": "cache_table",
            "OPTIONS": {"MAX_ENTRIES": 50_000},
        }
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Collected static files are needed only in production; locally WhiteNoise finds them in place.
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "staticfiles")) if PRODUCTION else None
# A path when Django or the web server in front serves uploads; an absolute URL
# (https://media.example.com/) when they are served from elsewhere.
MEDIA_URL = os.environ.get("MEDIA_URL", "/media/")
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
# Uploaded media is served by Django itself unless a web server or object storage does it.
SERVE_MEDIA = env_bool("SERVE_MEDIA", default=True)
# Uploaded media in object storage: e.g. MEDIA_STORAGE_BACKEND=storages.backends.s3.S3Storage
# and MEDIA_STORAGE_OPTIONS='{"bucket_name": "reviews-media"}' (pip install django-storages[s3]).
STORAGES = {
    "default": {
        "BACKEND": os.environ.get(
            "MEDIA_STORAGE_BACKEND", "django.core.files.storage.FileSystemStorage"
        ),
        "OPTIONS": json.loads(os.environ.get("MEDIA_STORAGE_OPTIONS") or "{}"),
    },
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION

# Images editors upload: the largest file and the most pixels accepted, and the widths
# of the WebP renditions made for srcset.
IMAGE_MAX_UPLOAD_BYTES = env_int("IMAGE_MAX_UPLOAD_BYTES", 10 * 1024 * 1024)
IMAGE_MAX_PIXELS = env_int("IMAGE_MAX_PIXELS", 40_000_000)
# Wider (or taller) than this many times its other side, an image is refused as a strip.
IMAGE_MAX_ASPECT_RATIO = env_int("IMAGE_MAX_ASPECT_RATIO", 10)
IMAGE_RENDITION_WIDTHS = (480, 960, 1600)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Under `make serve` a request's body is read whole before a thread runs it (config/bridge.py):
# it must arrive within REQUEST_READ_TIMEOUT_SECONDS, plus a second for every
# REQUEST_READ_MIN_BYTES_PER_SECOND bytes received, and be at most an image at its limit
# with a form at its limit, or it is refused (408, 413).
REQUEST_READ_TIMEOUT_SECONDS = env_int("REQUEST_READ_TIMEOUT_SECONDS", 10)
REQUEST_READ_MIN_BYTES_PER_SECOND = env_int("REQUEST_READ_MIN_BYTES_PER_SECOND", 20_000)
REQUEST_MAX_BYTES = IMAGE_MAX_UPLOAD_BYTES + DATA_UPLOAD_MAX_MEMORY_SIZE
# A WordPress export uploaded in the admin: it must fit in a request, as an image does.
# A larger export is imported with manage.py import_wordpress, or a year at a time.
WORDPRESS_MAX_UPLOAD_BYTES = IMAGE_MAX_UPLOAD_BYTES
# A moderator may select a whole "Show all" page of the queue (1,000 comments) for one action.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1100

# Pages for anonymous readers are cached this long at most, and dropped as soon as anything
# they show changes (core/pagecache.py); 0 turns the page cache off.
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 600)
# Blocks of pages kept rendered in the shared cache (a review's comment threads, a film's
# related films) are kept this long; unset, as long as pages. With the page cache off and
# this on, every page is rendered for its reader around the blocks kept.
FRAGMENT_CACHE_SECONDS = (
    env_int("FRAGMENT_CACHE_SECONDS", 0) if os.environ.get("FRAGMENT_CACHE_SECONDS") else None
)
# Search results are kept for a short while only, and dropped when the catalogue changes.
SEARCH_CACHE_SECONDS = env_int("SEARCH_CACHE_SECONDS", 60)
# Each server process also keeps the pages it served lately, up to this many bytes, so that
# a hit reads only the small record of versions from the shared cache.
PAGE_CACHE_LOCAL_BYTES = env_int("PAGE_CACHE_LOCAL_MB", 32) * 1024 * 1024
# ... and the blocks of pages it used lately (a review's article, its comments section).
FRAGMENT_CACHE_LOCAL_BYTES = env_int("FRAGMENT_CACHE_LOCAL_MB", 16) * 1024 * 1024
# The edge caches in front of the site (Varnish: config/varnish/default.vcl), as base URLs,
# comma-separated: after a change they are asked to drop the pages showing it
# (core/edge.py). make serve sets it to its own Varnish; empty means no edge.
EDGE_PURGE_URLS = env_list("EDGE_PURGE_URLS")

SITE_NAME = os.environ.get("SITE_NAME", "Long Take")
# The site's public address, for links in emails. Without SITE_URL, an email sent while
# answering a request links to the address that request came to, and any other to where
# the site listens (HOST and PORT, as `make run` and `make serve` use them).
SITE_URL_FROM_REQUESTS = not os.environ.get("SITE_URL")
SITE_URL = os.environ.get("SITE_URL") or "http://{}:{}".format(*listening_on())
LOGIN_URL = "admin:login"

# Sign-in resists password guessing (django-axes): after AXES_FAILURE_LIMIT wrong passwords
# for one account from one address, that account is refused from that address, even with
# the right password, for AXES_COOLOFF_TIME. Counting the pair rather than the account
# alone means a stranger cannot lock an editor out from elsewhere. Every failure and
# lockout is logged and kept in the admin (Axes: access attempts, failures, logs).
AUTHENTICATION_BACKENDS = [
    # First, so a locked-out sign-in is refused before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True  # a successful sign-in forgets that pair's earlier failures
AXES_ENABLE_ACCESS_FAILURE_LOG = True  # one row per failure, besides the counter
# The page in the site's design (templates/axes/lockout.html) saying when to try again.
AXES_LOCKOUT_CALLABLE = "core.signin.lockout_response"
# The same visitor address as the comments' rate limit, past NUM_PROXIES trusted proxies.
AXES_CLIENT_IP_CALLABLE = "core.visitors.client_ip"
# Logs name the account and address tried (never the password), so someone can act on them.
AXES_SENSITIVE_PARAMETERS = []
AXES_VERBOSE = False
# The sign-in records hold staff's network addresses: the daily job forget_old_sign_in_records
# (TASKS_SCHEDULE) deletes those older than this.
AXES_KEEP_RECORDS_DAYS = env_int("AXES_KEEP_RECORDS_DAYS", 30)

# Security headers, everywhere; the HTTPS-only ones in production.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    CSRF_COOKIE_HTTPONLY = True
    if env_bool("BEHIND_TLS_PROXY"):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")


def url_origin(url):
    """``scheme://host[:port]`` of an absolute URL; None for a path such as ``/media/``."""
    parts = urlsplit(url or "")
    if parts.netloc:
        return f"{parts.scheme or 'https'}://{parts.netloc}"
    return None


# Content Security Policy (django-csp; core/csp.py). The public site runs no inline
# script or style at all; JSON-LD <script type="application/ld+json"> blocks are data, not
# script, and need no allowance. Images may also come from the media host when uploads are
# served from elsewhere (an absolute MEDIA_URL, or object storage's custom domain).
MEDIA_ORIGINS = sorted(
    {
        origin
        for origin in (
            url_origin(MEDIA_URL),
            url_origin("//" + STORAGES["default"]["OPTIONS"].get("custom_domain", "")),
        )
        if origin
    }
)
PUBLIC_CSP_DIRECTIVES = {
    "default-src": [CSP_SELF],
    "script-src": [CSP_SELF],
    "style-src": [CSP_SELF],
    "img-src": [CSP_SELF, "data:", *MEDIA_ORIGINS],
    "font-src": [CSP_SELF],
    "connect-src": [CSP_SELF],
    "object-src": [CSP_NONE],
    "base-uri": [CSP_SELF],
    "form-action": [CSP_SELF],
    "frame-ancestors": [CSP_NONE],
}
CONTENT_SECURITY_POLICY = {"DIRECTIVES": PUBLIC_CSP_DIRECTIVES}
# The admin's pages, under /admin/: the same, except that styles may be inline. Django's
# admin writes <style> blocks (the change list without actions) and our admin adds some
# (the desk's moderation notice, image thumbnails' style attributes). Scripts stay 'self'
# only: Django 5.2's admin has no inline script.
ADMIN_CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {**PUBLIC_CSP_DIRECTIVES, "style-src": [CSP_SELF, CSP_UNSAFE_INLINE]}
}

# Readers' comments. By default every comment waits for a moderator.
COMMENTS_THREAD_DEPTH = env_int("COMMENTS_THREAD_DEPTH", 3)
# A review's comments come in pages of this many threads (a comment with its replies).
COMMENTS_THREADS_PER_PAGE = env_int("COMMENTS_THREADS_PER_PAGE", 50)
# Let someone with an earlier approved comment skip the queue. Off: emails are not verified.
COMMENTS_APPROVE_RETURNING = env_bool("COMMENTS_APPROVE_RETURNING", default=False)
COMMENTS_HOLD_LINKS = env_int("COMMENTS_HOLD_LINKS", 2)  # hold a comment with this many links
COMMENTS_SPAM_WORDS = env_list("COMMENTS_SPAM_WORDS", "viagra,cialis,casino bonus,payday loan")
COMMENTS_CLOSE_AFTER_DAYS = env_int("COMMENTS_CLOSE_AFTER_DAYS", 0)  # 0: never close
COMMENTS_MIN_SECONDS = env_int("COMMENTS_MIN_SECONDS", 3)  # faster than this is held
COMMENTS_MAX_FORM_AGE = env_int("COMMENTS_MAX_FORM_AGE", 2 * 24 * 60 * 60)  # older is refused
COMMENTS_RATE_LIMIT = env_int("COMMENTS_RATE_LIMIT", 5)  # comments per address per window
COMMENTS_RATE_WINDOW = env_int("COMMENTS_RATE_WINDOW", 10 * 60)  # seconds
COMMENTS_MAX_LENGTH = env_int("COMMENTS_MAX_LENGTH", 5000)
# Readers' flags: this many (from different browsers) return a published comment to the
# moderators; hidden from readers meanwhile unless COMMENTS_FLAGGED_STAY_SHOWN.
COMMENTS_FLAGS_TO_REVIEW = env_int("COMMENTS_FLAGS_TO_REVIEW", 3)
COMMENTS_FLAGGED_STAY_SHOWN = env_bool("COMMENTS_FLAGGED_STAY_SHOWN", default=False)
COMMENTS_MODERATOR_EMAILS = env_list("COMMENTS_MODERATOR_EMAILS")
# A first-time commenter's comment waits, unseen by moderators, until they follow the link
# mailed to them (valid this many days; `prune_comments` deletes it afterwards).
COMMENTS_CONFIRM_EMAIL = env_bool("COMMENTS_CONFIRM_EMAIL", default=False)
COMMENTS_CONFIRM_DAYS = env_int("COMMENTS_CONFIRM_DAYS", 3)
# What `manage.py prune_comments` forgets: address hashes and spam older than these.
COMMENTS_KEEP_ADDRESS_DAYS = env_int("COMMENTS_KEEP_ADDRESS_DAYS", 30)
COMMENTS_KEEP_SPAM_DAYS = env_int("COMMENTS_KEEP_SPAM_DAYS", 90)
# How many proxies (load balancer, TLS terminator) stand before the site; their
# X-Forwarded-For entries are trusted to find the visitor's address.
NUM_PROXIES = env_int("NUM_PROXIES", 0)

# Related films. Overrides of reviews.similarity.WEIGHTS, e.g. {"director": 4.0}.
RECOMMENDATION_WEIGHTS = {}
# How many computed recommendations a page shows after the editors' picks.
RELATED_FILMS_SHOWN = 8
# How many computed recommendations are stored per film, ranked.
RECOMMENDATIONS_STORED = 20
# Changes to the catalogue within this many seconds make one refresh of the films they
# touch (reviews.changes), where a worker runs the tasks.
RECOMMENDATIONS_REFRESH_WINDOW_SECONDS = env_int("RECOMMENDATIONS_REFRESH_WINDOW_SECONDS", 5)
# A sweep that has held films this long without finishing is taken to have died: the next
# sweep refreshes them. Well over the longest refresh (seconds at 10,000 films).
RECOMMENDATIONS_CLAIM_SECONDS = 600


def email_url_settings(url):
    """Django's SMTP settings from one address: ``smtp://user:password@host:587?tls=1``
    (STARTTLS), ``smtps://...:465`` (TLS from the start), ``?timeout=N`` in seconds. A user
    name or password with reserved characters is percent-encoded in the address."""
    parts = urlsplit(url)
    if parts.scheme not in {"smtp", "smtps"}:
        raise ImproperlyConfigured(f"EMAIL_URL must start with smtp:// or smtps://, not {url!r}.")
    query = dict(parse_qsl(parts.query))
    implicit_tls = parts.scheme == "smtps" or query.get("ssl") in {"1", "true", "yes"}
    found = {
        "EMAIL_HOST": parts.hostname or "localhost",
        "EMAIL_PORT": parts.port or (465 if implicit_tls else 25),
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_SSL": implicit_tls,
        "EMAIL_USE_TLS": not implicit_tls and query.get("tls") in {"1", "true", "yes"},
    }
    if "timeout" in query:
        found["EMAIL_TIMEOUT"] = float(query["timeout"])
    return found


# Email: printed to the console unless an SMTP server is named, by one EMAIL_URL or by the
# separate variables below (which EMAIL_URL overrides).
EMAIL_HOST = os.environ.get("EMAIL_HOST") or "localhost"
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL")
# Without a timeout, an SMTP server that stops answering would hold a worker for ever.
EMAIL_TIMEOUT = float(os.environ.get("EMAIL_TIMEOUT") or 10)
if os.environ.get("EMAIL_URL"):
    globals().update(email_url_settings(os.environ["EMAIL_URL"]))
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("Set EMAIL_USE_TLS or EMAIL_USE_SSL, not both.")
SMTP_NAMED = bool(os.environ.get("EMAIL_URL") or os.environ.get("EMAIL_HOST"))
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND") or (
    "django.core.mail.backends.smtp.EmailBackend"
    if SMTP_NAMED
    else "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "reviews@localhost")
# Every email goes through the outbox (core/mail.py): tried this many times, the pause
# doubling from 10 s to at most an hour (about 1.4 hours in all), then marked failed.
EMAIL_MOST_ATTEMPTS = env_int("EMAIL_MOST_ATTEMPTS", 10)
# Sent emails, and those given up on, are deleted after this many days (TASKS_SCHEDULE).
EMAIL_KEEP_DAYS = env_int("EMAIL_KEEP_DAYS", 90)
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", DEFAULT_FROM_EMAIL)

TAGGIT_CASE_INSENSITIVE = True

# Local demo accounts, printed by `make run` and named in the README; never created in
# production mode (`manage.py create_demo_accounts`). Each has a person's name, which signs
# what they publish (a staff reply shows it, not the username); a critic's account is tied
# to the seed's critic of that slug, whose name signs their replies.
DEMO_ACCOUNTS = [
    {
        "username": "editor",
        "password": "editor-demo-pass",
        "group": "Editors",
        "name": ("Edith", "Park"),
    },
    {
        "username": "moderator",
        "password": "moderator-demo-pass",
        "group": "Moderators",
        "name": ("Morgan", "Reyes"),
    },
    {
        "username": "critic",
        "password": "critic-demo-pass",
        "group": "Critics",
        "name": ("Melissa", ""),
        "critic": "melissa",
    },
]

LOG_FORMAT = os.environ.get("LOG_FORMAT", "json" if PRODUCTION else "plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "core.logs.JSONFormatter"},
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # Requests are logged once, by core.logs.RequestLogMiddleware.
        "django.server": {"level": "WARNING"},
        "django.request": {"level": "ERROR"},
    },
}

# Work that outlives a request (edge purges, recommendation refreshes) is a task
# (django-tasks). In production mode the queue is a table of the site's database, run by
# `manage.py run_worker` (core/worker.py), which `make serve` starts beside the server;
# elsewhere (`make run`, the tests) each task runs at once, so nothing more needs starting.
# TASKS_BACKEND chooses.
TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND")
        or (
            "django_tasks_db.DatabaseBackend"
            if PRODUCTION
            else "django_tasks.backends.immediate.ImmediateBackend"
        )
    }
}
# A worker writes its heartbeat this often; one silent for WORKER_LOST_AFTER_SECONDS is taken
# for gone, and the tasks it was running are run again by another.
WORKER_HEARTBEAT_SECONDS = env_int("WORKER_HEARTBEAT_SECONDS", 5)
WORKER_LOST_AFTER_SECONDS = env_int("WORKER_LOST_AFTER_SECONDS", 30)
# /healthz answers 503 when a ready task has waited longer than this for a worker, or no
# worker has beaten for as long.
TASKS_UNHEALTHY_AFTER_SECONDS = env_int("TASKS_UNHEALTHY_AFTER_SECONDS", 300)
# Finished tasks are deleted after this many days, failed ones after TASKS_KEEP_FAILED_DAYS.
TASKS_KEEP_FINISHED_DAYS = env_int("TASKS_KEEP_FINISHED_DAYS", 14)
TASKS_KEEP_FAILED_DAYS = env_int("TASKS_KEEP_FAILED_DAYS", 30)
# The daily jobs the workers run (core/schedule.py): each run once per due time across all
# workers and hosts, a run missed while no worker was up as soon as one is. Times in UTC.
TASKS_SCHEDULE = [
    {"name": "prune_comments", "task": "comments.tasks.prune_comments", "at": "03:00"},
    {
        "name": "forget_old_sign_in_records",
        "task": "core.tasks.forget_old_sign_in_records",
        "at": "03:10",
    },
    {"name": "forget_old_revisions", "task": "reviews.tasks.forget_old_revisions", "at": "03:20"},
    {"name": "forget_finished_work", "task": "core.tasks.forget_finished_work", "at": "03:30"},
    # A safety net: emails are sent as they are recorded, and a refused one queues itself
    # again; this sends whatever is due and was left behind (a worker stopped meanwhile).
    {"name": "deliver_due_emails", "task": "core.mail.deliver_due", "every_minutes": 10},
]
