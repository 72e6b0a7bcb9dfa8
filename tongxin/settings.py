"""Settings for Tongxin, read from the environment.

Every knob is a TONGXIN_* variable read through a typed helper that fails loudly on a bad
value. With none set, the project runs straight after a clone: SQLite under var/, DEBUG on,
a throwaway secret key. Production sets TONGXIN_SECRET_KEY, TONGXIN_PII_KEY, TONGXIN_DEBUG=false,
TONGXIN_ALLOWED_HOSTS and TONGXIN_DATABASE_URL, and then passes `manage.py check --deploy`.

`tongxin demo` sets TONGXIN_DEMO: DEBUG off (the friendly error pages, not Django's technical
ones), plain http on the loopback addresses, a secret key generated once and kept in
var/secret_key, static files served by WhiteNoise straight from the package.
"""

import base64
import binascii
import hashlib
import os
import warnings
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = Path(os.environ.get("TONGXIN_HOME", Path.cwd()))


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


def envlist(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def envurl(name: str, default: str) -> str:
    """An http(s) address (the loopback fakes of the tests are http), without a query string."""
    value = os.environ.get(name) or default
    if value and (not value.startswith(("http://", "https://")) or "?" in value or " " in value):
        raise ImproperlyConfigured(f"{name} must be an http:// or https:// address without '?', not {value!r}")
    return value


def envkey(name: str, sizes: tuple[int, ...] = (32, 48, 64)) -> bytes | None:
    """A key given in base64 (standard or URL-safe alphabet) of one of `sizes` bytes, or None when unset."""
    value = os.environ.get(name, "").strip()
    if not value:
        return None
    try:
        key = base64.b64decode(value.replace("-", "+").replace("_", "/"), validate=True)
    except (binascii.Error, ValueError):
        raise ImproperlyConfigured(f"{name} must be base64 text (of {sizes[-1]} random bytes)") from None
    if len(key) not in sizes:
        raise ImproperlyConfigured(f"{name} must decode to {' or '.join(map(str, sizes))} bytes, not {len(key)}")
    return key


def envrate(name: str, default: str) -> str:
    """A rate like 10/m, 30/5m or 1000/d (tongxin.core.ratelimit)."""
    import re

    value = os.environ.get(name) or default
    if not re.fullmatch(r"[1-9]\d*/[1-9]?\d*[smhd]", value.replace(" ", "")):
        raise ImproperlyConfigured(f"{name} must be a rate like 10/m, 30/5m or 1000/d, not {value!r}")
    return value


def kept_secret_key(path: Path) -> str:
    """The key in `path`, generated (random, readable by its owner only) the first time: sessions of
    a demo survive its restarts, and no two demos share a key."""
    if not path.exists():
        from django.core.management.utils import get_random_secret_key

        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process wrote it first: use theirs
            pass
        else:
            with os.fdopen(fd, "w") as f:
                f.write(get_random_secret_key())
    key = path.read_text().strip()
    if len(key) < 50:
        raise ImproperlyConfigured(f"{path} holds no usable secret key: delete it to have a new one made")
    return key


DEMO = envbool("TONGXIN_DEMO", False)  # set by `tongxin demo`
DEBUG = envbool("TONGXIN_DEBUG", not DEMO)
LOOPBACK = ["127.0.0.1", "localhost", "[::1]"]
SECRET_KEY = os.environ.get("TONGXIN_SECRET_KEY", "")
if not SECRET_KEY:
    if DEMO:
        SECRET_KEY = kept_secret_key(PROJECT_DIR / "var" / "secret_key")
    elif not DEBUG:
        raise ImproperlyConfigured("TONGXIN_SECRET_KEY must be set when TONGXIN_DEBUG is false")
    else:
        SECRET_KEY = "django-insecure-tongxin-development-only"  # noqa: S105 - dev default only
ALLOWED_HOSTS = envlist("TONGXIN_ALLOWED_HOSTS", LOOPBACK if DEBUG or DEMO else [])
# The AES-SIV key that encrypts ID numbers at rest (core.pii; docs/security.md, "Personal data at
# rest"): 64 random bytes in base64. A demo and a laptop use a fixed, public key; production must
# set its own. TONGXIN_PII_KEY_OLD is read by `tongxin rekey-personal-data` only.
PII_KEY = envkey("TONGXIN_PII_KEY")
PII_KEY_OLD = envkey("TONGXIN_PII_KEY_OLD")
PII_DEMO_KEY = hashlib.sha512(b"tongxin demo and test key for personal data: public, never for production").digest()
if PII_KEY is None or PII_KEY == PII_DEMO_KEY:
    if not DEBUG and not DEMO:
        raise ImproperlyConfigured("TONGXIN_PII_KEY must be set when TONGXIN_DEBUG is false, "
                                   "to a key of its own, not the public demo key (docs/deploy.md)")
    PII_KEY = PII_DEMO_KEY
# Production is served over https; the demo and a laptop over plain http.
HTTPS = not DEBUG and not DEMO

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "tongxin.core",
    "tongxin.accounts",
    "tongxin.regions",
    "tongxin.units",
    "tongxin.reports",
    "tongxin.inspections",
    "tongxin.ledger",
    "tongxin.command",
    "tongxin.mobilization",
    "tongxin.donations",
    "tongxin.portal",
    "tongxin.demo",
    "tongxin.perf",
]

_replica_url = os.environ.get("TONGXIN_REPLICA_DATABASE_URL", "")  # the read replica: see DATABASES

MIDDLEWARE = [
    # Outermost of all: the Content-Security-Policy goes on every response, error pages and the JSON
    # errors of the next one included (a response that set its own, an evidence file's, keeps it).
    "csp.middleware.CSPMiddleware",
    "tongxin.core.errors.ApiErrorsAsJsonMiddleware",  # sees every response, even a middleware's
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # static files, before anything that needs a login
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    *(["tongxin.core.replica.PinAfterWriteMiddleware"] if _replica_url else []),  # read-your-writes
    "tongxin.core.middleware.SafeInputMiddleware",  # NUL in a query string or a web form: 400, not 500
    "tongxin.core.errors.DatabaseUnavailableMiddleware",  # a database outage is a 503, not a 500
    # After the one above: its process_view touches the database only once the user loaded fine.
    "tongxin.accounts.session_middleware.SessionIdleTimeoutMiddleware",  # 30 minutes idle, the 8 h cap
    "tongxin.core.middleware.LoginRequiredMiddleware",  # closed by default: pages opt out
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified() (lazy: no query before it is asked)
    "tongxin.accounts.middleware.PasswordChangeRequiredMiddleware",  # first sign-in, after a reset
    "tongxin.accounts.middleware.TwoFactorRequiredMiddleware",  # a role that must have 2FA sets it up first
    "axes.middleware.AxesMiddleware",  # a locked-out sign-in: accounts.lockout.lockout_response
    "tongxin.core.ratelimit.RateLimitMiddleware",  # 429 for TONGXIN_RATE_LIMITED views over their rate
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "tongxin.core.middleware.RequestContextMiddleware",
    "tongxin.core.middleware.OutOfRangeMiddleware",
]

ROOT_URLCONF = "tongxin.urls"
WSGI_APPLICATION = "tongxin.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tongxin.units.context_processors.navigation",
                "tongxin.core.notify_views.unread_count",
            ],
        },
    },
]

_default_db = f"sqlite:///{PROJECT_DIR / 'var' / 'tongxin.sqlite3'}"
# Persistent connections (issue #13: a new connection per request held a bare view at 128 req/s, 600 s gave
# 768), each checked before a request reuses it, so one the database dropped is replaced, not failed on.
TONGXIN_DB_CONN_MAX_AGE = envint("TONGXIN_DB_CONN_MAX_AGE", 600)
if TONGXIN_DB_CONN_MAX_AGE < 0:
    raise ImproperlyConfigured(f"TONGXIN_DB_CONN_MAX_AGE must be 0 or more seconds, not {TONGXIN_DB_CONN_MAX_AGE}")
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("TONGXIN_DATABASE_URL") or _default_db,
        conn_max_age=TONGXIN_DB_CONN_MAX_AGE, conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the demo server read while a build writes; a busy wait beats "database is locked".
    # IMMEDIATE: a transaction takes the write lock when it begins, so two writers queue for it
    # (within the timeout) instead of one failing when it first writes; the audit chain relies on it.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL;", "transaction_mode": "IMMEDIATE"}
    )
# A PostgreSQL streaming replica (tongxin.core.replica, docs/deploy.md): the overview pages, the report
# list and detail of the API and the public portal read from it; every write, every transaction, a
# request that wrote and a user who wrote within TONGXIN_REPLICA_PIN_SECONDS stay on the primary.
TONGXIN_REPLICA_PIN_SECONDS = envint("TONGXIN_REPLICA_PIN_SECONDS", 5)
if _replica_url:
    DATABASES["replica"] = dj_database_url.parse(
        _replica_url, conn_max_age=DATABASES["default"]["CONN_MAX_AGE"], conn_health_checks=True)
    if {DATABASES["default"]["ENGINE"], DATABASES["replica"]["ENGINE"]} != {"django.db.backends.postgresql"}:
        raise ImproperlyConfigured("TONGXIN_REPLICA_DATABASE_URL needs PostgreSQL for it and for TONGXIN_DATABASE_URL")
    # The test run makes no database of its own there (a hot standby is read-only): it reads the test
    # database through the replica's alias.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["tongxin.core.replica.ReplicaRouter"]
if TONGXIN_REPLICA_PIN_SECONDS < 0:
    raise ImproperlyConfigured(f"TONGXIN_REPLICA_PIN_SECONDS must be 0 or more, not {TONGXIN_REPLICA_PIN_SECONDS}")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The cache (public pages, the lookup throttle, core.publiccache generations). TONGXIN_CACHE_URL
# redis://… uses Redis when the `redis` package is installed (shared by every process); unset, each
# process keeps its own in memory.
_cache_url = os.environ.get("TONGXIN_CACHE_URL", "")
if _cache_url and not _cache_url.startswith(("redis://", "rediss://")):
    raise ImproperlyConfigured(f"TONGXIN_CACHE_URL must be a redis:// address, not {_cache_url!r}")
if _cache_url:
    try:
        import redis  # noqa: F401
    except ImportError as exc:
        raise ImproperlyConfigured("TONGXIN_CACHE_URL needs the redis package (pip install redis)") from exc
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _cache_url}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tongxin"}}

# Background work (tongxin.core.jobs; docs/deploy.md, "Background jobs"): with TONGXIN_CELERY_BROKER_URL jobs go
# to Celery workers (`celery -A tongxin worker`, periodic ones from `celery -A tongxin beat`); unset, each job
# runs inline once the transaction that asked for it commits, and the cron commands do the periodic work.
TONGXIN_CELERY_BROKER_URL = os.environ.get("TONGXIN_CELERY_BROKER_URL", "")
if TONGXIN_CELERY_BROKER_URL and not TONGXIN_CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    raise ImproperlyConfigured(
        f"TONGXIN_CELERY_BROKER_URL must be a redis:// address, not {TONGXIN_CELERY_BROKER_URL!r}")
TONGXIN_CELERY_QUEUE = os.environ.get("TONGXIN_CELERY_QUEUE", "") or "tongxin"
# Exports (tongxin.core.exports): more rows than this are written by a background job, behind a progress
# page; the file is kept TONGXIN_EXPORT_KEEP_HOURS for the one user who asked.
TONGXIN_EXPORT_BACKGROUND_ROWS = envint("TONGXIN_EXPORT_BACKGROUND_ROWS", 5000)
TONGXIN_EXPORT_KEEP_HOURS = envint("TONGXIN_EXPORT_KEEP_HOURS", 24)
if TONGXIN_EXPORT_BACKGROUND_ROWS < 0 or TONGXIN_EXPORT_KEEP_HOURS < 1:
    raise ImproperlyConfigured(
        "TONGXIN_EXPORT_BACKGROUND_ROWS must be 0 or more and TONGXIN_EXPORT_KEEP_HOURS at least 1")

AUTH_USER_MODEL = "accounts.User"
# The password policy (accounts.passwords): the graded scheme (GB/T 22239 level 3) by default, at
# least 8 characters with three of upper, lower, digit and symbol, and a change every 90 days. Off
# (TONGXIN_PASSWORD_COMPOSITION=false): at least 10 characters, not all digits. Always: not like the
# user name, not a common password.
TONGXIN_PASSWORD_COMPOSITION = envbool("TONGXIN_PASSWORD_COMPOSITION", True)
# The demo's accounts share a published password and a demo lives for months: no forced change there.
TONGXIN_PASSWORD_MAX_AGE_DAYS = envint("TONGXIN_PASSWORD_MAX_AGE_DAYS", 0 if DEMO else 90)
if TONGXIN_PASSWORD_MAX_AGE_DAYS < 0:
    raise ImproperlyConfigured("TONGXIN_PASSWORD_MAX_AGE_DAYS must be 0 (off) or a number of days")
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "tongxin.accounts.passwords.CompositionValidator", "OPTIONS": {"min_length": 8, "min_classes": 3}},
    {"NAME": "tongxin.accounts.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
# Sessions (accounts.session_middleware): the absolute cap since sign-in, the idle timeout, and a
# cookie that dies with the browser. API tokens (accounts.tokens) expire after TONGXIN_TOKEN_DAYS.
SESSION_COOKIE_AGE = envint("TONGXIN_SESSION_SECONDS", 8 * 3600)
TONGXIN_SESSION_IDLE_SECONDS = envint("TONGXIN_SESSION_IDLE_SECONDS", 30 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = envbool("TONGXIN_SESSION_AT_BROWSER_CLOSE", True)
TONGXIN_TOKEN_DAYS = envint("TONGXIN_TOKEN_DAYS", 30)
for _name, _value in (("TONGXIN_SESSION_SECONDS", SESSION_COOKIE_AGE),
                      ("TONGXIN_SESSION_IDLE_SECONDS", TONGXIN_SESSION_IDLE_SECONDS),
                      ("TONGXIN_TOKEN_DAYS", TONGXIN_TOKEN_DAYS)):
    if _value < 1:
        raise ImproperlyConfigured(f"{_name} must be at least 1, not {_value}")

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["tongxin.formats"]  # 28,000.00 in Chinese too
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("TONGXIN_STATIC_ROOT", PROJECT_DIR / "var" / "static"))
# WhiteNoise serves STATIC_ROOT after `collectstatic` in production; in DEBUG and in the demo it
# serves straight from the apps' static folders, so the demo needs no collectstatic step.
WHITENOISE_USE_FINDERS = DEBUG or DEMO
if WHITENOISE_USE_FINDERS:  # STATIC_ROOT exists only after collectstatic, and is not needed then
    warnings.filterwarnings("ignore", message="No directory at", module="whitenoise")
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("TONGXIN_MEDIA_ROOT", PROJECT_DIR / "var" / "media"))
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# Audit records are kept at least 180 days (the Cybersecurity Law's six months): `tongxin audit purge`
# never removes younger ones.
TONGXIN_AUDIT_RETENTION_DAYS = envint("TONGXIN_AUDIT_RETENTION_DAYS", 180)
if TONGXIN_AUDIT_RETENTION_DAYS < 180:
    raise ImproperlyConfigured(
        f"TONGXIN_AUDIT_RETENTION_DAYS must be at least 180 (six months), not {TONGXIN_AUDIT_RETENTION_DAYS}"
    )
TONGXIN_IMPORT_MAX_BYTES = envint("TONGXIN_IMPORT_MAX_BYTES", 5 * 1024 * 1024)
TONGXIN_IMPORT_MAX_ROWS = envint("TONGXIN_IMPORT_MAX_ROWS", 20000)
TONGXIN_UPLOAD_MAX_BYTES = envint("TONGXIN_UPLOAD_MAX_BYTES", 10 * 1024 * 1024)
# Rate limits (tongxin.core.ratelimit): a fixed window per client. Sign-in and token per address, above
# the account lockout's five tries so that answers first; filing and uploads per account.
TONGXIN_RATES = {
    "login": envrate("TONGXIN_RATE_LOGIN", "30/m"),
    "token": envrate("TONGXIN_RATE_TOKEN", "30/m"),
    "submit": envrate("TONGXIN_RATE_SUBMIT", "60/m"),
    "lookup": envrate("TONGXIN_RATE_LOOKUP", "20/10m"),  # the public receipt lookup, page and API together
}
TONGXIN_RATE_LIMITED = {  # url name: scope (POST only)
    "accounts:login": "login", "accounts:login-code": "login",  # the code step shares the sign-in rate
    "api-token": "token",
    "reports:file": "submit", "reports:correct": "submit", "reports:batch-upload": "submit",
    "report-list": "submit", "report-correct": "submit",
    "ledger:create": "submit", "ledger-entry-list": "submit", "ledger-entry-fix-on-spot": "submit",
    "attachment-list": "submit",
}
TONGXIN_NOTIFY_BACKENDS = envlist("TONGXIN_NOTIFY_BACKENDS", ["tongxin.core.notify.LoggingBackend"])
# Outside delivery (tongxin.core.outbound, docs/deploy.md): a short timeout and no retries.
TONGXIN_NOTIFY_TIMEOUT = envint("TONGXIN_NOTIFY_TIMEOUT", 5)
if not 1 <= TONGXIN_NOTIFY_TIMEOUT <= 60:
    raise ImproperlyConfigured(f"TONGXIN_NOTIFY_TIMEOUT must be 1 to 60 seconds, not {TONGXIN_NOTIFY_TIMEOUT}")
# The address the public reaches the site at: absolute links in SMS and on printed QR codes.
TONGXIN_PUBLIC_URL = envurl("TONGXIN_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
TONGXIN_SMS_URL = envurl("TONGXIN_SMS_URL", "")
TONGXIN_SMS_TOKEN = os.environ.get("TONGXIN_SMS_TOKEN", "")
TONGXIN_SMS_SIGN = os.environ.get("TONGXIN_SMS_SIGN", "同心")
TONGXIN_WECOM_URL = envurl("TONGXIN_WECOM_URL", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send")
TONGXIN_WECOM_WEBHOOK_KEY = os.environ.get("TONGXIN_WECOM_WEBHOOK_KEY", "")
TONGXIN_DINGTALK_URL = envurl("TONGXIN_DINGTALK_URL", "https://oapi.dingtalk.com/robot/send")
TONGXIN_DINGTALK_TOKEN = os.environ.get("TONGXIN_DINGTALK_TOKEN", "")
TONGXIN_DINGTALK_SECRET = os.environ.get("TONGXIN_DINGTALK_SECRET", "")
TONGXIN_ROBOT_MESSAGES = envlist("TONGXIN_ROBOT_MESSAGES", ["*"])  # message-key patterns the groups get
TONGXIN_ROBOT_LANGUAGE = os.environ.get("TONGXIN_ROBOT_LANGUAGE", "") or LANGUAGE_CODE
if TONGXIN_ROBOT_LANGUAGE not in {code for code, _name in LANGUAGES}:
    raise ImproperlyConfigured(f"TONGXIN_ROBOT_LANGUAGE must be zh-hans or en, not {TONGXIN_ROBOT_LANGUAGE!r}")
for _backend, _needs in {
    "tongxin.core.outbound.SmsBackend": ["TONGXIN_SMS_URL", "TONGXIN_SMS_TOKEN"],
    "tongxin.core.outbound.WeComRobotBackend": ["TONGXIN_WECOM_WEBHOOK_KEY"],
    "tongxin.core.outbound.DingTalkRobotBackend": ["TONGXIN_DINGTALK_TOKEN"],
}.items():
    if _backend in TONGXIN_NOTIFY_BACKENDS and not all(globals()[_need] for _need in _needs):
        raise ImproperlyConfigured(f"{_backend} in TONGXIN_NOTIFY_BACKENDS needs {' and '.join(_needs)}")
# Email (tongxin.core.outbound.EmailBackend sends through Django's email API).
EMAIL_HOST = os.environ.get("TONGXIN_EMAIL_HOST", "localhost")
EMAIL_PORT = envint("TONGXIN_EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("TONGXIN_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("TONGXIN_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = envbool("TONGXIN_EMAIL_STARTTLS", False)
EMAIL_USE_SSL = envbool("TONGXIN_EMAIL_SSL", False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("TONGXIN_EMAIL_STARTTLS and TONGXIN_EMAIL_SSL exclude each other: set one")
EMAIL_TIMEOUT = TONGXIN_NOTIFY_TIMEOUT
DEFAULT_FROM_EMAIL = SERVER_EMAIL = os.environ.get("TONGXIN_EMAIL_FROM", "tongxin@localhost")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so an unauthenticated call gets 401 with a WWW-Authenticate header.
        # DRF's own, refusing locked accounts and (403) one that must change its password first.
        "tongxin.accounts.authentication.TokenAuthentication",
        "tongxin.accounts.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "tongxin.core.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "tongxin.core.api.exception_handler",
    # JSON in: bounded depth, no lone surrogates or NUL characters (core.safe_input); JSON out even
    # when an error message echoes something odd.
    "DEFAULT_PARSER_CLASSES": [
        "tongxin.core.api.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_RENDERER_CLASSES": [
        "tongxin.core.api.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Tongxin API",
    "DESCRIPTION": "同心 — emergency response across the civil-affairs service network.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Request bodies get components of their own (`UploadRequest`): without them a request's file field is
    # described as its response form (a URL, not binary), and read-only fields appear in what is sent.
    "COMPONENT_SPLIT_REQUEST": True,
    # The default enum hook, then the error answers (400/401/403/404/409/429) on every operation.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "tongxin.core.api_schema.document_error_responses",
    ],
    # Choice sets used by several fields get one name each (drf-spectacular warns otherwise).
    "ENUM_NAME_OVERRIDES": {
        "ResponseLevelEnum": "tongxin.command.models.responses.Level",
        "ResponseKindEnum": "tongxin.command.models.responses.ResponseKind",
        "UnitKindEnum": "tongxin.units.models.Kind",
    },
}

# Production hardening; all on when DEBUG is off so `check --deploy` passes.
SECURE_SSL_REDIRECT = envbool("TONGXIN_SSL_REDIRECT", HTTPS)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = envint("TONGXIN_HSTS_SECONDS", 31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# No inline script, style or handler anywhere (docs/security.md): every page's JS and CSS is a static
# file of ours; the API docs load their init script from /api/docs/?script (SpectacularSwaggerSplitView).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
CSRF_FAILURE_VIEW = "tongxin.core.errors.csrf_failure"
CSRF_TRUSTED_ORIGINS = envlist("TONGXIN_CSRF_TRUSTED_ORIGINS", [])
if envbool("TONGXIN_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

if envbool("TONGXIN_FAST_HASHER", False):
    # Tests only: a cheap hasher keeps thousands of logins fast.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("TONGXIN_LOG_LEVEL", "INFO")},
    "loggers": {"django.request": {"level": "ERROR"}, "axes": {"level": "ERROR"}},
}

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out account or address (accounts.lockout)
    "tongxin.accounts.backends.AccountBackend",  # Django's, refusing locked accounts too
    "tongxin.units.backends.RolePermissionBackend",
]

# Sign-in lockout (django-axes, accounts.lockout): TONGXIN_LOGIN_FAILURE_LIMIT wrong passwords lock
# the account for TONGXIN_LOGIN_LOCKOUT_MINUTES, from any address; TONGXIN_LOGIN_IP_FAILURE_LIMIT
# failures from one address (any accounts) throttle that address as long. The right password
# during a lockout fails too; a success resets the count. Attempts live in the database.
TONGXIN_LOGIN_FAILURE_LIMIT = envint("TONGXIN_LOGIN_FAILURE_LIMIT", 5)
TONGXIN_LOGIN_IP_FAILURE_LIMIT = envint("TONGXIN_LOGIN_IP_FAILURE_LIMIT", 20)
TONGXIN_LOGIN_LOCKOUT_MINUTES = envint("TONGXIN_LOGIN_LOCKOUT_MINUTES", 15)
if min(TONGXIN_LOGIN_FAILURE_LIMIT, TONGXIN_LOGIN_IP_FAILURE_LIMIT, TONGXIN_LOGIN_LOCKOUT_MINUTES) < 1:
    raise ImproperlyConfigured("TONGXIN_LOGIN_FAILURE_LIMIT, _IP_FAILURE_LIMIT and _LOCKOUT_MINUTES must be at least 1")
# Two-factor sign-in (django-otp, accounts.twofactor): accounts holding one of these roles must set up
# TOTP before anything else. Production: the system, security and audit administrators and leaders;
# the demo and a laptop (DEBUG): none, so demo logins stay one step.
TONGXIN_2FA_REQUIRED_ROLES = envlist(
    "TONGXIN_2FA_REQUIRED_ROLES", ["system_admin", "security_admin", "auditor", "leader"] if HTTPS else [])
OTP_TOTP_ISSUER = "同心"
AXES_HANDLER = "tongxin.accounts.lockout.LockoutHandler"
AXES_FAILURE_LIMIT = TONGXIN_LOGIN_FAILURE_LIMIT
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # counted apart; the address has its own limit
AXES_COOLOFF_TIME = TONGXIN_LOGIN_LOCKOUT_MINUTES / 60  # hours
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # 15 minutes from the lockout, not from the last try
AXES_DISABLE_ACCESS_LOG = True  # sign-ins are on the audit trail already
AXES_ENABLE_ADMIN = False
AXES_VERBOSE = False
AXES_LOCKOUT_CALLABLE = "tongxin.accounts.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "tongxin.accounts.lockout.client_ip"
