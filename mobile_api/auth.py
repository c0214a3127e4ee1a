"""Sign-in for staff (password), residents (SMS code) and the mini-program (WeChat)."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import after_this_request, current_app
from flask.views import MethodView
from flask_jwt_extended import (
    create_access_token,
    create_refresh_token,
    decode_token,
    get_jwt,
    get_jwt_request_location,
    set_access_cookies,
    set_refresh_cookies,
    unset_jwt_cookies,
)

from gridapp.authz import SIGNED_IN
from gridapp.errors import Forbidden, Unauthenticated
from gridapp.extensions import limiter
from gridapp.services.accounts import login_codes
from gridapp.services.accounts import revocations as tokens
from gridapp.services.accounts import wechat as wechat_login
from gridapp.services.accounts.users import authenticate_staff, get_user
from gridapp.web.access import allow, current_actor, public
from mobile_api.blueprint import ApiBlueprint
from mobile_api.schemas.auth import (
    CodeLoginSchema,
    CodeRequestSchema,
    CodeSentSchema,
    LogoutSchema,
    PasswordLoginSchema,
    TokenSchema,
    UserSchema,
    WeChatLoginSchema,
)

blp = ApiBlueprint("auth", __name__, url_prefix="/api/v1", description="登录与会话")


def issue_tokens(user) -> dict:
    claims = {"city": user.city_id}
    return {
        "access_token": create_access_token(identity=str(user.id), additional_claims=claims),
        "refresh_token": create_refresh_token(identity=str(user.id), additional_claims=claims),
        "token_type": "Bearer",
        "expires_in": current_app.config["JWT_ACCESS_TOKEN_EXPIRES_SECONDS"],
        "user": user,
    }


def keep_in_cookies(issued: dict) -> None:
    """H5 and dashboard pages: the answer also sets the session cookies (and their CSRF cookies)."""

    @after_this_request
    def set_cookies(response):
        set_access_cookies(response, issued["access_token"])
        set_refresh_cookies(response, issued["refresh_token"])
        return response


@blp.route("/auth/login")
class PasswordLogin(MethodView):
    @public()
    @limiter.limit("20/minute")
    @blp.arguments(PasswordLoginSchema)
    @blp.response(200, TokenSchema)
    def post(self, body):
        """Staff sign-in with username and password."""
        issued = issue_tokens(authenticate_staff(body["city"], body["username"], body["password"]))
        if body["cookie"]:
            keep_in_cookies(issued)
        return issued


@blp.route("/auth/code")
class LoginCode(MethodView):
    @public()
    @limiter.limit("10/minute")
    @blp.arguments(CodeRequestSchema)
    @blp.response(202, CodeSentSchema)
    def post(self, body):
        """Send a one-time login code to a resident's phone by SMS."""
        return {"expires_in": login_codes.request_login_code(body["city"], body["phone"])}


@blp.route("/auth/code/verify")
class CodeLogin(MethodView):
    @public()
    @limiter.limit("20/minute")
    @blp.arguments(CodeLoginSchema)
    @blp.response(200, TokenSchema)
    def post(self, body):
        """Resident sign-in with phone and code; the first sign-in creates the resident account."""
        # WeChat is asked first, outside any transaction, so a WeChat failure does not spend the code.
        openid = wechat_login.openid_for(body["wechat_code"]) if body.get("wechat_code") else None
        user = login_codes.verify_login_code(body["city"], body["phone"], body["code"])
        if openid is not None:
            user = wechat_login.bind_wechat(user.city_id, user.id, openid)
        issued = issue_tokens(user)
        if body["cookie"]:
            keep_in_cookies(issued)
        return issued


@blp.route("/auth/wechat")
class WeChatLogin(MethodView):
    @public()
    @limiter.limit("20/minute")
    @blp.arguments(WeChatLoginSchema)
    @blp.response(200, TokenSchema)
    def post(self, body):
        """Mini-program sign-in with a wx.login() code, for a WeChat account already bound."""
        return issue_tokens(wechat_login.login_with_wechat(body["city"], body["code"]))


@blp.route("/auth/refresh")
class Refresh(MethodView):
    @allow(SIGNED_IN, scope="self", token="refresh")
    @blp.response(200, TokenSchema)
    @blp.doc(security=[{"bearer": []}])
    def post(self):
        """A new access token for a valid refresh token (sent as the Bearer token)."""
        actor = current_actor()
        access_token = create_access_token(identity=str(actor.user_id), additional_claims={"city": actor.city_id})
        if get_jwt_request_location() == "cookies":  # an H5 page renewing its session
            after_this_request(lambda response: set_access_cookies(response, access_token) or response)
        return {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": current_app.config["JWT_ACCESS_TOKEN_EXPIRES_SECONDS"],
        }


@blp.route("/auth/logout")
class Logout(MethodView):
    @allow(SIGNED_IN, scope="self")
    @blp.arguments(LogoutSchema, required=False)
    @blp.response(204)
    @blp.doc(security=[{"bearer": []}])
    def post(self, body):
        """Revoke the access token (and the refresh token, when given)."""
        actor = current_actor()
        refresh_claims = None
        if body.get("refresh_token"):  # checked before anything is revoked: a refused logout changes nothing
            try:
                refresh_claims = decode_token(body["refresh_token"], allow_expired=True)
            except Exception:
                raise Unauthenticated("刷新令牌无效", code="token_invalid") from None
            if refresh_claims.get("type") != "refresh" or refresh_claims.get("sub") != str(actor.user_id):
                raise Forbidden("只能注销自己的刷新令牌")
        revoke_claims(actor.city_id, actor.user_id, get_jwt())
        if refresh_claims is not None:
            revoke_claims(actor.city_id, actor.user_id, refresh_claims)
        after_this_request(lambda response: unset_jwt_cookies(response) or response)


def revoke_claims(city_id: int, user_id: int, claims: dict) -> None:
    tokens.revoke(city_id, user_id, claims["jti"], datetime.fromtimestamp(claims["exp"], timezone.utc))


@blp.route("/me")
class Me(MethodView):
    @allow(SIGNED_IN, scope="self")
    @blp.response(200, UserSchema)
    @blp.doc(security=[{"bearer": []}])
    def get(self):
        """The signed-in account with its roles and their scopes."""
        actor = current_actor()
        return get_user(actor.city_id, actor.user_id)
