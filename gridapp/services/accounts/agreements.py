"""The user agreement and privacy policy a resident accepts before a sign-in code is sent (PIPL: consent first).

VERSION names the texts the pages show (templates/h5/terms.html, privacy.html); changing either text
means a new VERSION, and the next sign-in records consent to it. The consent is dated when it was given
(when the code was asked for) and kept on the account, one row per version.
"""
from __future__ import annotations

from sqlalchemy import select

from gridapp.errors import ValidationFailed
from gridapp.extensions import db
from gridapp.models import AgreementConsent, OtpChallenge, User

VERSION = "2026-12-01"
EFFECTIVE = "2026 年 12 月 1 日"


def require(agreed: bool) -> str:
    """The version consented to; refused unless the person ticked the box."""
    if not agreed:
        raise ValidationFailed("请先阅读并同意用户协议和隐私政策", code="consent_required", details={"agreed": ["required"]})
    return VERSION


def record(user: User, challenge: OtpChallenge) -> None:
    """Keep the consent given before `challenge` was sent on the account that signed in with it."""
    if challenge.agreement_version is None:
        return
    known = db.session.scalar(
        select(AgreementConsent.id).where(
            AgreementConsent.city_id == user.city_id,
            AgreementConsent.user_id == user.id,
            AgreementConsent.version == challenge.agreement_version,
        )
    )
    if known is None:
        db.session.add(
            AgreementConsent(
                city_id=user.city_id, user_id=user.id, version=challenge.agreement_version, agreed_at=challenge.created_at
            )
        )
