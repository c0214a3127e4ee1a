"""Password sign-in and changing one's password, behind the account lock.

Every password attempt goes through `_guarded`: a locked username is refused before its password is
looked at, and a wrong password or second-factor code counts towards the lock
(services.accounts.lockout) in a unit of work of its own, since the attempt's own is rolled back. A
password an admin gave (a new account, a reset) signs nobody in: the sign-in answers
`password_change_required`, and `change_password` with that password and a new one is the only way in.
"""
from __future__ import annotations

from typing import Callable, TypeVar

from gridapp.clock import now
from gridapp.errors import Forbidden, Unauthenticated, ValidationFailed
from gridapp.models import User
from gridapp.services.accounts import lockout, second_factor
from gridapp.services.accounts.users import check_password, city_by_code, rehash_if_needed, set_password
from gridapp.unit_of_work import unit_of_work

T = TypeVar("T")
# The refusals that mean someone guessed wrong; others (an unknown city, a missing code) count for nothing.
WRONG_GUESSES = frozenset({"bad_credentials", "totp_invalid"})


def _guarded(city_code: str, username: str, attempt: Callable[[], T]) -> T:
    city_id = city_by_code(city_code).id
    lockout.refuse_if_locked(city_id, username)
    try:
        return attempt()
    except Unauthenticated as exc:
        if exc.code not in WRONG_GUESSES:
            raise
        until = lockout.count_failure(city_id, username)
        if until is not None:
            raise lockout.locked(until) from None
        raise


def sign_in(city_code: str, username: str, password: str, totp: str | None = None) -> User:
    """Password sign-in, with the TOTP code when the account has a second factor (services.accounts.second_factor)."""
    return _guarded(city_code, username, lambda: _sign_in(city_code, username, password, totp, None))


def change_password(city_code: str, username: str, password: str, new_password: str, totp: str | None = None) -> User:
    """The person's own new password, given with the current one; signs them in like `sign_in`."""
    return _guarded(city_code, username, lambda: _sign_in(city_code, username, password, totp, new_password))


def begin_second_factor(city_code: str, username: str, password: str) -> dict:
    """Set up TOTP with the password: the secret and the link an authenticator app scans."""
    return _guarded(city_code, username, lambda: _begin_second_factor(city_code, username, password))


def refuse_until_changed(user: User) -> None:
    """Every sign-in but `change_password` (the SMS-code and WeChat ones too) waits for the person's own password."""
    if user.must_change_password:
        raise Forbidden("管理员设置的密码须先修改，请修改密码后登录", code="password_change_required")


@unit_of_work
def _sign_in(city_code: str, username: str, password: str, totp: str | None, new_password: str | None) -> User:
    user = check_password(city_code, username, password)
    if new_password is None:
        refuse_until_changed(user)
    second_factor.check_password_sign_in(user, totp)
    if new_password is not None:
        if new_password == password:
            raise ValidationFailed("新密码不能与原密码相同", details={"new_password": ["unchanged"]})
        set_password(user, new_password, chosen=True)
    else:
        rehash_if_needed(user, password)
    lockout.forget(user.city_id, username)
    user.last_login_at = now()
    return user


@unit_of_work
def _begin_second_factor(city_code: str, username: str, password: str) -> dict:
    return second_factor.begin_setup(check_password(city_code, username, password))
