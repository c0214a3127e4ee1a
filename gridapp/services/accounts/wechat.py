"""Mini-program sign-in: a WeChat openid bound to one account per city.

Residents bind theirs when they sign in with an SMS code, staff when they sign in with their
password, by sending the mini-program's wx.login() code along (`signed_in_binding`). Signing in
with WeChat afterwards follows the rules of the account's own sign-in: a username locked after
wrong passwords stays locked, a password an admin gave must be changed first, and an account with a
second factor signs in with its password and code only.
"""
from __future__ import annotations

from typing import Callable

from flask import current_app
from sqlalchemy import select

from gridapp.authz import Actor, Permission, Role
from gridapp.clock import now
from gridapp.errors import Conflict, Unauthenticated
from gridapp.extensions import db
from gridapp.integrations.wechat import WeChatClient
from gridapp.models import User
from gridapp.services.accounts import lockout, passwords, second_factor
from gridapp.services.accounts.users import city_by_code
from gridapp.unit_of_work import unit_of_work

HOLDERS = Permission("accounts.wechat", Role, "everyone unbinds the WeChat account from their own account")


def openid_for(js_code: str) -> str:
    """Ask WeChat whose wx.login() code this is.

    Call it outside any unit of work: an open transaction would be held across the
    network call, and on SQLite that is the one write lock every other writer waits for.
    """
    return WeChatClient.from_config(current_app.config).code_to_session(js_code).openid


def signed_in_binding(js_code: str | None, sign_in: Callable[[], User]) -> User:
    """A sign-in (SMS code or password) that also binds the WeChat account the mini-program runs in,
    when it sent its wx.login() code. WeChat is asked first, so its failure spends neither the SMS
    code nor a password attempt."""
    openid = openid_for(js_code) if js_code else None
    user = sign_in()
    return user if openid is None else bind_wechat(user.city_id, user.id, openid)


def login_with_wechat(city_code: str, js_code: str) -> User:
    return _login_with_openid(city_code, openid_for(js_code))


@unit_of_work
def _login_with_openid(city_code: str, openid: str) -> User:
    city = city_by_code(city_code)
    user = db.session.scalar(select(User).where(User.city_id == city.id, User.wechat_openid == openid))
    if user is None or not user.is_active:
        raise Unauthenticated("该微信尚未绑定账号，请先用手机号验证码或用户名密码登录完成绑定", code="wechat_not_bound")
    if user.username:
        lockout.refuse_if_locked(user.city_id, user.username)
    second_factor.refuse_sign_in_without_code(user)
    passwords.refuse_until_changed(user)
    user.last_login_at = now()
    return user


@unit_of_work
def bind_wechat(city_id: int, user_id: int, openid: str) -> User:
    """Bind an openid (from `openid_for`, called before the caller's unit of work) to an account."""
    owner = db.session.scalar(select(User).where(User.city_id == city_id, User.wechat_openid == openid))
    if owner is not None and owner.id != user_id:
        raise Conflict("该微信已绑定其他账号", code="wechat_already_bound")
    user = db.session.get(User, user_id)
    user.wechat_openid = openid
    return user


@unit_of_work
def unbind_wechat(actor: Actor) -> User:
    """The account stops signing in with WeChat (and receiving its subscribe messages) until bound again."""
    HOLDERS.require(actor)
    user = db.session.scalar(select(User).where(User.city_id == actor.city_id, User.id == actor.user_id))
    user.wechat_openid = None
    return user
