"""Sign-in bodies and the token answer."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from gridapp.authz import Role
from gridapp.privacy import mask_phone
from mobile_api.schemas.common import JsonBoolean, computed


class CityField(fields.String):
    def __init__(self, **kwargs):
        super().__init__(required=True, validate=validate.Length(min=1, max=32), metadata={"description": "City code, e.g. ordos"}, **kwargs)


def cookie_flag() -> fields.Boolean:
    return JsonBoolean(
        load_default=False,
        metadata={"description": "H5 pages: also keep the session in HttpOnly cookies (with a CSRF cookie)"},
    )


def wechat_code_field() -> fields.String:
    return fields.String(
        validate=validate.Length(min=1, max=128),
        metadata={"description": "Optional wx.login() code: binds this WeChat account to the account signing in"},
    )


class PasswordSchema(Schema):
    city = CityField()
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=256))


TOTP_CODE = validate.Regexp(r"^\d{6}$", error="请输入 6 位动态验证码")


class PasswordLoginSchema(PasswordSchema):
    totp = fields.String(
        load_default=None, validate=TOTP_CODE,
        metadata={"description": "the authenticator app's code, when the account has a second factor"},
    )
    cookie = cookie_flag()
    wechat_code = wechat_code_field()


class PasswordChangeSchema(PasswordLoginSchema):
    new_password = fields.String(
        required=True, load_only=True, validate=validate.Length(min=8, max=256),
        metadata={"description": "at least 8 characters, not the current password"},
    )


class PhoneSchema(Schema):
    city = CityField()
    phone = fields.String(required=True, validate=validate.Length(min=11, max=20))


class CodeRequestSchema(PhoneSchema):
    agreed = JsonBoolean(
        required=True,
        metadata={"description": "The person agreed to the user agreement (/h5/terms) and privacy policy (/h5/privacy); "
                  "false is refused with 422 consent_required"},
    )  # fmt: skip


class CodeSentSchema(Schema):
    expires_in = fields.Integer(required=True, metadata={"description": "Seconds the code stays valid"})


class CodeLoginSchema(PhoneSchema):
    code = fields.String(required=True, validate=validate.Regexp(r"^\d{6}$", error="验证码为 6 位数字"))
    cookie = cookie_flag()
    wechat_code = wechat_code_field()


class WeChatLoginSchema(Schema):
    city = CityField()
    code = fields.String(required=True, validate=validate.Length(min=1, max=128), metadata={"description": "wx.login() code"})


class LogoutSchema(Schema):
    refresh_token = fields.String(metadata={"description": "Also revoke this refresh token"})


class GrantSchema(Schema):
    role = fields.String(required=True)
    role_label = fields.String(required=True)
    region_id = fields.Integer(allow_none=True)
    region_name = fields.String(allow_none=True)
    department_id = fields.Integer(allow_none=True)
    department_name = fields.String(allow_none=True)
    title = fields.String(allow_none=True)


def _grants(user) -> list[dict]:
    return [
        {
            "role": g.role,
            "role_label": Role(g.role).label,
            "region_id": g.region_id,
            "region_name": g.region.name if g.region else None,
            "department_id": g.department_id,
            "department_name": g.department.name if g.department else None,
            "title": g.title,
        }
        for g in user.grants
    ]


class UserSchema(Schema):
    id = fields.Integer(required=True)
    city_id = fields.Integer(required=True)
    display_name = fields.String(required=True)
    username = fields.String(allow_none=True)
    phone = computed(fields.String, lambda user: mask_phone(user.phone), allow_none=True, metadata={"description": "Masked"})
    wechat_bound = computed(fields.Boolean, lambda user: bool(user.wechat_openid))
    grants = computed(fields.List, _grants, fields.Nested(GrantSchema), metadata={"description": "Roles with their scopes"})


class TokenSchema(Schema):
    access_token = fields.String(required=True)
    refresh_token = fields.String()
    token_type = fields.String(required=True, dump_default="Bearer")
    expires_in = fields.Integer(required=True)
    user = fields.Nested(UserSchema)



class AccountDeletionSchema(Schema):
    confirm = JsonBoolean(
        required=True, validate=validate.Equal(True, error="请确认注销账号"),
        metadata={"description": "true: the account, its personal data and every session end for good"},
    )


class TotpSetupSchema(Schema):
    secret = fields.String(required=True)
    otpauth_uri = fields.String(required=True, metadata={"description": "for the authenticator app's QR scanner"})


class TotpCodeSchema(Schema):
    totp = fields.String(required=True, validate=TOTP_CODE)


class SecondFactorPolicySchema(Schema):
    require_admin_totp = JsonBoolean(required=True)
