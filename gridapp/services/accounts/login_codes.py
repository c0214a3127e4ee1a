"""Residents sign in with their phone number and a one-time code sent by SMS."""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, func, select

from gridapp import jobs
from gridapp.authz import Role
from gridapp.clock import now
from gridapp.errors import RateLimited, Unauthenticated, ValidationFailed
from gridapp.extensions import db
from gridapp.models import OtpChallenge, User
from gridapp.services.accounts import agreements, second_factor
from gridapp.services.accounts.users import city_by_code, grant_role, new_user
from gridapp.unit_of_work import unit_of_work

PHONE_RE = re.compile(r"^1[3-9]\d{9}$")


def normalise_phone(phone: str) -> str:
    phone = re.sub(r"[\s-]", "", phone or "")
    if phone.startswith("+86"):
        phone = phone[3:]
    if not PHONE_RE.match(phone):
        raise ValidationFailed("请输入正确的 11 位手机号码", details={"phone": ["invalid"]})
    return phone


def _digest(city_id: int, phone: str, code: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"{city_id}:{phone}:{code}".encode(), hashlib.sha256).hexdigest()


@unit_of_work
def request_login_code(city_code: str, phone: str, agreed: bool) -> int:
    """Send a fresh code unless one went out too recently; returns seconds until it expires.

    Only to someone who agreed to the user agreement and privacy policy (services.accounts.agreements)."""
    version = agreements.require(agreed)
    city = city_by_code(city_code)
    phone = normalise_phone(phone)
    config = current_app.config
    current = now()
    last = db.session.scalar(
        select(OtpChallenge)
        .where(OtpChallenge.city_id == city.id, OtpChallenge.phone == phone)
        .order_by(OtpChallenge.created_at.desc())
        .limit(1)
    )
    if last is not None and current - last.created_at < timedelta(seconds=config["OTP_RESEND_SECONDS"]):
        wait = config["OTP_RESEND_SECONDS"] - int((current - last.created_at).total_seconds())
        raise RateLimited(f"验证码发送过于频繁，请 {wait} 秒后再试", details={"retry_after": wait})
    sent_today = db.session.scalar(
        select(func.count()).where(
            OtpChallenge.city_id == city.id,
            OtpChallenge.phone == phone,
            OtpChallenge.created_at > current - timedelta(days=1),
        )
    )
    if sent_today >= config["OTP_DAILY_LIMIT"]:
        raise RateLimited("该手机号今日获取验证码次数已达上限，请明天再试", code="daily_limit")
    code = f"{secrets.randbelow(10**6):06d}"
    ttl = config["OTP_TTL_SECONDS"]
    db.session.add(
        OtpChallenge(
            city_id=city.id,
            phone=phone,
            code_hash=_digest(city.id, phone, code),
            created_at=current,
            expires_at=current + timedelta(seconds=ttl),
            agreement_version=version,
        )
    )
    jobs.enqueue("send_login_code", phone, code, max(1, ttl // 60))
    return ttl


@unit_of_work
def _consume(city_code: str, phone: str, code: str) -> User | None:
    city = city_by_code(city_code)
    phone = normalise_phone(phone)
    current = now()
    challenge = db.session.scalar(
        select(OtpChallenge)
        .where(
            OtpChallenge.city_id == city.id,
            OtpChallenge.phone == phone,
            OtpChallenge.consumed_at.is_(None),
            OtpChallenge.expires_at > current,
        )
        .order_by(OtpChallenge.created_at.desc())
        .limit(1)
        .with_for_update()
    )
    if challenge is None or challenge.attempts >= current_app.config["OTP_MAX_ATTEMPTS"]:
        return None
    if not hmac.compare_digest(challenge.code_hash, _digest(city.id, phone, code.strip())):
        challenge.attempts += 1  # committed: a wrong guess must count even though the login fails
        return None
    challenge.consumed_at = current
    user = db.session.scalar(select(User).where(User.city_id == city.id, User.phone == phone))
    if user is None:
        user = new_user(city.id, f"居民{phone[-4:]}", phone=phone)
        grant_role(user, Role.RESIDENT)
    elif not user.is_active:
        return None
    user.last_login_at = current
    agreements.record(user, challenge)
    return user


def verify_login_code(city_code: str, phone: str, code: str) -> User:
    """Sign in (registering a resident account on first use) with a code from request_login_code."""
    user = _consume(city_code, phone, code)
    if user is None:
        raise Unauthenticated("验证码错误或已过期，请重新获取", code="bad_login_code")
    second_factor.refuse_sign_in_without_code(user)
    return user


@unit_of_work
def purge_old_challenges() -> int:
    """Drop login codes older than the daily-limit window; run by the scheduler."""
    return db.session.execute(delete(OtpChallenge).where(OtpChallenge.created_at < now() - timedelta(days=2))).rowcount
