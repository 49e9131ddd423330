"""Session cookie, CSRF tokens and the capability guard that every route declares.

Every route states what it needs with `guarded(cap)`: the capability travels in the route's
OpenAPI extras (`x-aupguard-capability`) so the authorization test can walk all routes, and
the dependency enforces it. Unsafe methods also check the CSRF token (form field `csrf_token`
or header `X-CSRF-Token`) against the session's.
"""

from __future__ import annotations

import ipaddress
import secrets
from typing import Annotated, Any

from fastapi import Depends, Path, Request, Response

from aupguard.console import auth
from aupguard.console.roles import Capability, allowed
from aupguard.workspace import Workspace

# A row id in a URL: the range of an SQL INTEGER key (PostgreSQL refuses larger numbers).
RowId = Annotated[int, Path(ge=1, le=2_147_483_647)]

SESSION_COOKIE = "aupguard_session"
PRE_COOKIE = "aupguard_pre"  # CSRF token before sign-in (double-submit cookie)
PUBLIC = "public"
SIGNING_IN = "signing_in"  # the half session between password and second factor
SIGNED_IN = "signed_in"  # any full session (password change, sign-out)
CAP_KEY = "x-aupguard-capability"


class NeedSignIn(Exception):
    pass


class Forbidden(Exception):
    pass


class BadCsrf(Exception):
    pass


class MustChangePassword(Exception):
    pass


def workspace(request: Request) -> Workspace:
    ws: Workspace = request.app.state.workspace
    return ws


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def is_loopback_http(request: Request) -> bool:
    if request.url.scheme != "http":
        return False
    host = request.url.hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def set_cookie(request: Request, response: Response, name: str, value: str, max_age: int | None = None) -> None:
    """HttpOnly, SameSite=Lax, and Secure unless the console runs on plain http on loopback."""
    response.set_cookie(
        name, value, max_age=max_age, httponly=True, samesite="lax", secure=not is_loopback_http(request), path="/"
    )


def pre_token(request: Request, response: Response | None = None) -> str:
    token = request.cookies.get(PRE_COOKIE)
    if not token:
        token = secrets.token_urlsafe(24)
        request.state.new_pre_token = token
    return token


async def _submitted_token(request: Request) -> str:
    header = request.headers.get("x-csrf-token")
    if header:
        return header
    ctype = request.headers.get("content-type", "")
    if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get("csrf_token")
        return value if isinstance(value, str) else ""
    return ""


async def _check_csrf(request: Request, expected: str) -> None:
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    submitted = await _submitted_token(request)
    if not submitted or not secrets.compare_digest(submitted, expected):
        raise BadCsrf()


async def current_session(request: Request) -> auth.Session | None:
    ws = workspace(request)
    return auth.session_for(ws.engine, request.cookies.get(SESSION_COOKIE))


def guarded(capability: Capability | str) -> dict[str, Any]:
    """Keyword arguments for a route decorator: the capability it needs, enforced and recorded."""
    cap = capability.value if isinstance(capability, Capability) else capability

    async def guard(request: Request, session: auth.Session | None = Depends(current_session)) -> None:
        if cap == PUBLIC:
            await _check_csrf(request, request.cookies.get(PRE_COOKIE) or "")
            return
        if session is None:
            raise NeedSignIn()
        if cap == SIGNING_IN:
            if session.stage != "password":
                raise Forbidden()
            await _check_csrf(request, session.csrf_token)
            return
        if session.stage != "full":
            raise NeedSignIn()
        await _check_csrf(request, session.csrf_token)
        if cap == SIGNED_IN:
            return
        if session.user.must_change_password:
            raise MustChangePassword()
        if not allowed(session.user.role.value, Capability(cap)):
            raise Forbidden()

    return {"dependencies": [Depends(guard)], "openapi_extra": {CAP_KEY: cap}}


async def signed_in(session: auth.Session | None = Depends(current_session)) -> auth.Session:
    """The session of a guarded route (the guard has already refused anything else)."""
    if session is None:
        raise NeedSignIn()
    return session
