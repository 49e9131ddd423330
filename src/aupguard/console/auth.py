"""Users, passwords (argon2), TOTP second factor (RFC 6238), sessions and the sign-in rate limit.

Sign-in is two steps: the password opens a half session (stage "password") that can do nothing
but enrol or check the second factor; the TOTP code turns it into a full session. A session's
token is random and only its SHA-256 is stored.
"""

from __future__ import annotations

import hashlib
import io
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pyotp
import segno
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, delete, func, select

from aupguard.console.roles import Role
from aupguard.store.console_tables import console_sessions, console_users, sign_in_attempts
from aupguard.store.tables import aware

SESSION_IDLE = timedelta(minutes=30)  # idle time before a session ends
SESSION_MAX = timedelta(hours=10)  # a working day, whatever the activity
HALF_SESSION = timedelta(minutes=10)  # between the password and the second factor
RATE_WINDOW = timedelta(minutes=15)
RATE_LIMIT = 5  # failed sign-ins per user name within the window
# Per client address: higher, because a building's staff often share one address behind NAT.
ADDRESS_RATE_LIMIT = 50
ISSUER = "aupguard"

_hasher = PasswordHasher()


class SignInError(Exception):
    """Wrong password or code, or too many attempts (the message is safe to show)."""


@dataclass(frozen=True)
class User:
    id: int
    username: str
    person_id: str | None
    role: Role
    building_ids: tuple[str, ...]
    must_change_password: bool
    totp_enrolled: bool
    active: bool

    @classmethod
    def from_row(cls, r: Any) -> User:
        return cls(
            r.id,
            r.username,
            r.person_id,
            Role(r.role),
            tuple(r.building_ids or ()),
            bool(r.must_change_password),
            bool(r.totp_enrolled),
            bool(r.active),
        )

    @property
    def actor(self) -> str:
        """How the audit log names this user."""
        return f"console:{self.username}"


@dataclass(frozen=True)
class Session:
    token_hash: str
    user: User
    stage: str  # "password" | "full"
    csrf_token: str
    expires_at: datetime
    created_at: datetime


def _now() -> datetime:
    return datetime.now(UTC)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def one_time_password() -> str:
    """A password to hand out once; the user must choose their own at first sign-in."""
    return secrets.token_urlsafe(12)


# --------------------------------------------------------------------------- users


def create_user(
    engine: Engine,
    username: str,
    role: Role | str,
    password: str,
    person_id: str | None = None,
    building_ids: list[str] | None = None,
    *,
    must_change_password: bool = True,
) -> User:
    with engine.begin() as conn:
        uid = conn.execute(
            console_users.insert()
            .values(
                username=username,
                person_id=person_id,
                role=Role(role).value,
                building_ids=list(building_ids or []),
                password_hash=_hasher.hash(password),
                must_change_password=must_change_password,
                totp_secret=None,
                totp_enrolled=False,
                last_totp_step=None,
                active=True,
                created_at=_now(),
            )
            .returning(console_users.c.id)
        ).scalar_one()
    user = get_user(engine, int(uid))
    assert user is not None
    return user


def get_user(engine: Engine, user_id: int) -> User | None:
    with engine.connect() as conn:
        row = conn.execute(select(console_users).where(console_users.c.id == user_id)).first()
    return User.from_row(row) if row else None


def find_user(engine: Engine, username: str) -> User | None:
    with engine.connect() as conn:
        row = conn.execute(select(console_users).where(console_users.c.username == username)).first()
    return User.from_row(row) if row else None


def all_users(engine: Engine) -> list[User]:
    with engine.connect() as conn:
        return [User.from_row(r) for r in conn.execute(select(console_users).order_by(console_users.c.username))]


def reset_user(engine: Engine, username: str, *, keep_totp: bool = False) -> str:
    """Give a user a new one-time password (and a new second factor unless kept); returns it."""
    password = one_time_password()
    values: dict[str, Any] = {"password_hash": _hasher.hash(password), "must_change_password": True}
    if not keep_totp:
        values |= {"totp_secret": None, "totp_enrolled": False, "last_totp_step": None}
    with engine.begin() as conn:
        n = conn.execute(console_users.update().where(console_users.c.username == username).values(**values)).rowcount
        conn.execute(
            delete(console_sessions).where(
                console_sessions.c.user_id.in_(select(console_users.c.id).where(console_users.c.username == username))
            )
        )
    if not n:
        raise KeyError(username)
    return password


def set_password(engine: Engine, user_id: int, password: str) -> None:
    if len(password) < 12:
        raise SignInError("choose a password of at least 12 characters")
    with engine.begin() as conn:
        conn.execute(
            console_users.update()
            .where(console_users.c.id == user_id)
            .values(password_hash=_hasher.hash(password), must_change_password=False)
        )


# --------------------------------------------------------------------------- rate limit


def _recent_failures(engine: Engine, key: str) -> int:
    since = _now() - RATE_WINDOW
    with engine.connect() as conn:
        return int(
            conn.execute(
                select(func.count())
                .select_from(sign_in_attempts)
                .where(
                    (sign_in_attempts.c.key == key)
                    & (sign_in_attempts.c.at >= since)
                    & sign_in_attempts.c.success.is_(False)
                )
            ).scalar_one()
        )


def _note_attempt(engine: Engine, keys: list[str], success: bool) -> None:
    with engine.begin() as conn:
        conn.execute(sign_in_attempts.insert(), [{"key": k, "at": _now(), "success": success} for k in keys])


def check_rate(engine: Engine, username: str, address: str) -> None:
    for key, limit in ((f"user:{username.lower()}", RATE_LIMIT), (f"ip:{address}", ADDRESS_RATE_LIMIT)):
        if _recent_failures(engine, key) >= limit:
            raise SignInError("too many failed sign-ins; wait 15 minutes and try again")


# --------------------------------------------------------------------------- sign-in


def _new_session(engine: Engine, user: User, stage: str, lifetime: timedelta) -> tuple[str, Session]:
    token = secrets.token_urlsafe(32)
    now = _now()
    session = Session(hash_token(token), user, stage, secrets.token_urlsafe(24), now + lifetime, now)
    with engine.begin() as conn:
        conn.execute(
            console_sessions.insert().values(
                token_hash=session.token_hash,
                user_id=user.id,
                stage=stage,
                csrf_token=session.csrf_token,
                created_at=now,
                last_seen_at=now,
                expires_at=session.expires_at,
            )
        )
    return token, session


def sign_in_password(engine: Engine, username: str, password: str, address: str) -> tuple[str, Session]:
    """First step. Returns (token, half session). Raises SignInError, counting the failure."""
    # Whatever was typed, the lookups must not fail: names are at most 200 characters, no NUL.
    username = username.replace("\x00", "")[:200]
    address = address[:200]
    check_rate(engine, username, address)
    with engine.connect() as conn:
        row = conn.execute(select(console_users).where(console_users.c.username == username)).first()
    ok = False
    if row is not None and row.active:
        try:
            ok = _hasher.verify(row.password_hash, password)
        except (VerificationError, InvalidHashError):
            ok = False
    else:
        _hasher.hash(password)  # same work for an unknown name: no user-name oracle by timing
    keys = [f"user:{username.lower()}", f"ip:{address}"]
    _note_attempt(engine, keys, ok)
    if not ok or row is None:
        raise SignInError("wrong user name or password")
    return _new_session(engine, User.from_row(row), "password", HALF_SESSION)


def totp_secret_for(engine: Engine, user_id: int) -> str:
    """The user's TOTP secret, created at enrolment time if there is none yet."""
    with engine.begin() as conn:
        secret = conn.execute(select(console_users.c.totp_secret).where(console_users.c.id == user_id)).scalar_one()
        if not secret:
            secret = pyotp.random_base32()
            conn.execute(console_users.update().where(console_users.c.id == user_id).values(totp_secret=secret))
    return str(secret)


def provisioning_uri(engine: Engine, user: User) -> str:
    return pyotp.TOTP(totp_secret_for(engine, user.id)).provisioning_uri(name=user.username, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The enrolment QR code as inline SVG (no image file, nothing fetched)."""
    buf = io.BytesIO()
    segno.make(uri, error="m").save(
        buf, kind="svg", scale=4, xmldecl=False, svgns=True, title="QR code for your authenticator app"
    )
    return buf.getvalue().decode()


def verify_second_factor(engine: Engine, session: Session, code: str, address: str) -> tuple[str, Session]:
    """Second step (also completes enrolment). Returns a new full session; the half one ends."""
    user = session.user
    check_rate(engine, user.username, address)
    secret = totp_secret_for(engine, user.id)
    totp = pyotp.TOTP(secret)
    now = _now()
    step = None
    code = "".join(code.split())
    for drift in (0, -1, 1):  # one step of clock drift either way
        at = now + timedelta(seconds=30 * drift)
        if secrets.compare_digest(totp.at(at), code):
            step = int(at.timestamp()) // 30
            break
    with engine.connect() as conn:
        last = conn.execute(select(console_users.c.last_totp_step).where(console_users.c.id == user.id)).scalar_one()
    if step is None or (last is not None and step <= last):
        _note_attempt(engine, [f"user:{user.username.lower()}", f"ip:{address}"], False)
        raise SignInError("that code is not right (or was already used); try the next one")
    with engine.begin() as conn:
        conn.execute(
            console_users.update().where(console_users.c.id == user.id).values(totp_enrolled=True, last_totp_step=step)
        )
        conn.execute(delete(console_sessions).where(console_sessions.c.token_hash == session.token_hash))
    fresh = get_user(engine, user.id)
    assert fresh is not None
    return _new_session(engine, fresh, "full", SESSION_IDLE)


def session_for(engine: Engine, token: str | None) -> Session | None:
    """The live session for a cookie token, sliding its idle expiry; None when expired or unknown."""
    if not token:
        return None
    th = hash_token(token)
    now = _now()
    with engine.begin() as conn:
        row = conn.execute(select(console_sessions).where(console_sessions.c.token_hash == th)).first()
        if row is None:
            return None
        if aware(row.expires_at) <= now or (row.stage == "full" and now - aware(row.created_at) > SESSION_MAX):
            conn.execute(delete(console_sessions).where(console_sessions.c.token_hash == th))
            return None
        user_row = conn.execute(select(console_users).where(console_users.c.id == row.user_id)).first()
        if user_row is None or not user_row.active:
            return None
        expires = aware(row.expires_at)
        if row.stage == "full":
            expires = min(now + SESSION_IDLE, aware(row.created_at) + SESSION_MAX)
            conn.execute(
                console_sessions.update()
                .where(console_sessions.c.token_hash == th)
                .values(last_seen_at=now, expires_at=expires)
            )
    return Session(th, User.from_row(user_row), row.stage, row.csrf_token, expires, aware(row.created_at))


def sign_out(engine: Engine, session: Session) -> None:
    with engine.begin() as conn:
        conn.execute(delete(console_sessions).where(console_sessions.c.token_hash == session.token_hash))


def current_code(engine: Engine, user_id: int) -> str:
    """A code the server accepts now: this step's, or the next step's when this one was used.

    Tests and the screenshot script act as the authenticator app with it."""
    totp = pyotp.TOTP(totp_secret_for(engine, user_id))
    with engine.connect() as conn:
        last = conn.execute(select(console_users.c.last_totp_step).where(console_users.c.id == user_id)).scalar_one()
    now = _now()
    if last is not None and int(now.timestamp()) // 30 <= last:
        return str(totp.at(now + timedelta(seconds=30)))
    return str(totp.at(now))
