"""Sign-in for staff (password), residents (SMS code) and the mini-program (WeChat)."""
from __future__ import annotations

import functools
from datetime import datetime, timezone

from flask import after_this_request, current_app, request
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
from gridapp.services.accounts import erasure, login_codes, passwords, second_factor, throttle
from gridapp.services.accounts import revocations as tokens
from gridapp.services.accounts import wechat as wechat_login
from gridapp.services.accounts.users import get_user
from gridapp.web.access import allow, current_actor, public
from mobile_api.blueprint import ApiBlueprint
from mobile_api.schemas.auth import (
    AccountDeletionSchema,
    CodeLoginSchema,
    CodeRequestSchema,
    CodeSentSchema,
    LogoutSchema,
    PasswordChangeSchema,
    PasswordLoginSchema,
    PasswordSchema,
    SecondFactorPolicySchema,
    TokenSchema,
    TotpCodeSchema,
    TotpSetupSchema,
    UserSchema,
    WeChatLoginSchema,
)
from mobile_api.schemas.common import ErrorSchema

blp = ApiBlueprint("auth", __name__, url_prefix="/api/v1", description="登录与会话")
LOCKED = "account_locked: too many wrong passwords; details.locked_until and details.retry_after say when it ends"
PASSWORD_CHANGE_REQUIRED = "password_change_required: an admin set the password; change it with POST /auth/password"


def issue_tokens(user) -> dict:
    claims = tokens.claims(user.city_id, user.token_generation)
    return {
        "access_token": create_access_token(identity=str(user.id), additional_claims=claims),
        "refresh_token": create_refresh_token(identity=str(user.id), additional_claims=claims),
        "token_type": "Bearer",
        "expires_in": current_app.config["JWT_ACCESS_TOKEN_EXPIRES_SECONDS"],
        "user": user,
    }


def throttled(budget: throttle.Budget):
    """Count the caller's address against one of the budgets that protect accounts, shared by every worker."""

    def decorate(view):
        @functools.wraps(view)
        def counted(self, body):
            throttle.spend(body["city"], budget, request.remote_addr or "")
            return view(self, body)

        return counted

    return decorate


def keep_in_cookies(issued: dict) -> None:
    """H5 and dashboard pages: the answer also sets the session cookies (and their CSRF cookies)."""

    @after_this_request
    def set_cookies(response):
        keep_access_cookie(response, issued["access_token"])
        refresh_lifetime = current_app.config["JWT_REFRESH_TOKEN_EXPIRES_SECONDS"]
        set_refresh_cookies(response, issued["refresh_token"], max_age=refresh_lifetime)
        return response


def signed_in(user, cookie: bool) -> dict:
    """The tokens of a sign-in, also kept in cookies when the page asked for that."""
    issued = issue_tokens(user)
    if cookie:
        keep_in_cookies(issued)
    return issued


def keep_access_cookie(response, access_token: str):
    """A cookie lives as long as the token in it, not for the years a persistent cookie defaults to."""
    set_access_cookies(response, access_token, max_age=current_app.config["JWT_ACCESS_TOKEN_EXPIRES_SECONDS"])
    return response


@blp.route("/auth/login")
class PasswordLogin(MethodView):
    @public()
    @blp.arguments(PasswordLoginSchema)
    @blp.response(200, TokenSchema)
    @blp.alt_response(403, schema=ErrorSchema, description=PASSWORD_CHANGE_REQUIRED)
    @blp.alt_response(423, schema=ErrorSchema, description=LOCKED)
    @throttled(throttle.PASSWORD_SIGN_IN)
    def post(self, body):
        """Staff sign-in with username and password; from the mini-program, `wechat_code` also binds the WeChat
        account for `POST /auth/wechat` afterwards."""
        user = wechat_login.signed_in_binding(
            body.get("wechat_code"), lambda: passwords.sign_in(body["city"], body["username"], body["password"], body["totp"])
        )
        return signed_in(user, body["cookie"])


@blp.route("/auth/password")
class PasswordChange(MethodView):
    @public()
    @blp.arguments(PasswordChangeSchema)
    @blp.response(200, TokenSchema)
    @blp.alt_response(401, schema=ErrorSchema, description="wrong current password (or second-factor code)")
    @blp.alt_response(423, schema=ErrorSchema, description=LOCKED)
    @blp.doc(operationId="changePassword")
    @throttled(throttle.PASSWORD_SIGN_IN)
    def post(self, body):
        """Staff choose a new password with their current one and are signed in; the only way in after an
        admin set or reset the password (the sign-in answers 403 `password_change_required` until then)."""
        user = wechat_login.signed_in_binding(
            body.get("wechat_code"),
            lambda: passwords.change_password(body["city"], body["username"], body["password"], body["new_password"], body["totp"]),
        )
        return signed_in(user, body["cookie"])


@blp.route("/auth/totp/setup")
class SecondFactorSetup(MethodView):
    @public()
    @blp.arguments(PasswordSchema)
    @blp.response(200, TotpSetupSchema)
    @throttled(throttle.PASSWORD_SIGN_IN)
    def post(self, body):
        """Staff set up a second factor with their password; the first sign-in with a code turns it on."""
        return passwords.begin_second_factor(body["city"], body["username"], body["password"])


@blp.route("/me/totp")
class SecondFactor(MethodView):
    @allow(second_factor.HOLDERS, scope="self")
    @blp.arguments(TotpCodeSchema)
    @blp.response(204)
    @blp.doc(security=[{"bearer": []}])
    def delete(self, body):
        """Turn the second factor off, with a current code (not where the city requires it)."""
        second_factor.turn_off(current_actor(), body["totp"])


@blp.route("/city/second-factor")
class SecondFactorPolicy(MethodView):
    @allow(second_factor.POLICY, scope="city")
    @blp.arguments(SecondFactorPolicySchema)
    @blp.response(200, SecondFactorPolicySchema)
    @blp.doc(security=[{"bearer": []}])
    def put(self, body):
        """Require (or stop requiring) a second factor of every admin's password sign-in in this city."""
        return second_factor.set_policy(current_actor(), body["require_admin_totp"])


@blp.route("/auth/code")
class LoginCode(MethodView):
    @public()
    @blp.arguments(CodeRequestSchema)
    @blp.response(202, CodeSentSchema)
    @throttled(throttle.CODE_REQUEST)
    def post(self, body):
        """Send a one-time login code to a resident's phone by SMS, once they agreed to the user agreement and privacy policy."""
        return {"expires_in": login_codes.request_login_code(body["city"], body["phone"], body["agreed"])}


@blp.route("/auth/code/verify")
class CodeLogin(MethodView):
    @public()
    @blp.arguments(CodeLoginSchema)
    @blp.response(200, TokenSchema)
    @throttled(throttle.CODE_SIGN_IN)
    def post(self, body):
        """Resident sign-in with phone and code; the first sign-in creates the resident account."""
        user = wechat_login.signed_in_binding(
            body.get("wechat_code"), lambda: login_codes.verify_login_code(body["city"], body["phone"], body["code"])
        )
        return signed_in(user, body["cookie"])


@blp.route("/auth/wechat")
class WeChatLogin(MethodView):
    @public()
    @blp.arguments(WeChatLoginSchema)
    @blp.response(200, TokenSchema)
    @blp.alt_response(401, schema=ErrorSchema, description="wechat_not_bound, wechat_code_invalid, or totp_required: "
                      "an account with a second factor signs in with its password")
    @blp.alt_response(403, schema=ErrorSchema, description=PASSWORD_CHANGE_REQUIRED)
    @blp.alt_response(423, schema=ErrorSchema, description=LOCKED)
    @throttled(throttle.WECHAT_SIGN_IN)
    def post(self, body):
        """Mini-program sign-in with a wx.login() code, for a WeChat account already bound (residents bind it with
        the SMS-code sign-in, staff with the password sign-in)."""
        return issue_tokens(wechat_login.login_with_wechat(body["city"], body["code"]))


@blp.route("/me/wechat")
class WeChatBinding(MethodView):
    @allow(wechat_login.HOLDERS, scope="self")
    @blp.response(200, UserSchema)
    @blp.doc(operationId="unbindWeChat", security=[{"bearer": []}])
    def delete(self):
        """Unbind the WeChat account from one's own account: no more WeChat sign-in or subscribe messages."""
        return wechat_login.unbind_wechat(current_actor())


@blp.route("/auth/refresh")
class Refresh(MethodView):
    @allow(SIGNED_IN, scope="self", token="refresh")
    @blp.response(200, TokenSchema)
    @blp.doc(security=[{"bearer": []}])
    def post(self):
        """A new access token for a valid refresh token (sent as the Bearer token)."""
        actor = current_actor()
        claims = tokens.claims(actor.city_id, get_jwt().get("gen", 0))
        access_token = create_access_token(identity=str(actor.user_id), additional_claims=claims)
        if get_jwt_request_location() == "cookies":  # an H5 page renewing its session
            after_this_request(lambda response: keep_access_cookie(response, access_token))
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


@blp.route("/auth/logout-everywhere")
class LogoutEverywhere(MethodView):
    @allow(SIGNED_IN, scope="self")
    @blp.response(204)
    @blp.doc(security=[{"bearer": []}])
    def post(self):
        """Sign out everywhere: every access and refresh token of the account stops working, this one too."""
        actor = current_actor()
        tokens.revoke_all(actor.city_id, actor.user_id)
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

    @allow(erasure.SELF_DELETION, scope="self")
    @blp.arguments(AccountDeletionSchema)
    @blp.response(204)
    @blp.doc(security=[{"bearer": []}])
    def delete(self, body):
        """A resident deletes their account: reports stay, anonymous; personal data goes; every session ends."""
        erasure.delete_my_account(current_actor())
        after_this_request(lambda response: unset_jwt_cookies(response) or response)
