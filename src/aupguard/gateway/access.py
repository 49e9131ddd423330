"""Who may hand mail to the gateway: clients in an allow-list of networks, or clients that
authenticated (SMTP AUTH, offered only over TLS) with a user from the gateway's password file.

The password file holds `user:argon2-hash` lines (`aupguard gateway passwd` writes one), so the
file itself gives no password away."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import AuthResult, LoginPassword
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

LOOPBACK = ("127.0.0.0/8", "::1/128")
_hasher = PasswordHasher()


class AccessPolicy:
    def __init__(self, networks: Sequence[str] = LOOPBACK, passwords: dict[str, str] | None = None) -> None:
        self.networks = [ipaddress.ip_network(n, strict=False) for n in networks]
        self.passwords = passwords or {}

    def allows_peer(self, peer: Any) -> bool:
        host = peer[0] if isinstance(peer, tuple) else str(peer)
        try:
            address = ipaddress.ip_address(host.split("%", 1)[0])
        except ValueError:
            return False
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped
        return any(address in net for net in self.networks)

    def authenticator(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        """aiosmtpd's authenticator hook (LOGIN and PLAIN both give a LoginPassword)."""
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        user = auth_data.login.decode("utf-8", "replace")
        stored = self.passwords.get(user)
        if stored is None:
            return AuthResult(success=False, handled=False)
        try:
            _hasher.verify(stored, auth_data.password)
        except (VerificationError, InvalidHashError):
            return AuthResult(success=False, handled=False)
        return AuthResult(success=True, auth_data=user)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def load_passwords(path: Path | None) -> dict[str, str]:
    if path is None:
        return {}
    users: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#") and ":" in line:
            user, _, hashed = line.partition(":")
            users[user.strip()] = hashed.strip()
    return users
