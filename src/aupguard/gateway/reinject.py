"""Hand a filtered message back to Postfix: its second smtpd (127.0.0.1:10026 in FILTER_README's
pattern), which has content_filter switched off, so the message is delivered, not filtered again.
The envelope (MAIL FROM, RCPT TO) is passed through unchanged; the bytes are those received."""

from __future__ import annotations

from collections.abc import Sequence

import aiosmtplib


def reverse_path(mail_from: str | None) -> str:
    """MAIL FROM as the next hop must see it: "" for a bounce (aiosmtpd reports it as "<>")."""
    return "" if mail_from in (None, "", "<>") else str(mail_from)


async def reinject(
    raw: bytes, mail_from: str, rcpt_to: Sequence[str], host: str, port: int, timeout: float = 30
) -> None:
    """Raises aiosmtplib.SMTPException (its `code` says whether to retry) or OSError."""
    # The client object, not aiosmtplib.send(): send() refuses the null reverse-path of bounces.
    smtp = aiosmtplib.SMTP(hostname=host, port=port, timeout=timeout, use_tls=False, start_tls=False)
    await smtp.connect()
    try:
        await smtp.sendmail(reverse_path(mail_from), list(rcpt_to), raw)
    finally:
        try:
            await smtp.quit()
        except aiosmtplib.SMTPException:
            smtp.close()
