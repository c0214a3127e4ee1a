"""Settings read from the environment.

Every setting comes from one environment variable with a small typed parser, so a
deployment is described entirely by its environment (twelve-factor) and the embedded
default needs none at all. Production refuses to start without the secrets it needs
rather than running with a guessable default.
"""
from __future__ import annotations

import json
import os
import re
import secrets
from pathlib import Path
from typing import Any, Mapping


class ConfigError(RuntimeError):
    """Raised at start-up when the environment cannot describe a working app."""


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from None


def _str(env: Mapping[str, str], name: str, default: str | None = None) -> str | None:
    raw = env.get(name)
    return default if raw in (None, "") else raw


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    if raw.strip().lower() in _TRUE:
        return True
    if raw.strip().lower() in _FALSE:
        return False
    raise ConfigError(f"{name} must be true or false, got {raw!r}")


def _choice(env: Mapping[str, str], name: str, default: str, allowed: set[str]) -> str:
    value = _str(env, name, default)
    if value not in allowed:
        raise ConfigError(f"{name} must be one of {', '.join(sorted(allowed))}, got {value!r}")
    return value


# 简单、一般、复杂疑难、重特大: the bounty is multiplied by these percentages when paid.
DEFAULT_DIFFICULTY_PERCENT = {"simple": 100, "ordinary": 120, "complex": 150, "major": 200}


def _percentages(env: Mapping[str, str], name: str, default: dict[str, int]) -> dict[str, int]:
    """"simple:100,ordinary:120,..." → {"simple": 100, ...}; every tier must be named."""
    raw = env.get(name)
    if raw in (None, ""):
        return dict(default)
    try:
        parsed = {k.strip(): int(v) for k, v in (part.split(":") for part in raw.split(","))}
    except ValueError:
        raise ConfigError(f"{name} must look like 'simple:100,ordinary:120,complex:150,major:200', got {raw!r}") from None
    if set(parsed) != set(default) or any(v <= 0 for v in parsed.values()):
        raise ConfigError(f"{name} must give a positive percentage for each of {', '.join(default)}, got {raw!r}")
    return parsed


# 人民调解 bonuses (积分) a mediator earns for a settled dispute, by the difficulty the centre set when assigning it.
DEFAULT_DISPUTE_BONUS_POINTS = {"simple": 20, "ordinary": 40, "complex": 80, "major": 150}


# What a subscribe message's template field may show of a notification (gridapp.integrations.push formats each).
SUBSCRIBE_SOURCES = ("title", "body", "time", "number")


def _subscribe_templates(env: Mapping[str, str], name: str) -> dict[str, dict]:
    """'{"case_new": {"template_id": "...", "fields": {"thing1": "title", "time2": "time"}}, ...}': for each
    notification kind sent as a WeChat subscribe message, its template and what each template field shows."""
    raw = env.get(name)
    if raw in (None, ""):
        return {}
    try:
        parsed = json.loads(raw)
    except ValueError:
        raise ConfigError(f"{name} must be JSON, got {raw!r}") from None
    if not isinstance(parsed, dict):
        raise ConfigError(f"{name} must map notification kinds to templates")
    for kind, template in parsed.items():
        if not (isinstance(template, dict) and template.get("template_id") and template.get("fields")
                and isinstance(template["template_id"], str) and isinstance(template["fields"], dict)):
            raise ConfigError(f"{name}: {kind!r} needs a template_id and its fields")
        for key, source in template["fields"].items():
            if not re.fullmatch(r"[a-z_]+\d+", key) or source not in SUBSCRIBE_SOURCES:
                raise ConfigError(
                    f"{name}: {kind!r} field {key!r} must be a template key (thing1, time2, ...) showing one of "
                    f"{', '.join(SUBSCRIBE_SOURCES)}, got {source!r}"
                )
    return parsed


def _secret_key(env: Mapping[str, str], instance_path: Path, production: bool) -> str:
    """The embedded default keeps a generated key in the instance folder.

    It must survive restarts (tokens signed before a restart stay valid) and be
    shared by every gunicorn worker on the machine, so it lives in a file rather
    than in memory. Production must be given one explicitly.
    """
    key = _str(env, "SECRET_KEY")
    if key:
        return key
    if production:
        raise ConfigError(
            "SECRET_KEY is required when GRIDAPP_ENV=production: set it to a long random "
            "string shared by every app server (e.g. `python -c 'import secrets; "
            "print(secrets.token_urlsafe(48))'`)."
        )
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        tmp = key_file.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(secrets.token_urlsafe(48))
        tmp.chmod(0o600)
        try:
            os.link(tmp, key_file)  # atomic: the first worker wins, the others read its key
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return key_file.read_text().strip()


def _psycopg_url(url: str | None) -> str | None:
    """PostgreSQL URLs as SQLAlchemy names the psycopg 3 driver; others as given."""
    for scheme in ("postgres://", "postgresql://"):
        if url and url.startswith(scheme):
            return "postgresql+psycopg://" + url[len(scheme):]
    return url


def _engine_options(settings: Mapping[str, Any]) -> dict[str, Any]:
    """Pre-ping drops pooled connections a database restart killed; a connect timeout keeps an
    unreachable PostgreSQL from holding a request (it answers 503 instead)."""
    options: dict[str, Any] = {"pool_pre_ping": True}
    if settings["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        options["connect_args"] = {"connect_timeout": settings["DATABASE_CONNECT_TIMEOUT_SECONDS"]}
    return options


def load_settings(
    instance_path: str | Path,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Build the Flask config mapping from the environment; `overrides` (tests, tools) win."""
    env = os.environ if env is None else env
    overrides = dict(overrides or {})
    instance_path = Path(instance_path)
    gridapp_env = _str(env, "GRIDAPP_ENV", "development")
    if gridapp_env not in {"development", "production", "test"}:
        raise ConfigError(f"GRIDAPP_ENV must be development, production or test, got {gridapp_env!r}")
    production = gridapp_env == "production"
    database_url = _psycopg_url(_str(env, "DATABASE_URL") or f"sqlite:///{instance_path / 'gridapp.sqlite3'}")
    redis_url = _str(env, "REDIS_URL")
    media_storage = _str(env, "MEDIA_STORAGE", "local")
    if media_storage not in {"local", "s3"}:
        raise ConfigError(f"MEDIA_STORAGE must be local or s3, got {media_storage!r}")
    if media_storage == "s3" and not _str(env, "S3_BUCKET") and "S3_BUCKET" not in overrides:
        raise ConfigError("MEDIA_STORAGE=s3 needs S3_BUCKET (and S3_ENDPOINT_URL for a non-AWS service)")
    settings = {
        "GRIDAPP_ENV": gridapp_env,
        "SECRET_KEY": overrides.get("SECRET_KEY") or _secret_key(env, instance_path, production),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "DATABASE_READ_URL": _psycopg_url(_str(env, "DATABASE_READ_URL")),
        "DATABASE_CONNECT_TIMEOUT_SECONDS": _int(env, "DATABASE_CONNECT_TIMEOUT_SECONDS", 5),
        "REDIS_TIMEOUT_SECONDS": _int(env, "REDIS_TIMEOUT_SECONDS", 2),
        "METRICS_TOKEN": _str(env, "METRICS_TOKEN"),
        "LOG_FORMAT": _choice(env, "LOG_FORMAT", "json" if production else "text", {"json", "text"}),
        "REDIS_URL": redis_url,
        "MEDIA_STORAGE": media_storage,
        "MEDIA_ROOT": _str(env, "MEDIA_ROOT") or str(instance_path / "media"),
        "S3_BUCKET": _str(env, "S3_BUCKET"),
        "S3_PREFIX": _str(env, "S3_PREFIX"),
        "S3_ENDPOINT_URL": _str(env, "S3_ENDPOINT_URL"),
        "S3_REGION": _str(env, "S3_REGION"),
        "S3_PUBLIC_URL": _str(env, "S3_PUBLIC_URL"),
        "DEFAULT_CITY": _str(env, "DEFAULT_CITY"),
        "PUBLIC_BASE_URL": (_str(env, "PUBLIC_BASE_URL") or "http://127.0.0.1:8000").rstrip("/"),
        "MAX_CONTENT_LENGTH": _int(env, "MAX_CONTENT_LENGTH", 64 * 1024 * 1024),
        "SQLITE_BUSY_TIMEOUT_MS": _int(env, "SQLITE_BUSY_TIMEOUT_MS", 15000),
        # Auth
        "JWT_ACCESS_TOKEN_EXPIRES_SECONDS": _int(env, "JWT_ACCESS_TOKEN_EXPIRES_SECONDS", 3600),
        "JWT_REFRESH_TOKEN_EXPIRES_SECONDS": _int(env, "JWT_REFRESH_TOKEN_EXPIRES_SECONDS", 30 * 86400),
        "OTP_TTL_SECONDS": _int(env, "OTP_TTL_SECONDS", 300),
        "OTP_RESEND_SECONDS": _int(env, "OTP_RESEND_SECONDS", 60),
        "OTP_MAX_ATTEMPTS": _int(env, "OTP_MAX_ATTEMPTS", 5),
        "OTP_DAILY_LIMIT": _int(env, "OTP_DAILY_LIMIT", 10),
        "SMS_SENDER": _str(env, "SMS_SENDER", "gridapp.integrations.sms:LogSmsSender"),
        "WECHAT_APPID": _str(env, "WECHAT_APPID"),
        "WECHAT_SECRET": _str(env, "WECHAT_SECRET"),
        "WECHAT_JSCODE2SESSION_URL": _str(
            env, "WECHAT_JSCODE2SESSION_URL", "https://api.weixin.qq.com/sns/jscode2session"
        ),
        "WECHAT_TIMEOUT_SECONDS": _int(env, "WECHAT_TIMEOUT_SECONDS", 5),
        # Subscribe messages (订阅消息) as a push channel: PUSH_CHANNEL=gridapp.integrations.push:WeChatSubscribePushChannel.
        "WECHAT_TOKEN_URL": _str(env, "WECHAT_TOKEN_URL", "https://api.weixin.qq.com/cgi-bin/token"),
        "WECHAT_SUBSCRIBE_SEND_URL": _str(
            env, "WECHAT_SUBSCRIBE_SEND_URL", "https://api.weixin.qq.com/cgi-bin/message/subscribe/send"
        ),
        "WECHAT_SUBSCRIBE_TEMPLATES": _subscribe_templates(env, "WECHAT_SUBSCRIBE_TEMPLATES"),
        "WECHAT_MINIPROGRAM_STATE": _choice(env, "WECHAT_MINIPROGRAM_STATE", "formal", {"formal", "trial", "developer"}),
        # Snap and report (随手拍)
        "PHOTO_MAX_BYTES": _int(env, "PHOTO_MAX_BYTES", 15 * 1024 * 1024),
        "PHOTO_MAX_PIXELS": _int(env, "PHOTO_MAX_PIXELS", 50_000_000),
        # Originals are kept at most this many pixels on the long side (a 12 MP phone photo: ~1 MB, not ~5).
        "PHOTO_MAX_SIDE": _int(env, "PHOTO_MAX_SIDE", 2560),
        # Photos uploaded on their own (the mini-program) are removed when no call used them in this time.
        "UPLOAD_TTL_HOURS": _int(env, "UPLOAD_TTL_HOURS", 24),
        # 直联 conversations idle this long are deleted with their messages and photos (stated on the pages).
        "CONVERSATION_RETENTION_DAYS": _int(env, "CONVERSATION_RETENTION_DAYS", 180),
        # 防返贫监测: a household leaves the watch list only after this many months without a new signal.
        "POVERTY_OBSERVATION_MONTHS": _int(env, "POVERTY_OBSERVATION_MONTHS", 6),
        # How stale another server's edit (a grid boundary, a code's entity) may be in this server's memory.
        "CITY_STAMP_RECHECK_SECONDS": _int(env, "CITY_STAMP_RECHECK_SECONDS", 1),
        # Scans: logs written in batches (0: with each scan), anonymous views kept in memory.
        # Venue check-ins (店铺/场所登记) are deleted after this many days; no lookup reaches further back.
        "CHECKIN_RETENTION_DAYS": _int(env, "CHECKIN_RETENTION_DAYS", 14),
        "SCAN_LOG_FLUSH_SECONDS": _int(env, "SCAN_LOG_FLUSH_SECONDS", 1),
        "SCAN_LOG_MAX_PENDING": _int(env, "SCAN_LOG_MAX_PENDING", 100_000),
        "ANONYMOUS_VIEW_MAX_AGE_SECONDS": _int(env, "ANONYMOUS_VIEW_MAX_AGE_SECONDS", 60),
        "ANONYMOUS_VIEW_CACHE_SIZE": _int(env, "ANONYMOUS_VIEW_CACHE_SIZE", 20_000),
        "DUPLICATE_RADIUS_M": _int(env, "DUPLICATE_RADIUS_M", 100),
        "DUPLICATE_WINDOW_HOURS": _int(env, "DUPLICATE_WINDOW_HOURS", 72),
        "CASE_AUTO_CLOSE_DAYS": _int(env, "CASE_AUTO_CLOSE_DAYS", 7),
        "HOTLINE_FOLLOW_UP_DAYS": _int(env, "HOTLINE_FOLLOW_UP_DAYS", 7),
        "HOTLINE_LINK_DAYS": _int(env, "HOTLINE_LINK_DAYS", 30),
        "PUBLIC_MAP_DAYS": _int(env, "PUBLIC_MAP_DAYS", 30),
        # 信访 clocks (信访工作条例), in calendar days: deciding on acceptance, handling, the most an approved
        # extension adds, asking for review (and re-review) after an answer, and answering a review.
        "PETITION_ACCEPT_DAYS": _int(env, "PETITION_ACCEPT_DAYS", 15),
        "PETITION_HANDLE_DAYS": _int(env, "PETITION_HANDLE_DAYS", 60),
        "PETITION_EXTENSION_MAX_DAYS": _int(env, "PETITION_EXTENSION_MAX_DAYS", 30),
        "PETITION_REVIEW_REQUEST_DAYS": _int(env, "PETITION_REVIEW_REQUEST_DAYS", 30),
        "PETITION_REVIEW_DAYS": _int(env, "PETITION_REVIEW_DAYS", 30),
        # A referral to or from a court, the police or a petition bureau without its own deadline gets this one.
        "REFERRAL_DEFAULT_DAYS": _int(env, "REFERRAL_DEFAULT_DAYS", 30),
        # Petitioners' names, ID numbers and phones are stored encrypted with this key (Fernet, urlsafe base64 of
        # 32 bytes); unset, a key derived from SECRET_KEY. Lookups use a keyed hash derived from SECRET_KEY.
        "PERSONAL_DATA_KEY": _str(env, "PERSONAL_DATA_KEY"),
        # Maps: the tile layer under every map (none: the grid and community boundaries are the base map).
        "MAP_TILE_URL": _str(env, "MAP_TILE_URL"),
        "MAP_TILE_KEY": _str(env, "MAP_TILE_KEY"),
        "MAP_TILE_COORDS": _choice(env, "MAP_TILE_COORDS", "wgs84", {"wgs84", "gcj02"}),
        "MAP_TILE_SUBDOMAINS": _str(env, "MAP_TILE_SUBDOMAINS", "abc"),
        "MAP_TILE_ATTRIBUTION": _str(env, "MAP_TILE_ATTRIBUTION", ""),
        "REPORT_LIMIT_PER_USER": _str(env, "REPORT_LIMIT_PER_USER", "10/hour;30/day"),
        "REPORT_LIMIT_PER_IP": _str(env, "REPORT_LIMIT_PER_IP", "60/hour"),
        "OPEN311_RATE_LIMIT": _str(env, "OPEN311_RATE_LIMIT", "120/minute;5000/day"),
        "RATELIMIT_ENABLED": _bool(env, "RATELIMIT_ENABLED", True),
        # How many reverse proxies (nginx, a load balancer) stand in front: their X-Forwarded-*
        # headers are trusted, so rate limits and logs see the client's address, not the proxy's.
        "PROXY_FIX_X_FOR": _int(env, "PROXY_FIX_X_FOR", 0),
        # Points (积分): how a paid bounty splits, how difficulty scales it, and resident awards.
        "POINTS_DEPARTMENT_SHARE": _int(env, "POINTS_DEPARTMENT_SHARE", 2),
        "POINTS_STAFF_SHARE": _int(env, "POINTS_STAFF_SHARE", 8),
        "POINTS_DIFFICULTY_PERCENT": _percentages(env, "POINTS_DIFFICULTY_PERCENT", DEFAULT_DIFFICULTY_PERCENT),
        "POINTS_REPORT_ACCEPTED": _int(env, "POINTS_REPORT_ACCEPTED", 5),
        "POINTS_REPORT_CLOSED": _int(env, "POINTS_REPORT_CLOSED", 10),
        "POINTS_SUGGESTION_ADOPTED": _int(env, "POINTS_SUGGESTION_ADOPTED", 20),
        "POINTS_REVERSAL_WINDOW_DAYS": _int(env, "POINTS_REVERSAL_WINDOW_DAYS", 7),
        "POINTS_REDEMPTION_TTL_MINUTES": _int(env, "POINTS_REDEMPTION_TTL_MINUTES", 10),
        # Disputes (矛盾纠纷调解): the mediator's bonus by difficulty, and the CJK font of the agreement PDFs.
        "DISPUTE_BONUS_POINTS": _percentages(env, "DISPUTE_BONUS_POINTS", DEFAULT_DISPUTE_BONUS_POINTS),
        "AGREEMENT_FONT_PATH": _str(env, "AGREEMENT_FONT_PATH", "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
        # "Please move" (挪车) waits this long in a linked owner's inbox before it goes by SMS.
        "MOVE_SMS_AFTER_MINUTES": _int(env, "MOVE_SMS_AFTER_MINUTES", 5),
        "ORDER_START_WINDOW_MINUTES": _int(env, "ORDER_START_WINDOW_MINUTES", 60),
        "SCHEDULER_INTERVAL_SECONDS": _int(env, "SCHEDULER_INTERVAL_SECONDS", 20),
        # The job outbox (gridapp/services/outbox.py) and its relay (`flask outbox relay`).
        "OUTBOX_RELAY_INTERVAL_SECONDS": _int(env, "OUTBOX_RELAY_INTERVAL_SECONDS", 2),
        "OUTBOX_CHECK_SECONDS": _int(env, "OUTBOX_CHECK_SECONDS", 30),
        "OUTBOX_MAX_ATTEMPTS": _int(env, "OUTBOX_MAX_ATTEMPTS", 5),
        "WORK_ORDER_CALLBACK_MAX_ATTEMPTS": _int(env, "WORK_ORDER_CALLBACK_MAX_ATTEMPTS", 5),
        # Supervision (督办): SLA colours and escalation, unit scores, the push channel.
        "SLA_YELLOW_PERCENT": _int(env, "SLA_YELLOW_PERCENT", 75),
        "SLA_ESCALATION_STEP_PERCENT": _int(env, "SLA_ESCALATION_STEP_PERCENT", 50),
        "NUDGE_LIMIT_PER_CASE_HOUR": _int(env, "NUDGE_LIMIT_PER_CASE_HOUR", 3),
        "SCORE_START": _int(env, "SCORE_START", 10000),
        "SCORE_LATE_MINUTES_PER_POINT": _int(env, "SCORE_LATE_MINUTES_PER_POINT", 10),
        "SCORE_REOPEN_POINTS": _int(env, "SCORE_REOPEN_POINTS", 50),
        "SCORE_LOW_RATING_POINTS": _int(env, "SCORE_LOW_RATING_POINTS", 30),
        "SCORE_LATE_REPORT_IN_POINTS": _int(env, "SCORE_LATE_REPORT_IN_POINTS", 100),
        # A low-rating follow-up (回访) is on time when closed within this many days of the rating; the community
        # assessment deducts SCORE_LATE_FOLLOW_UP_POINTS for each one that is not.
        "RATING_FOLLOW_UP_DAYS": _int(env, "RATING_FOLLOW_UP_DAYS", 3),
        "SCORE_LATE_FOLLOW_UP_POINTS": _int(env, "SCORE_LATE_FOLLOW_UP_POINTS", 50),
        # The deadline the forms offer for a task force (包案, 联合处置) and a review meeting's action item.
        "TASK_FORCE_DAYS": _int(env, "TASK_FORCE_DAYS", 30),
        "ACTION_ITEM_DAYS": _int(env, "ACTION_ITEM_DAYS", 7),
        "PUSH_CHANNEL": _str(env, "PUSH_CHANNEL", "gridapp.integrations.push:LogPushChannel"),
        "PUSH_MAX_ATTEMPTS": _int(env, "PUSH_MAX_ATTEMPTS", 4),
    } | overrides
    if settings["POINTS_DEPARTMENT_SHARE"] < 0 or settings["POINTS_STAFF_SHARE"] < 0 or (
        settings["POINTS_DEPARTMENT_SHARE"] + settings["POINTS_STAFF_SHARE"] <= 0
    ):
        raise ConfigError("POINTS_DEPARTMENT_SHARE and POINTS_STAFF_SHARE must be >= 0 and not both 0")
    settings.setdefault("SQLALCHEMY_ENGINE_OPTIONS", _engine_options(settings))
    if settings["DATABASE_READ_URL"]:  # the replica's engine, with the same options (gridapp/replica.py)
        settings.setdefault("SQLALCHEMY_BINDS", {"replica": settings["DATABASE_READ_URL"]})
    # Rate limits (Flask-Limiter) are shared through Redis when there is one. While Redis cannot be
    # reached each app process counts in its own memory instead (and goes back once Redis answers),
    # so sign-in and reports keep working through a Redis outage.
    settings.setdefault(
        "RATELIMIT_STORAGE_URI", _str(env, "RATELIMIT_STORAGE_URI") or settings["REDIS_URL"] or "memory://"
    )
    settings.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    if settings["RATELIMIT_STORAGE_URI"].startswith(("redis://", "rediss://", "redis+")):
        timeout = settings["REDIS_TIMEOUT_SECONDS"]
        settings.setdefault("RATELIMIT_STORAGE_OPTIONS", {"socket_connect_timeout": timeout, "socket_timeout": timeout})
    if production and not (_str(env, "SMS_SENDER") or overrides.get("SMS_SENDER")):
        raise ConfigError(
            "SMS_SENDER is required when GRIDAPP_ENV=production: name the provider class (module:Class); "
            "the default only writes login codes to the log, so residents would never receive them."
        )
    return settings
