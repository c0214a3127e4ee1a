"""Settings come from the environment; production refuses to start without its secrets.

Every test runs create_app() with a controlled environment: the variables gridapp
reads are removed first, HOME and the instance folder point into tmp_path.
"""
from __future__ import annotations

import os
import stat

import pytest

from gridapp import create_app
from gridapp.config import ConfigError, load_settings

READ_BY_GRIDAPP = (
    "GRIDAPP_ENV", "GRIDAPP_INSTANCE_PATH", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "MEDIA_ROOT",
    "PUBLIC_BASE_URL", "MAX_CONTENT_LENGTH", "SQLITE_BUSY_TIMEOUT_MS", "SMS_SENDER",
    "RATELIMIT_STORAGE_URI", "RATELIMIT_ENABLED", "PROXY_FIX_X_FOR", "MEDIA_STORAGE", "S3_BUCKET", "DEFAULT_CITY",
)  # fmt: skip
READ_BY_PREFIX = ("JWT_", "OTP_", "WECHAT_")


@pytest.fixture
def env(monkeypatch, tmp_path):
    """A clean environment; returns the instance folder (not created yet)."""
    for name in list(os.environ):
        if name in READ_BY_GRIDAPP or name.startswith(READ_BY_PREFIX):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    instance = tmp_path / "instance"
    monkeypatch.setenv("GRIDAPP_INSTANCE_PATH", str(instance))
    return instance


def test_production_without_secret_key_refuses_to_start(env, monkeypatch):
    monkeypatch.setenv("GRIDAPP_ENV", "production")
    with pytest.raises(ConfigError) as error:
        create_app()
    message = str(error.value)
    assert "SECRET_KEY" in message and "GRIDAPP_ENV=production" in message
    assert not (env / "secret_key").exists(), "production must not fall back to a generated key"

    monkeypatch.setenv("SECRET_KEY", "a-production-secret-that-is-long-enough-for-hs256")
    monkeypatch.setenv("SMS_SENDER", "tests.support.fakes:FileSmsSender")
    app = create_app()
    assert app.config["SECRET_KEY"] == app.config["JWT_SECRET_KEY"] == os.environ["SECRET_KEY"]
    assert not (env / "secret_key").exists()


def test_embedded_default_keeps_a_generated_key_in_the_instance_folder(env):
    first = create_app()
    key_file = env / "secret_key"
    assert first.instance_path == str(env)
    assert key_file.exists()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(first.config["SECRET_KEY"]) >= 32
    assert first.config["SECRET_KEY"] == key_file.read_text().strip()
    assert [p.name for p in env.iterdir() if p.name.endswith(".tmp")] == []

    second = create_app()
    assert second.config["SECRET_KEY"] == first.config["SECRET_KEY"]
    assert second.config["JWT_SECRET_KEY"] == first.config["SECRET_KEY"]


def test_an_explicit_secret_key_wins_over_the_file(env, monkeypatch):
    generated = create_app().config["SECRET_KEY"]
    monkeypatch.setenv("SECRET_KEY", "explicit-secret-key-explicit-secret-key")
    assert create_app().config["SECRET_KEY"] == "explicit-secret-key-explicit-secret-key" != generated


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://grid:pw@db.example:5432/gridapp", "postgresql+psycopg://grid:pw@db.example:5432/gridapp"),
        (
            "postgresql://grid:pw@db.example/gridapp?sslmode=require",
            "postgresql+psycopg://grid:pw@db.example/gridapp?sslmode=require",
        ),
        ("postgresql+psycopg://grid@db.example/gridapp", "postgresql+psycopg://grid@db.example/gridapp"),
        ("sqlite:////srv/gridapp/data.sqlite3", "sqlite:////srv/gridapp/data.sqlite3"),
    ],
)
def test_database_url_is_normalised_to_psycopg3(env, monkeypatch, given, expected):
    monkeypatch.setenv("DATABASE_URL", given)
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == expected
    if expected.startswith("postgresql"):
        from gridapp.extensions import db

        with app.app_context():
            assert db.engine.dialect.name == "postgresql" and db.engine.dialect.driver == "psycopg"


def test_default_database_is_a_sqlite_file_in_the_instance_folder(env):
    from sqlalchemy import text

    from gridapp.extensions import db

    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{env / 'gridapp.sqlite3'}"
    assert app.config["MEDIA_ROOT"] == str(env / "media")
    assert app.config["GRIDAPP_ENV"] == "development"
    with app.app_context():
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        db.session.remove()
        db.engine.dispose()
    assert (env / "gridapp.sqlite3").exists()


@pytest.mark.parametrize("name", ["OTP_TTL_SECONDS", "MAX_CONTENT_LENGTH", "JWT_ACCESS_TOKEN_EXPIRES_SECONDS"])
def test_a_bad_integer_names_the_variable(env, monkeypatch, name):
    monkeypatch.setenv(name, "5m")
    with pytest.raises(ConfigError, match=name) as error:
        create_app()
    assert "'5m'" in str(error.value)


def test_integers_and_unknown_environments(env, monkeypatch):
    monkeypatch.setenv("OTP_TTL_SECONDS", "120")
    monkeypatch.setenv("OTP_MAX_ATTEMPTS", "")  # empty means default
    settings = load_settings(env)
    assert settings["OTP_TTL_SECONDS"] == 120
    assert settings["OTP_MAX_ATTEMPTS"] == 5

    monkeypatch.setenv("GRIDAPP_ENV", "staging")
    with pytest.raises(ConfigError, match="GRIDAPP_ENV"):
        create_app()


def test_production_needs_a_real_sms_provider(env, monkeypatch):
    monkeypatch.setenv("GRIDAPP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "k" * 48)
    with pytest.raises(ConfigError, match="SMS_SENDER"):
        create_app()
    monkeypatch.setenv("SMS_SENDER", "tests.support.fakes:FileSmsSender")
    assert create_app().config["SMS_SENDER"] == "tests.support.fakes:FileSmsSender"


@pytest.mark.parametrize("raw, expected", [("false", False), ("0", False), ("no", False), ("true", True), ("1", True)])
def test_booleans_read_the_usual_spellings(env, monkeypatch, raw, expected):
    monkeypatch.setenv("RATELIMIT_ENABLED", raw)
    assert load_settings(env)["RATELIMIT_ENABLED"] is expected


def test_a_bad_boolean_names_the_variable(env, monkeypatch):
    monkeypatch.setenv("RATELIMIT_ENABLED", "maybe")
    with pytest.raises(ConfigError, match="RATELIMIT_ENABLED"):
        load_settings(env)


def test_rate_limits_are_shared_through_redis_when_configured(env, monkeypatch):
    assert load_settings(env)["RATELIMIT_STORAGE_URI"] == "memory://"
    assert load_settings(env, overrides={"REDIS_URL": "redis://r:6379/0"})["RATELIMIT_STORAGE_URI"] == "redis://r:6379/0"


def test_s3_media_needs_a_bucket(env, monkeypatch):
    monkeypatch.setenv("MEDIA_STORAGE", "s3")
    with pytest.raises(ConfigError, match="S3_BUCKET"):
        load_settings(env)


def test_behind_a_proxy_the_client_address_is_the_forwarded_one(env, monkeypatch):
    from flask import request

    monkeypatch.setenv("PROXY_FIX_X_FOR", "1")
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    seen = []
    app.add_url_rule("/_addr", "addr", lambda: seen.append(request.remote_addr) or "")
    from gridapp.web.access import public

    public()(app.view_functions["addr"])
    app.test_client().get("/_addr", headers={"X-Forwarded-For": "203.0.113.9"}, environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert seen == ["203.0.113.9"]
