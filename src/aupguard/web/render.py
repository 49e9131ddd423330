"""Rendering pages: the Jinja2 environment, the navigation and the common page context."""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from aupguard.console.auth import Session
from aupguard.console.roles import Capability, allowed

templates = Jinja2Templates(directory=str(files("aupguard.web") / "templates"))


@dataclass(frozen=True)
class NavItem:
    label: str
    href: str
    capability: Capability


# The console's sections in menu order. Later sections (records requests, security posture)
# add themselves with `add_nav` from their own module (see aupguard.web.app.EXTENSIONS).
NAV: list[NavItem] = [
    NavItem("My page", "/home", Capability.SELF_SERVICE),
    NavItem("Check a draft", "/draft", Capability.SELF_SERVICE),
    NavItem("Permissions", "/permissions", Capability.SELF_SERVICE),
    NavItem("Review queue", "/queue", Capability.QUEUE),
    NavItem("Approvals", "/approvals", Capability.APPROVE_PERMISSIONS),
    NavItem("Dashboard", "/dashboard", Capability.DASHBOARD),
    NavItem("Access list", "/access", Capability.ACCESS_EXPORT),
    NavItem("BOEE reminders", "/boee", Capability.BOEE_REMINDERS),
    NavItem("Security reports", "/security-reports", Capability.SECURITY_REPORTS),
    NavItem("Audit log", "/audit", Capability.AUDIT_LOG),
    NavItem("Users", "/users", Capability.MANAGE_USERS),
]


def add_nav(item: NavItem, before: str | None = None) -> None:
    if any(n.href == item.href for n in NAV):
        return
    index = next((i for i, n in enumerate(NAV) if n.href == before), len(NAV))
    NAV.insert(index, item)


def nav_for(session: Session | None) -> list[NavItem]:
    if session is None or session.stage != "full" or session.user.must_change_password:
        return []
    return [n for n in NAV if allowed(session.user.role.value, n.capability)]


def page(request: Request, template: str, session: Session | None, status_code: int = 200, **ctx: Any) -> HTMLResponse:
    from aupguard.web.security import pre_token

    csrf = session.csrf_token if session is not None else pre_token(request)
    context = {
        "request": request,
        "session": session,
        "user": session.user if session else None,
        "csrf": csrf,
        "nav": nav_for(session),
        "path": request.url.path,
        **ctx,
    }
    response = templates.TemplateResponse(request, template, context, status_code=status_code)
    new_pre = getattr(request.state, "new_pre_token", None)
    if new_pre:
        from aupguard.web.security import PRE_COOKIE, set_cookie

        set_cookie(request, response, PRE_COOKIE, new_pre)
    return response
