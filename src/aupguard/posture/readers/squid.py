"""Squid access logs: the native format and the `common` / `combined` logformat variants.

native:   time elapsed client code/status bytes method URL user hierarchy/peer type
common:   client ident user [dd/Mon/yyyy:HH:MM:SS +zzzz] "METHOD URL HTTP/x" status bytes [...]
combined: common + "referer" "user-agent"

Parsing is on the hot path (a district's proxy writes millions of lines a day), so a line is
split once and only what the check needs is kept: time, client, user, host, path, bytes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from aupguard.model import ReadError


@dataclass(slots=True)
class WebRequest:
    ts: float  # epoch seconds
    client: str
    user: str  # proxy user name, "" when the proxy did not authenticate
    host: str  # lower case, no port
    path: str
    nbytes: int
    line: int


_COMMON = re.compile(r'^(\S+) \S+ (\S+) \[([^\]]+)\] "(\S+) (\S+)[^"]*" (\d{3}) (\d+|-)')


def split_url(url: str) -> tuple[str, str]:
    """(host, path) of a logged URL: "http://h:80/p" or, for CONNECT, "h:443"."""
    scheme = url.find("://")
    rest = url[scheme + 3 :] if scheme >= 0 else url
    slash = rest.find("/")
    host, path = (rest, "/") if slash < 0 else (rest[:slash], rest[slash:])
    at = host.rfind("@")
    if at >= 0:
        host = host[at + 1 :]
    if host.startswith("["):  # [IPv6]:port
        host = host[1 : host.find("]")]
    else:
        colon = host.find(":")
        if colon >= 0:
            host = host[:colon]
    return host.lower(), path


def parse_line(line: str, number: int) -> WebRequest | None:
    """One log line, or None when it is in neither format."""
    parts = line.split()
    if len(parts) >= 7 and "/" in parts[3]:
        try:
            ts = float(parts[0])
            nbytes = int(parts[4])
        except ValueError:
            ts = -1.0
        if ts >= 0:
            host, path = split_url(parts[6])
            user = parts[7] if len(parts) > 7 and parts[7] != "-" else ""
            return WebRequest(ts, parts[2], user, host, path, nbytes, number)
    m = _COMMON.match(line)
    if m is None:
        return None
    try:
        ts = datetime.strptime(m.group(3), "%d/%b/%Y:%H:%M:%S %z").timestamp()
    except ValueError:
        return None
    host, path = split_url(m.group(5))
    size = m.group(7)
    user = m.group(2) if m.group(2) != "-" else ""
    return WebRequest(ts, m.group(1), user, host, path, int(size) if size != "-" else 0, number)


def read_squid(path: Path, errors: list[ReadError]) -> Iterator[WebRequest]:
    """Requests of an access log, streaming; unreadable lines become errors with their number."""
    try:
        stream = open(path, encoding="utf-8", errors="replace")  # noqa: SIM115 - closed by `with` below
    except OSError as exc:
        errors.append(ReadError(str(path), "line 0", f"cannot open: {exc}"))
        return
    source = str(path)
    with stream:
        for number, line in enumerate(stream, 1):
            request = parse_line(line, number)
            if request is not None:
                yield request
            elif line.strip():
                errors.append(ReadError(source, f"line {number}", "not a Squid access log line (native or common)"))
