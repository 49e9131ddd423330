"""Sign-in (password, then TOTP enrolled on first sign-in), password change, sign-out."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from aupguard.console import auth
from aupguard.store import audit_repo
from aupguard.web.render import page
from aupguard.web.security import (
    PUBLIC,
    SESSION_COOKIE,
    SIGNED_IN,
    SIGNING_IN,
    client_address,
    current_session,
    guarded,
    set_cookie,
    signed_in,
    workspace,
)

router = APIRouter(include_in_schema=False)


def _to(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


@router.get("/", **guarded(PUBLIC))
def root(session: auth.Session | None = Depends(current_session)) -> Response:
    return _to("/home" if session and session.stage == "full" else "/sign-in")


@router.get("/sign-in", **guarded(PUBLIC))
def sign_in_form(request: Request) -> Response:
    return page(request, "sign_in.html", None)


@router.post("/sign-in", **guarded(PUBLIC))
def sign_in(request: Request, username: str = Form(...), password: str = Form(...)) -> Response:
    ws = workspace(request)
    try:
        token, _ = auth.sign_in_password(ws.engine, username.strip(), password, client_address(request))
    except auth.SignInError as exc:
        audit_repo.record(
            ws.engine,
            "sign_in.failed",
            target=f"user:{username[:100].replace(chr(0), '')}",
            actor="console:anonymous",
            address=client_address(request),
        )
        return page(request, "sign_in.html", None, status_code=401, error=str(exc), username=username)
    response = _to("/sign-in/second-factor")
    set_cookie(request, response, SESSION_COOKIE, token)
    return response


@router.get("/sign-in/second-factor", **guarded(SIGNING_IN))
def second_factor_form(request: Request, session: auth.Session = Depends(signed_in)) -> Response:
    return _second_factor_page(request, session)


def _second_factor_page(request: Request, session: auth.Session, error: str | None = None) -> Response:
    ws = workspace(request)
    qr = uri = secret = None
    if not session.user.totp_enrolled:
        uri = auth.provisioning_uri(ws.engine, session.user)
        qr = auth.qr_svg(uri)
        secret = auth.totp_secret_for(ws.engine, session.user.id)
    return page(
        request,
        "second_factor.html",
        session,
        status_code=401 if error else 200,
        qr=qr,
        uri=uri,
        secret=secret,
        error=error,
    )


@router.post("/sign-in/second-factor", **guarded(SIGNING_IN))
def second_factor(request: Request, code: str = Form(...), session: auth.Session = Depends(signed_in)) -> Response:
    ws = workspace(request)
    try:
        token, full = auth.verify_second_factor(ws.engine, session, code, client_address(request))
    except auth.SignInError as exc:
        return _second_factor_page(request, session, str(exc))
    audit_repo.record(
        ws.engine,
        "sign_in",
        target=f"user:{full.user.username}",
        actor=full.user.actor,
        address=client_address(request),
        enrolled=not session.user.totp_enrolled,
    )
    response = _to("/password" if full.user.must_change_password else "/home")
    set_cookie(request, response, SESSION_COOKIE, token)
    return response


@router.get("/password", **guarded(SIGNED_IN))
def password_form(request: Request, session: auth.Session = Depends(signed_in)) -> Response:
    return page(request, "password.html", session)


@router.post("/password", **guarded(SIGNED_IN))
def change_password(
    request: Request, new_password: str = Form(...), repeat: str = Form(...), session: auth.Session = Depends(signed_in)
) -> Response:
    ws = workspace(request)
    if new_password != repeat:
        return page(request, "password.html", session, status_code=400, error="the two passwords differ")
    try:
        auth.set_password(ws.engine, session.user.id, new_password)
    except auth.SignInError as exc:
        return page(request, "password.html", session, status_code=400, error=str(exc))
    audit_repo.record(ws.engine, "password.change", target=f"user:{session.user.username}", actor=session.user.actor)
    return _to("/home")


@router.post("/sign-out", **guarded(SIGNED_IN))
def sign_out(request: Request, session: auth.Session = Depends(signed_in)) -> Response:
    auth.sign_out(workspace(request).engine, session)
    response = _to("/sign-in")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
