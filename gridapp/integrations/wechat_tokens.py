"""The mini-program's access token (cgi-bin/token), one copy in the database for every server and worker.

WeChat gives out one token at a time and a new one ends the old after a few minutes, so servers that
each fetched their own would keep ending each other's. The database is the store every gunicorn
worker, RQ worker and app server shares, with or without Redis, and its row lock lets exactly one of
them refresh: a token within REFRESH_BEFORE of its end is refreshed under the lock, and whoever waited
on the lock finds the fresh token and uses it. The lock is the caller's transaction's (a push delivery),
so it is held only while refreshing, never for every send.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from gridapp.clock import now
from gridapp.errors import UpstreamUnavailable
from gridapp.extensions import db
from gridapp.integrations.wechat import call, configured
from gridapp.models import WeChatAccessToken

REFRESH_BEFORE = timedelta(minutes=5)


def access_token(config, stale: str | None = None) -> str:
    """A token valid for a while yet; `stale` is one WeChat just refused (40001/42001), refreshed unless
    another server has replaced it meanwhile."""
    appid, _secret = configured(config)
    row = _row(appid)
    if _usable(row, stale):
        return row.token
    row = _row(appid, lock=True) or _first_row(appid)
    if not _usable(row, stale):
        row.token, row.expires_at = _fetch(config)
        db.session.flush()
    return row.token


def _usable(row: WeChatAccessToken | None, stale: str | None) -> bool:
    return row is not None and row.token != stale and row.expires_at > now() + REFRESH_BEFORE


def _row(appid: str, lock: bool = False) -> WeChatAccessToken | None:
    stmt = select(WeChatAccessToken).where(WeChatAccessToken.appid == appid).execution_options(populate_existing=True)
    return db.session.scalar(stmt.with_for_update() if lock else stmt)


def _first_row(appid: str) -> WeChatAccessToken:
    """The app's row, written once: two servers adding it at once leave one row, which both then lock."""
    try:
        with db.session.begin_nested():
            db.session.add(WeChatAccessToken(appid=appid, token="", expires_at=now()))
    except IntegrityError:
        pass
    return _row(appid, lock=True)


def _fetch(config) -> tuple[str, datetime]:
    appid, secret = configured(config)
    query = {"grant_type": "client_credential", "appid": appid, "secret": secret}
    body = call(config["WECHAT_TOKEN_URL"], query, config.get("WECHAT_TIMEOUT_SECONDS", 5))
    if body.get("errcode") or not body.get("access_token"):
        raise UpstreamUnavailable(
            "获取微信接口凭证失败", code="wechat_token_failed",
            details={"errcode": body.get("errcode"), "errmsg": body.get("errmsg")},
        )
    return body["access_token"], now() + timedelta(seconds=int(body.get("expires_in", 7200)))
