"""The WeChat access token every app server and worker shares.

Not tenant data: one row per mini-program (appid) for the whole deployment. WeChat hands out one
access token at a time and a new one soon ends the old, so each process fetching its own would
keep ending the others'; the row is the one copy, refreshed by whoever finds it about to expire.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gridapp.extensions import db
from gridapp.models.base import IdMixin, UTCDateTime


class WeChatAccessToken(IdMixin, db.Model):
    __tablename__ = "wechat_access_tokens"
    appid: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    token: Mapped[str] = mapped_column(Text, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
