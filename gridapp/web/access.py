"""Deny-by-default access control for every route, declared in one place per route.

Each view (or MethodView method) carries a Policy: the Permission of the service rule it
reaches (whose roles may call it; the service checks with the same object) and which scope
rule that service applies. A before_request hook looks the policy up for the
matched endpoint; an endpoint without one answers 403, so a forgotten declaration
fails closed. `route_policies(app)` lists every rule with its policy so tests can
prove the table is complete and that every other role is refused.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

from flask import Flask, current_app, g, request
from flask_jwt_extended import get_jwt, verify_jwt_in_request
from flask_jwt_extended.exceptions import JWTExtendedException, RevokedTokenError
from jwt import ExpiredSignatureError, PyJWTError

from gridapp.authz import Actor, Permission
from gridapp.errors import Forbidden, Unauthenticated
from gridapp.services.accounts.users import load_actor


@dataclass(frozen=True)
class Policy:
    """`permission` None means anyone, signed in or not. `scope` names the rule the service applies."""

    permission: Permission | None
    scope: str
    token: str = "access"

    @property
    def public(self) -> bool:
        return self.permission is None

    @property
    def roles(self) -> frozenset | None:
        return None if self.permission is None else self.permission.roles


_ATTR = "__gridapp_policy__"
_ENDPOINT_POLICIES: dict[str, Policy] = {}


def public(scope: str = "public") -> Callable:
    """Anyone may call; a valid token, when sent, still identifies the caller."""
    return _mark(Policy(None, scope))


def own_credential(scope: str) -> Callable:
    """Open to the network, but the view checks a credential of its own (a scraper's token), not a user's JWT."""
    return _mark(Policy(None, scope, token="own"))


def allow(permission: Permission, *, scope: str, token: str = "access") -> Callable:
    """Only callers holding one of the permission's roles; `scope` documents the check the service makes."""
    if not isinstance(permission, Permission) or not permission.roles:
        raise ValueError("allow() needs a service's Permission; use public() for open routes")
    return _mark(Policy(permission, scope, token))


def _mark(policy: Policy) -> Callable:
    def decorate(fn):
        setattr(fn, _ATTR, policy)
        return fn

    return decorate


def declare_endpoint(endpoint: str, policy: Policy) -> None:
    """For endpoints whose view functions are not ours (static files, the API docs)."""
    _ENDPOINT_POLICIES[endpoint] = policy


def policy_for(app: Flask, endpoint: str, method: str) -> Policy | None:
    if endpoint in _ENDPOINT_POLICIES:
        return _ENDPOINT_POLICIES[endpoint]
    view = app.view_functions.get(endpoint)
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        handler = getattr(view_class, method.lower(), None)
        if handler is None and method == "HEAD":
            handler = getattr(view_class, "get", None)
        return getattr(handler, _ATTR, None)
    return getattr(view, _ATTR, None)


def route_policies(app: Flask) -> Iterable[tuple[str, str, str, Policy | None]]:
    """(rule, method, endpoint, policy) for every routable method of the app."""
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            yield rule.rule, method, rule.endpoint, policy_for(app, rule.endpoint, method)


def current_actor() -> Actor | None:
    return g.get("actor")


def _authenticate(policy: Policy) -> Actor | None:
    if policy.token == "own":
        return None
    if policy.public and not _carries_credentials():
        return None  # most scans: nobody to look up, and the hot path's cost is mostly this check
    try:
        verify_jwt_in_request(optional=policy.public, refresh=policy.token == "refresh")
    except (JWTExtendedException, PyJWTError) as exc:
        if policy.public and "Authorization" not in request.headers:
            # A stale session cookie on an open page (a scan, the login page) means "anonymous",
            # not an error: the page still works and offers to sign in again.
            return None
        if isinstance(exc, ExpiredSignatureError):
            raise Unauthenticated("登录已过期，请重新登录", code="token_expired") from None
        if isinstance(exc, RevokedTokenError):
            raise Unauthenticated("您已退出登录，请重新登录", code="token_revoked") from None
        raise Unauthenticated("登录凭证无效，请重新登录", code="token_invalid", details={"reason": str(exc)}) from None
    claims = get_jwt()
    if not claims:
        return None
    return load_actor(int(claims["city"]), int(claims["sub"]))


def _carries_credentials() -> bool:
    environ, config = request.environ, current_app.config
    if "HTTP_AUTHORIZATION" in environ:
        return True
    return "HTTP_COOKIE" in environ and any(
        name in request.cookies for name in (config["JWT_ACCESS_COOKIE_NAME"], config["JWT_REFRESH_COOKIE_NAME"])
    )


def enforce() -> None:
    if request.routing_exception is not None or request.endpoint is None:
        return  # 404 / 405 are answered by routing itself
    policy = policy_for(current_app, request.endpoint, request.method)
    if policy is None:
        raise Forbidden("该接口未声明访问策略，已拒绝", code="no_policy")
    actor = _authenticate(policy)
    g.actor = actor
    if policy.public:
        return
    if not actor.roles & policy.roles:
        raise Forbidden("您的角色无权访问此接口", details={"allowed_roles": sorted(r.value for r in policy.roles)})


def init_app(app: Flask) -> None:
    app.before_request(enforce)
    declare_endpoint("static", Policy(None, "public"))
