"""One JSON error body for every 4xx and 5xx: {"code", "message", "details"}.

`code` is a stable English slug for programs, `message` is Chinese for people,
`details` carries field errors or context. Domain errors, HTTP errors raised by Flask
or Werkzeug (404, 405, 413 …), validation errors from the API layer and unexpected
crashes all come out in this shape.
"""
from __future__ import annotations

import logging
from typing import Callable
from urllib.parse import quote

from flask import Flask, jsonify, redirect, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

from gridapp.errors import DomainError

# Blueprints whose pages people open in a browser: their errors are pages, not JSON.
HTML_BLUEPRINTS: set[str] = set()
# Where a page's blueprint sends people who must sign in (default: the H5 sign-in page).
LOGIN_PAGES: dict[str, str] = {}
# URL prefixes that speak another standard's error format (Open311): prefix → render(status, code,
# message, details, headers) -> response. Matched by path, so unknown routes under them answer too.
PREFIX_RENDERERS: dict[str, Callable] = {}

log = logging.getLogger(__name__)

HTTP_ERRORS = {
    400: ("bad_request", "请求格式不正确"),
    401: ("unauthenticated", "请先登录"),
    403: ("forbidden", "您没有权限执行此操作"),
    404: ("not_found", "请求的资源不存在"),
    405: ("method_not_allowed", "不支持该请求方法"),
    409: ("conflict", "请求与当前状态冲突"),
    410: ("gone", "该资源已失效"),
    413: ("payload_too_large", "上传内容过大"),
    415: ("unsupported_media_type", "不支持的内容类型"),
    422: ("validation_failed", "提交的数据未通过校验"),
    429: ("rate_limited", "请求过于频繁，请稍后再试"),
    500: ("internal_error", "服务器内部错误，请稍后再试"),
    502: ("upstream_unavailable", "外部服务暂时不可用"),
    503: ("service_unavailable", "服务暂时不可用"),
}


def error_response(status: int, code: str, message: str, details=None, headers=None):
    for prefix, render in PREFIX_RENDERERS.items():
        if request and request.path.startswith(prefix):
            return render(status, code, message, details, headers or {})
    if request and (request.blueprint in HTML_BLUEPRINTS or (request.blueprint is None and request.path.startswith("/h5/"))):
        if status == 401:
            return redirect(f"{LOGIN_PAGES.get(request.blueprint, '/h5/login')}?next={quote(request.full_path.rstrip('?'))}")
        response = render_template("h5/error.html", status=status, code=code, message=message), status
        return response
    response = jsonify({"code": code, "message": message, "details": _named(details)})
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _named(details):
    """Field errors keyed as JSON can key them: a form field may arrive without a name (None) or named by a number."""
    if isinstance(details, dict):
        return {str(key): _named(value) for key, value in details.items()}
    if isinstance(details, list):
        return [_named(value) for value in details]
    return details


def http_error_response(exc: HTTPException):
    status = exc.code or 500
    code, message = HTTP_ERRORS.get(status, ("http_error", exc.name))
    data = getattr(exc, "data", None) or {}
    details = data.get("messages") or data.get("details")
    if status == 400 and details is None and exc.description and exc.description != type(exc).description:
        details = {"reason": exc.description}
    headers = {}
    if status == 405 and hasattr(exc, "valid_methods") and exc.valid_methods:
        headers["Allow"] = ", ".join(exc.valid_methods)
    if status == 429:
        retry_after = getattr(exc, "retry_after", None)
        if retry_after:
            headers["Retry-After"] = str(retry_after)
    return error_response(status, code, message, details, headers)


def domain_error_response(exc: DomainError):
    return error_response(exc.status, exc.code, exc.message, exc.details)


def init_app(app: Flask) -> None:
    app.register_error_handler(DomainError, domain_error_response)
    app.register_error_handler(HTTPException, http_error_response)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        if isinstance(exc, HTTPException):
            return http_error_response(exc)
        log.exception("unhandled error")
        return http_error_response(InternalServerError())
