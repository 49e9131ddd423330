"""`aupguard detect`: run one detector over JSON Lines on stdin, to evaluate it on outside data."""

from __future__ import annotations

import json
import sys

import typer

from aupguard.cli import app, err, fail, out, state
from aupguard.detectors import registry
from aupguard.detectors.base import DetectContext
from aupguard.detectors.recent import forget_texts
from aupguard.model import Channel, Item, content_id
from aupguard.workspace import Workspace, WorkspaceError


def _context() -> DetectContext:
    """The workspace's pack settings and directory when there is a workspace, else the defaults."""
    from aupguard.policy.loader import default_pack

    try:
        ws = Workspace.open(state.home)
    except WorkspaceError:
        return DetectContext(settings=default_pack().detector_settings())
    try:
        return DetectContext(directory=ws.directory(), settings=ws.current_pack().detector_settings())
    finally:
        ws.close()


@app.command()
def detect(
    detector: str | None = typer.Option(None, "--detector", "-d", help="Detector name (see --list)."),
    list_: bool = typer.Option(False, "--list", help="Name the detectors and the signal kinds they emit."),
    batch: int = typer.Option(256, help="Lines scored together (faster for model-based detectors)."),
    channel: str = typer.Option(
        "post",
        help="Read each line as an email, text or post. Bare text without headers is judged as a post "
        "(a tweet or comment) by default: the language models score posts like the short texts they "
        "learnt from, and mail more strictly (to keep false alarms on workplace mail rare). A line's "
        'own "channel" key overrides this.',
    ),
) -> None:
    """Read {"id", "text"} JSON Lines on stdin; write {"id", "signals": [...]} per line.

    Uses the workspace's policy-pack settings (thresholds, allow-lists) and directory when a
    workspace exists, else the bundled pack's defaults.
    """
    if list_:
        for name in registry.names():
            det = registry.get(name)
            mode = "text" if det.text_only else "needs message context"
            out.print(f"{name} {det.version} ({mode}): {', '.join(det.kinds)}", markup=False)
        return
    if not detector:
        raise fail("give --detector NAME (or --list)")
    try:
        det = registry.get(detector)
    except KeyError as exc:
        raise fail(str(exc.args[0]) if exc.args else str(exc)) from exc  # a KeyError's str() adds quotes
    if channel not in (Channel.EMAIL, Channel.TEXT, Channel.POST):
        raise fail(f"--channel must be email, text or post, not {channel!r}")
    ctx = _context()
    if not det.text_only:
        err.print(
            f"note: {detector} also reads message context (sender, recipients, headers, attachments or the "
            "directory); on bare text it sees none of that, so judge only its text-based signals here.",
            markup=False,
        )
    # Output keeps input order: a line that cannot be read gets an error object in its place.
    pending: list[tuple[object, Item | str]] = []
    bad = 0

    def flush() -> None:
        good = [i for _, i in pending if isinstance(i, Item)]
        many = getattr(det, "detect_many", None)
        results = iter(list(many(good, ctx)) if many else [det.detect(i, ctx) for i in good])
        forget_texts()  # what the detector remembered of these lines' texts
        for ident, entry in pending:
            if isinstance(entry, str):
                sys.stdout.write(json.dumps({"id": ident, "error": entry}) + "\n")
                continue
            signals = next(results)
            payload = [
                {"kind": s.kind, "score": round(float(s.score), 4), "start": s.start, "end": s.end,
                 "text": s.text, "explanation": s.explanation}
                for s in signals
            ]  # fmt: skip
            sys.stdout.write(json.dumps({"id": ident, "signals": payload}, ensure_ascii=False) + "\n")
        pending.clear()

    for number, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        ident, read = _read_line(line, channel)
        if isinstance(read, str):
            bad += 1
            err.print(f"line {number}: {read}", markup=False)
            pending.append((ident, f"line {number}: {read}"))
            continue
        text, line_channel = read
        raw = text.encode("utf-8")
        item = Item(id=content_id(raw), channel=line_channel, source="stdin", position=f"line {number}",
                    raw=raw, body=text)  # fmt: skip
        pending.append((ident, item))
        if len(pending) >= batch:
            flush()
    if pending:
        flush()
    if bad:
        err.print(f"{bad} line(s) could not be read; each got an error line on stdout.")


def _read_line(line: str, default_channel: str) -> tuple[object, tuple[str, Channel] | str]:
    """(the line's id when it has one, (text, channel) or why the line cannot be scored)."""
    try:
        obj = json.loads(line)
    except ValueError as exc:
        return None, f"not JSON ({exc})"
    if not isinstance(obj, dict):
        kind = _json_kind(obj)
        return None, f"not a JSON object ({'an' if kind == 'array' else 'a'} {kind})"
    ident = obj.get("id")
    text = obj.get("text")
    if text is None:
        return ident, "no `text`"
    if not isinstance(text, str):
        return ident, f"`text` is not a string (a {_json_kind(text)})"
    try:
        line_channel = Channel(obj.get("channel", default_channel))
    except ValueError:
        line_channel = None
    if line_channel not in (Channel.EMAIL, Channel.TEXT, Channel.POST):
        return ident, f"`channel` must be email, text or post, not {obj.get('channel')!r}"
    return ident, (text, line_channel)


def _json_kind(value: object) -> str:
    """What JSON calls the value's type."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "string" if isinstance(value, str) else "null"
