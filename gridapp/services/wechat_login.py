"""Mini-program sign-in: a WeChat openid bound to one account per city."""
from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from ..errors import Conflict, Unauthenticated
from ..extensions import db
from ..integrations.wechat import WeChatClient
from ..models import User
from ..unit_of_work import unit_of_work
from .accounts import city_by_code
from ..clock import now


def _openid(js_code: str) -> str:
    return WeChatClient.from_config(current_app.config).code_to_session(js_code).openid


@unit_of_work
def login_with_wechat(city_code: str, js_code: str) -> User:
    city = city_by_code(city_code)
    openid = _openid(js_code)
    user = db.session.scalar(select(User).where(User.city_id == city.id, User.wechat_openid == openid))
    if user is None or not user.is_active:
        raise Unauthenticated("该微信尚未绑定账号，请先用手机号验证码登录完成绑定", code="wechat_not_bound")
    user.last_login_at = now()
    return user


@unit_of_work
def bind_wechat(city_id: int, user_id: int, js_code: str) -> User:
    openid = _openid(js_code)
    owner = db.session.scalar(select(User).where(User.city_id == city_id, User.wechat_openid == openid))
    if owner is not None and owner.id != user_id:
        raise Conflict("该微信已绑定其他账号", code="wechat_already_bound")
    user = db.session.get(User, user_id)
    user.wechat_openid = openid
    return user
