"""The review console over HTTP: FastAPI, server-rendered Jinja2 pages, htmx, a JSON API."""

from aupguard.web.app import create_app

__all__ = ["create_app"]
