"""A second factor for staff sign-in: time-based one-time codes (TOTP, RFC 6238) from an authenticator app.

A staff member sets it up with their password (`begin_setup`: a fresh secret and the otpauth:// link
for the app's QR scanner) and turns it on by signing in with a code from the app. From then on a
password sign-in needs a code too, each code works once, and SMS-code and WeChat sign-ins, which
know nothing of the second factor, are refused for the account. A city's system admins may require
it of every admin (`ADMINS`): such an admin without it is asked to set it up instead of signed in.
"""
from __future__ import annotations

import pyotp
from sqlalchemy import select

from gridapp.authz import STAFF_ROLES, Actor, Permission, Role
from gridapp.clock import now
from gridapp.errors import Conflict, Forbidden, Unauthenticated
from gridapp.extensions import db
from gridapp.models import City, User
from gridapp.unit_of_work import unit_of_work

ADMINS = frozenset({
    Role.DEPARTMENT_ADMIN, Role.COMMUNITY_ADMIN, Role.STREET_ADMIN, Role.DISTRICT_ADMIN,
    Role.SUPER_ADMIN, Role.SYSTEM_ADMIN,
})
HOLDERS = Permission(
    "accounts.second_factor", STAFF_ROLES, "staff protect their own password sign-in with a TOTP code"
)
POLICY = Permission(
    "accounts.second_factor_policy", {Role.SYSTEM_ADMIN}, "the city's system admins require TOTP of admins"
)
STEP_SECONDS = 30
ISSUER = "网格通"


def required(user: User) -> bool:
    city = db.session.get(City, user.city_id)
    return bool(city.require_admin_totp) and any(Role(g.role) in ADMINS for g in user.grants)


def begin_setup(user: User) -> dict:
    """A new secret for a staff member who has just given their password; on once a code from it signs in."""
    if not any(Role(g.role) in STAFF_ROLES for g in user.grants):
        raise Forbidden("只有工作人员账号可以开启动态验证码", code="not_staff")
    if user.totp_enabled_at is not None:
        raise Conflict("动态验证码已开启", code="totp_enabled")
    user.totp_secret = pyotp.random_base32()
    uri = pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.username or str(user.id), issuer_name=ISSUER)
    return {"secret": user.totp_secret, "otpauth_uri": uri}


def check_password_sign_in(user: User, code: str | None) -> None:
    """After the password was right: the code, when the account has the second factor or is setting it up."""
    if user.totp_enabled_at is not None:
        if not code:
            raise Unauthenticated("请输入动态验证码", code="totp_required")
        _spend(user, code)
    elif user.totp_secret and code:
        _spend(user, code)
        user.totp_enabled_at = now()  # the first code from the app proves it holds the secret
    elif required(user):
        raise Forbidden("本市要求管理员使用动态验证码，请先完成设置", code="totp_setup_required")


def refuse_sign_in_without_code(user: User) -> None:
    """SMS-code and WeChat sign-ins carry no TOTP code: accounts that need one sign in with the password."""
    if user.totp_enabled_at is not None or required(user):
        raise Unauthenticated("该账号须使用用户名、密码和动态验证码登录", code="totp_required")


@unit_of_work
def turn_off(actor: Actor, code: str) -> None:
    HOLDERS.require(actor)
    user = db.session.scalar(select(User).where(User.city_id == actor.city_id, User.id == actor.user_id))
    if user.totp_enabled_at is None:
        raise Conflict("动态验证码未开启", code="totp_not_enabled")
    if required(user):
        raise Forbidden("本市要求管理员使用动态验证码，不能关闭", code="totp_required_by_city")
    _spend(user, code)
    user.totp_secret = user.totp_enabled_at = user.totp_last_step = None


@unit_of_work
def set_policy(actor: Actor, require_admin_totp: bool) -> City:
    POLICY.require(actor)
    city = db.session.get(City, actor.city_id)
    city.require_admin_totp = require_admin_totp
    return city


def _spend(user: User, code: str) -> None:
    """Accept a code of this time step or the one either side (clock drift), never a step used before."""
    totp, current = pyotp.TOTP(user.totp_secret), int(now().timestamp()) // STEP_SECONDS
    for step in (current - 1, current, current + 1):
        if (user.totp_last_step is None or step > user.totp_last_step) and totp.at(step * STEP_SECONDS) == code:
            user.totp_last_step = step
            return
    raise Unauthenticated("动态验证码错误或已使用", code="totp_invalid")
