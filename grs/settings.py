"""GRS settings: one module, read from the environment once.

With nothing set, GRS runs embedded: SQLite in ``var/`` and a Celery broker on kombu's
``filesystem://`` transport, so a laptop with only Python can serve it. Production and CI set
``DATABASE_URL`` and ``CELERY_BROKER_URL`` (PostgreSQL and Redis).
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("GRS_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from exc


def _secret_key() -> str:
    """SECRET_KEY from the environment, else a random key made once and kept in var/.

    A single server needs no set-up and no key is ever committed; several servers behind one
    load balancer must share one key through the environment.
    """
    key = os.environ.get("SECRET_KEY")
    if key and key.startswith("CHANGE-ME"):
        # deploy/grs.env.example's placeholder: a key anyone can read would let them forge sessions.
        raise ImproperlyConfigured("SECRET_KEY is still the example's CHANGE-ME: set a random key of 50+ characters")
    if key:
        return key
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "accounts",
    "offices",
    "charters",
    "grievances",
    "notifications",
    "dashboards",
    "pilot",
    "audit",
    "open311",
    "citizens",
]

MIDDLEWARE = [
    # First, so every log line written while a request is served carries its ID.
    "grs.logging.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "grs.middleware.BanglaFirstLocaleMiddleware",
    # A view that finds the database gone answers 503 in the user's language (see grs/errors.py).
    "grs.middleware.DatabaseUnavailableMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "grs.security.ContentSecurityPolicyMiddleware",
    # Last, so it can turn any sign-in refused for repeated failures into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "grs.urls"
WSGI_APPLICATION = "grs.wsgi.application"

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
                "grievances.context_processors.inbox",
            ],
            "libraries": {"bangla": "grs.templatetags.bangla"},
        },
    },
]

# --- Database ---------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # An unreachable database server fails a request (and /health/) in seconds instead of hanging it.
        DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
            "connect_timeout", env_int("DATABASE_CONNECT_TIMEOUT", 5)
        )
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "grs.sqlite3",
            # The web server and the worker write at once: WAL lets readers go on, IMMEDIATE
            # takes the write lock up front instead of failing half-way with "database is locked".
            "OPTIONS": {
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# --- Language: Bangla first, English second; the choice sticks in a cookie ----------------------
LANGUAGE_CODE = "bn"
LANGUAGES = [("bn", _("Bangla")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = "grs.formats"  # dates day first in both languages
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "Asia/Dhaka"
USE_I18N = True
USE_TZ = True

# --- Static and media ---------------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Hashed, compressed names once `collectstatic` has run (production); plain names before that
# (a first `make run`, the test suite), so a page never fails for want of a manifest.
_MANIFEST = (STATIC_ROOT / "staticfiles.json").exists()
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "grs.storage.StaticFiles"},
}
WHITENOISE_USE_FINDERS = DEBUG or not _MANIFEST
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"
# Attachments and reports stay on local disk unless MEDIA_STORAGE=s3 puts them in an S3-compatible
# bucket (AWS, MinIO, Ceph ...). They are only ever read through the app's own views, which check
# who asks, so the bucket stays private and links are signed.
MEDIA_STORAGE = os.environ.get("MEDIA_STORAGE", "local")
if MEDIA_STORAGE == "s3":
    if not os.environ.get("AWS_STORAGE_BUCKET_NAME"):
        raise ImproperlyConfigured("MEDIA_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME")
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["AWS_STORAGE_BUCKET_NAME"],
            # Empty means AWS itself; MinIO and other S3-compatible stores give their URL.
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
            # Empty keys leave boto3 to find credentials itself (instance role, ~/.aws).
            "access_key": os.environ.get("AWS_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("AWS_SECRET_ACCESS_KEY") or None,
            "location": os.environ.get("AWS_LOCATION", ""),
            "addressing_style": os.environ.get("AWS_S3_ADDRESSING_STYLE") or None,
            "signature_version": "s3v4",
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
elif MEDIA_STORAGE != "local":
    raise ImproperlyConfigured(f"MEDIA_STORAGE must be local or s3, not {MEDIA_STORAGE!r}")

# --- Security -----------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG and env_bool("SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# GRS_HTTPS=true: the site is served only over HTTPS, with TLS ended at a reverse proxy (deploy/nginx)
# that sets X-Forwarded-Proto itself, overwriting whatever a client sent. Plain HTTP is redirected and
# browsers are told to use HTTPS only (HSTS). Off by default: `make run` and the tests speak plain HTTP.
GRS_HTTPS = env_bool("GRS_HTTPS", False)
if GRS_HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    # Probes on the private network ask for /health/ over plain HTTP, straight at the app server.
    SECURE_REDIRECT_EXEMPT = [r"^health/$"]
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
X_FRAME_OPTIONS = "DENY"
# Content Security Policy (grs.security): scripts, styles, fonts and fetches from this site only; no inline
# script or style, no plugin, no framing. Images may also be data: URLs (the icons of the API documentation's
# style sheet). GRS_CSP replaces the whole policy; GRS_CSP_REPORT_ONLY=true reports breaches without blocking.
GRS_CSP = os.environ.get(
    "GRS_CSP",
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; worker-src 'self'; manifest-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'",
)
GRS_CSP_REPORT_ONLY = env_bool("GRS_CSP_REPORT_ONLY", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
RATELIMIT_ENABLE = env_bool("RATELIMIT_ENABLE", True)
# How many reverse proxies stand in front of the app and append to X-Forwarded-For. With 0 the
# header is ignored: a client could write anything in it to dodge rate limits and lockouts.
GRS_PROXY_COUNT = env_int("GRS_PROXY_COUNT", 0)

# --- REST API -----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: a bad token is answered 401 with a WWW-Authenticate challenge.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "grs.api.BoundedPagination",
    "DEFAULT_SCHEMA_CLASS": "grs.api_schema.AutoSchema",
    "EXCEPTION_HANDLER": "grs.errors.api_exception_handler",
    "PAGE_SIZE": 50,
    "NUM_PROXIES": GRS_PROXY_COUNT,
    "DEFAULT_THROTTLE_RATES": {
        "filing": os.environ.get("GRS_RATE_FILING", "30/hour"),
        "tracking": os.environ.get("GRS_RATE_TRACKING", "120/hour"),
        "signin": os.environ.get("GRS_RATE_SIGNIN", "20/hour"),
        # Open311 (docs/open311.md): filings per API key, and reads per client address.
        "open311": os.environ.get("GRS_RATE_OPEN311", "120/hour"),
        "open311_read": os.environ.get("GRS_RATE_OPEN311_READ", "600/hour"),
        "citizen_code": os.environ.get("GRS_RATE_CITIZEN_CODE", "10/hour"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "GRS API",
    "DESCRIPTION": "Grievance Redress System: offices, citizen charters and grievances.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Cache: rate-limit counters and the health probe --------------------------------------------
# Every web process must count against the same limits, so a deployment with more than one gunicorn
# worker sets CACHE_URL to a Redis database of its own (not the broker's). Without it each process keeps
# its own counters in memory, which is enough for `make run`.
CACHE_URL = os.environ.get("CACHE_URL", "")
if CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "grs",
            # A Redis that does not answer costs a request a second at most (rate limits then let it through).
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }

# --- Celery -------------------------------------------------------------------------------------
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://")
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE: dict = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "broker"
    for sub in ("queue", "processed", "control"):
        (_broker_dir / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
        "control_folder": str(_broker_dir / "control"),
    }
else:
    # Longer than any countdown we schedule, so a slow task is never delivered twice.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 6 * 3600}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# The worker heartbeat that /health/ reads lives in grs.health, outside any app.
CELERY_INCLUDE = ["grs.health"]

# --- Notifications ------------------------------------------------------------------------------
SMS_BACKEND = os.environ.get("SMS_BACKEND", "console")
SMS_FILE_PATH = os.environ.get("SMS_FILE_PATH", str(VAR_DIR / "sms.jsonl"))
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
# Shorter than the outbox's claim on a message, so a hung SMTP server cannot cause a second send.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "grs@localhost")

# --- Officials' sign-in: password with lockout, and OpenID Connect single sign-on ---------------
AUTHENTICATION_BACKENDS = [
    # First, so an account locked out for repeated failures is refused before any password check.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Failures are counted per username *and* client address: someone guessing from one machine is
# stopped, while nobody elsewhere can lock a GRO out of their own office by typing their username.
# Guessing from many machines is slowed by the sign-in throttle (GRS_RATE_SIGNIN).
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = env_int("GRS_SIGNIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("GRS_SIGNIN_LOCKOUT_MINUTES", 15))
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "grs.api.client_ip"
AXES_WHITELIST_CALLABLE = "accounts.lockout.not_a_password_attempt"

# Single sign-on through a government identity provider such as Nothi; on when a client ID is set.
# The endpoints are those of the provider's /.well-known/openid-configuration
# (`manage.py oidc_discover <issuer>` prints them as these variables).
OIDC_RP_CLIENT_ID = os.environ.get("OIDC_RP_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = os.environ.get("OIDC_RP_CLIENT_SECRET", "")
OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ.get("OIDC_OP_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = os.environ.get("OIDC_OP_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = os.environ.get("OIDC_OP_USER_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = os.environ.get("OIDC_OP_JWKS_ENDPOINT", "")
OIDC_RP_SIGN_ALGO = os.environ.get("OIDC_RP_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = os.environ.get("OIDC_RP_SCOPES", "openid profile")
# The claim that names an official for good (an employee or Nothi ID); it is matched against each
# official's "single sign-on ID". Nobody is ever created from a sign-on.
OIDC_USER_CLAIM = os.environ.get("OIDC_USER_CLAIM", "sub")
OIDC_PROVIDER_NAME = os.environ.get("OIDC_PROVIDER_NAME", "Nothi")
OIDC_TIMEOUT = env_int("OIDC_TIMEOUT", 10)
OIDC_CREATE_USER = False
OIDC_USE_PKCE = True
OIDC_AUTHENTICATION_CALLBACK_URL = "accounts:sso-callback"
if OIDC_RP_CLIENT_ID:
    AUTHENTICATION_BACKENDS.append("accounts.sso.OfficialSignOnBackend")

# --- GRS rules (defaults; each office's charter may set its own) --------------------------------
GRS_GRO_TIMEFRAME_DAYS = env_int("GRS_GRO_TIMEFRAME_DAYS", 30)
GRS_APPEAL_TIMEFRAME_DAYS = env_int("GRS_APPEAL_TIMEFRAME_DAYS", 20)
# Bangladesh's weekend: Friday and Saturday (Python weekday numbers).
GRS_WEEKEND_DAYS = (4, 5)

# GRS_LOG_FORMAT=json writes one JSON object per line (time, level, logger, message, request or
# task ID, exception) for a log collector; `text` (the default) is for people reading a terminal.
GRS_LOG_FORMAT = os.environ.get("GRS_LOG_FORMAT", "text")
if GRS_LOG_FORMAT not in {"text", "json"}:
    raise ImproperlyConfigured(f"GRS_LOG_FORMAT must be text or json, not {GRS_LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "grs.logging.JsonFormatter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", **({"formatter": "json"} if GRS_LOG_FORMAT == "json" else {})}
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # Pillow logs every EXIF tag it reads at DEBUG: a photo's author and GPS position must never
    # reach a log, whatever LOG_LEVEL says.
    "loggers": {
        "PIL": {"level": "WARNING"},
        # django-axes logs every sign-in at INFO; its failures and lockouts are warnings and get through.
        "axes": {"level": "WARNING"},
    },
}
if GRS_LOG_FORMAT == "json":
    # The worker keeps the handlers configured here instead of putting its own text ones on the root
    # logger; its task logger, which does not propagate, is given the same JSON handler.
    CELERY_WORKER_HIJACK_ROOT_LOGGER = False
    LOGGING["loggers"]["celery.task"] = {"handlers": ["console"], "propagate": False}

# --- Attachments --------------------------------------------------------------------------------
GRS_MAX_ATTACHMENTS = env_int("GRS_MAX_ATTACHMENTS", 5)
GRS_MAX_ATTACHMENT_BYTES = env_int("GRS_MAX_ATTACHMENT_BYTES", 5 * 1024 * 1024)

# --- Notification delivery (outbox) -------------------------------------------------------------
SMS_HTTP_URL = os.environ.get("SMS_HTTP_URL", "")
SMS_HTTP_TOKEN = os.environ.get("SMS_HTTP_TOKEN", "")
SMS_HTTP_TIMEOUT = env_int("SMS_HTTP_TIMEOUT", 10)
# How the gateway wants each message: a JSON object whose values may hold {to} (+8801...),
# {to_digits} (8801...), {to_local} (01...), {body} and {id}; sent as json, form or query (GET).
SMS_HTTP_PAYLOAD = os.environ.get("SMS_HTTP_PAYLOAD", '{"to": "{to}", "body": "{body}", "id": "{id}"}')
SMS_HTTP_FORMAT = os.environ.get("SMS_HTTP_FORMAT", "json")
# For gateways that answer "200 OK" even when they refuse: a regular expression the answer must match.
SMS_HTTP_OK_PATTERN = os.environ.get("SMS_HTTP_OK_PATTERN", "")
NOTIFY_MAX_ATTEMPTS = env_int("NOTIFY_MAX_ATTEMPTS", 6)
NOTIFY_BACKOFF_SECONDS = env_int("NOTIFY_BACKOFF_SECONDS", 60)
NOTIFY_SWEEP_SECONDS = env_int("NOTIFY_SWEEP_SECONDS", 60)
# A message still "sending" this long after its claim belonged to a worker that died: longer than
# any gateway or SMTP call may take, or a slow send would be sent twice.
NOTIFY_SENDING_TIMEOUT_SECONDS = env_int("NOTIFY_SENDING_TIMEOUT_SECONDS", 600)
CELERY_BEAT_SCHEDULE["notifications.sweep"] = {
    "task": "notifications.sweep",
    "schedule": NOTIFY_SWEEP_SECONDS,
    # A sweep that waited in the queue longer than the next one is worthless.
    "options": {"expires": NOTIFY_SWEEP_SECONDS},
}

# --- SLA sweep ----------------------------------------------------------------------------------
# Deadlines are dates, so grievances fall overdue at midnight (Asia/Dhaka): a sweep every 15 minutes
# marks them early in the day; later sweeps find only what a restart or an outage left behind.
GRS_SLA_SWEEP_SECONDS = env_int("GRS_SLA_SWEEP_SECONDS", 900)
CELERY_BEAT_SCHEDULE["grievances.sla_sweep"] = {
    "task": "grievances.sla_sweep",
    "schedule": GRS_SLA_SWEEP_SECONDS,
    # A sweep that waited in the queue longer than the next one is worthless.
    "options": {"expires": GRS_SLA_SWEEP_SECONDS},
}

# --- Complainants' personal data ----------------------------------------------------------------
# A resolved or rejected grievance can be appealed; its complainant's data is exported or erased only
# once GRS_APPEAL_WINDOW_DAYS have passed since the decision (or the grievance is closed or its appeal
# decided). GRS_RETENTION_DAYS after the decision (default five years; 0 keeps identities for ever) a
# daily task erases the complainant's identity, keeping every figure the dashboards count.
GRS_APPEAL_WINDOW_DAYS = env_int("GRS_APPEAL_WINDOW_DAYS", 30)
GRS_RETENTION_DAYS = env_int("GRS_RETENTION_DAYS", 1826)
if GRS_RETENTION_DAYS < 0 or GRS_APPEAL_WINDOW_DAYS < 0:
    raise ImproperlyConfigured("GRS_RETENTION_DAYS and GRS_APPEAL_WINDOW_DAYS must be 0 or more")
CELERY_BEAT_SCHEDULE["grievances.retention_sweep"] = {
    "task": "grievances.retention_sweep",
    "schedule": 24 * 3600,
    "options": {"expires": 24 * 3600},
}

# --- Citizens: sign-in by phone with a one-time SMS code; grievances filed and followed by SMS -----
# A code lives GRS_OTP_TTL_MINUTES, is spent by one right answer and killed by GRS_OTP_MAX_ATTEMPTS wrong
# ones; a phone gets at most GRS_OTP_PER_PHONE_PER_HOUR codes an hour (an address GRS_RATE_CITIZEN_CODE).
GRS_OTP_TTL_MINUTES = env_int("GRS_OTP_TTL_MINUTES", 10)
GRS_OTP_MAX_ATTEMPTS = env_int("GRS_OTP_MAX_ATTEMPTS", 5)
GRS_OTP_PER_PHONE_PER_HOUR = env_int("GRS_OTP_PER_PHONE_PER_HOUR", 3)
GRS_CITIZEN_SESSION_DAYS = env_int("GRS_CITIZEN_SESSION_DAYS", 30)
# The SMS gateway signs what it posts to /api/v1/sms/inbound/ with this secret; empty refuses every post.
GRS_SMS_INBOUND_SECRET = os.environ.get("GRS_SMS_INBOUND_SECRET", "")
if GRS_SMS_INBOUND_SECRET.startswith("CHANGE-ME"):
    # deploy/grs.env.example's placeholder: anyone who read it could file and ask statuses as any phone.
    raise ImproperlyConfigured("GRS_SMS_INBOUND_SECRET is still the example's CHANGE-ME: set a long random secret")
GRS_SMS_INBOUND_MAX_SKEW_SECONDS = env_int("GRS_SMS_INBOUND_MAX_SKEW_SECONDS", 300)
# Which of an upazila's offices takes an SMS that names the upazila: one with a GRO first, then by these
# office-code prefixes in order (UNO-…, the Upazila Nirbahi Officer's office), then the lowest code.
GRS_SMS_UPAZILA_OFFICE_PREFERENCE = env_list("GRS_SMS_UPAZILA_OFFICE_PREFERENCE", "UNO,DSS")
CELERY_BEAT_SCHEDULE["citizens.sweep"] = {
    "task": "citizens.sweep",
    "schedule": 3600,
    "options": {"expires": 3600},
}

# --- Open311 GeoReport v2 at /open311/v2/ (docs/open311.md) -------------------------------------
# The jurisdiction_id clients may send (another is refused), the discovery document's contact, and whether
# anyone may list service requests (their public fields only); with false, they are read one by one by number.
GRS_OPEN311_JURISDICTION = os.environ.get("GRS_OPEN311_JURISDICTION", "grs.gov.bd")
GRS_OPEN311_CONTACT = os.environ.get("GRS_OPEN311_CONTACT", "")
GRS_OPEN311_PUBLIC_REQUESTS = env_bool("GRS_OPEN311_PUBLIC_REQUESTS", True)

# --- Worker heartbeat (read by /health/) --------------------------------------------------------
# Beat queues a heartbeat task this often and a worker records when it ran: /health/ reports the
# workers down when the last one is older than GRS_HEARTBEAT_STALE_SECONDS (which also catches a
# stopped beat, and a queue so far behind that nothing scheduled gets through).
GRS_HEARTBEAT_SECONDS = env_int("GRS_HEARTBEAT_SECONDS", 60)
GRS_HEARTBEAT_STALE_SECONDS = env_int("GRS_HEARTBEAT_STALE_SECONDS", 3 * GRS_HEARTBEAT_SECONDS)
CELERY_BEAT_SCHEDULE["grs.heartbeat"] = {
    "task": "grs.heartbeat",
    "schedule": GRS_HEARTBEAT_SECONDS,
    "options": {"expires": GRS_HEARTBEAT_SECONDS},
}
# Parts whose failure makes /health/ answer 503; the others are still reported.
GRS_HEALTH_REQUIRED = env_list("GRS_HEALTH_REQUIRED", "database,cache,broker,workers")
if unknown := set(GRS_HEALTH_REQUIRED) - {"database", "cache", "broker", "workers"}:
    raise ImproperlyConfigured(f"GRS_HEALTH_REQUIRED names unknown parts: {', '.join(sorted(unknown))}")
