"""Mini-program sign-in: a WeChat openid bound to one account per city."""
from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from gridapp.clock import now
from gridapp.errors import Conflict, Unauthenticated
from gridapp.extensions import db
from gridapp.integrations.wechat import WeChatClient
from gridapp.models import User
from gridapp.services.accounts import passwords, second_factor
from gridapp.services.accounts.users import city_by_code
from gridapp.unit_of_work import unit_of_work


def openid_for(js_code: str) -> str:
    """Ask WeChat whose wx.login() code this is.

    Call it outside any unit of work: an open transaction would be held across the
    network call, and on SQLite that is the one write lock every other writer waits for.
    """
    return WeChatClient.from_config(current_app.config).code_to_session(js_code).openid


def login_with_wechat(city_code: str, js_code: str) -> User:
    return _login_with_openid(city_code, openid_for(js_code))


@unit_of_work
def _login_with_openid(city_code: str, openid: str) -> User:
    city = city_by_code(city_code)
    user = db.session.scalar(select(User).where(User.city_id == city.id, User.wechat_openid == openid))
    if user is None or not user.is_active:
        raise Unauthenticated("该微信尚未绑定账号，请先用手机号验证码登录完成绑定", code="wechat_not_bound")
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
