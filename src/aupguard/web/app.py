"""The console's application factory: `create_app(workspace)` for uvicorn and for tests."""

from __future__ import annotations

import importlib
import importlib.util
from importlib.resources import files
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from aupguard.web import routes_api, routes_auth, routes_review, routes_self
from aupguard.web.render import page
from aupguard.web.security import BadCsrf, Forbidden, MustChangePassword, NeedSignIn
from aupguard.workspace import Workspace

# Sections added by later capabilities. Each is a module with `router` (an APIRouter whose routes
# use aupguard.web.security.guarded) and optionally `NAV` (aupguard.web.render.NavItem list); it is
# included when the module exists. Records requests and security posture go here.
EXTENSIONS = ("aupguard.web.records", "aupguard.web.posture", "aupguard.web.quarantine")

HTMX = "htmx-2.0.10.min.js"

_SECURITY_HEADERS = {
    # Everything is served from here: no inline scripts, no third-party origins.
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; "
    "script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def create_app(ws: Workspace) -> FastAPI:
    app = FastAPI(
        title="aupguard review console",
        description="Findings, cases, permissions and self-service for policy 401.13. "
        "Authenticate through the sign-in pages; the session cookie then authorizes these calls, and "
        "unsafe methods need the session's CSRF token (GET /api/me) in the X-CSRF-Token header.",
        version="1",
        docs_url="/api/docs",
        redoc_url=None,
    )
    app.state.workspace = ws
    app.mount("/static", StaticFiles(directory=str(files("aupguard.web") / "static")), name="static")
    routers = [routes_auth.router, routes_self.router, routes_review.router, routes_api.router]
    for name in EXTENSIONS:
        if importlib.util.find_spec(name) is not None:
            module = importlib.import_module(name)
            routers.append(module.router)
            from aupguard.web.render import add_nav

            for item in getattr(module, "NAV", []):
                add_nav(item)
    for router in routers:
        app.include_router(router)
    # Every route of the console, for the authorization test's walk.
    app.state.console_routes = [r for router in routers for r in router.routes if isinstance(r, APIRoute)]

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        for k, v in _SECURITY_HEADERS.items():
            response.headers.setdefault(k, v)
        return response

    @app.exception_handler(NeedSignIn)
    async def need_sign_in(request: Request, exc: NeedSignIn) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": "sign in first"}, status_code=401)
        return RedirectResponse("/sign-in", status_code=303)

    @app.exception_handler(MustChangePassword)
    async def must_change(request: Request, exc: MustChangePassword) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": "choose your own password first (/password)"}, status_code=403)
        return RedirectResponse("/password", status_code=303)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": "your role does not allow this"}, status_code=403)
        return page(request, "message.html", None, status_code=403, error="Your role does not allow this page.")

    @app.exception_handler(BadCsrf)
    async def bad_csrf(request: Request, exc: BadCsrf) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": "missing or wrong CSRF token"}, status_code=403)
        return page(
            request,
            "message.html",
            None,
            status_code=403,
            error="The form had expired or did not come from this console. Reload the page and try again.",
        )

    @app.exception_handler(routes_api.ApiError)
    async def api_error(request: Request, exc: routes_api.ApiError) -> Response:
        return JSONResponse({"detail": exc.message}, status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": jsonable_encoder(exc.errors())}, status_code=422)
        return page(request, "message.html", None, status_code=422, error="Some fields were missing or not valid.")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if _wants_json(request) or request.url.path.startswith("/static/"):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)
        return page(request, "message.html", None, status_code=exc.status_code, error=str(exc.detail))

    return app
