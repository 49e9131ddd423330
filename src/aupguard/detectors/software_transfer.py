"""Software transfer: executables, installers, archives hiding them, torrents and magnet links.

Policy 401.13R1 forbids copying, installing, receiving, transmitting or making available
copyrighted software on the district network, and installing personal software without the
Technology Director's permission. We cannot know a file's licence, so we flag what *is*
software (and BitTorrent, the usual vehicle) and leave the judgement to the reviewer.

Evidence per attachment, strongest first: magic bytes in `Attachment.head` (a renamed
`report.pdf` that starts with `MZ` is still a Windows program), the declared content type, the
file-name extension (data/software_extensions.txt), and for archives the member names the reader
listed. Documents, images and archives of documents never fire.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from aupguard.detectors.anchors import fold_recent, may_match, rarest_first, required_clauses
from aupguard.detectors.base import DetectContext, Detector
from aupguard.detectors.data import read_list
from aupguard.detectors.item_text import item_text
from aupguard.detectors.kinds import SIGNAL_KINDS
from aupguard.model import Attachment, Item, Signal


def _category_table(name: str) -> dict[str, str]:
    table = {}
    for entry in read_list(name):
        key, category = entry.split()
        table[key.lower()] = category
    return table


EXTENSIONS = _category_table("software_extensions.txt")  # ".exe" -> "executable"
CONTENT_TYPES = _category_table("software_content_types.txt")

# (prefix, what it is). Mach-O in both byte orders, 32/64-bit, and universal ("fat") binaries;
# 0xCAFEBABE is also a Java class file, which is software too.
MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"MZ", "a Windows/DOS program (MZ header)"),
    (b"\x7fELF", "a Linux/Unix program (ELF header)"),
    (b"\xfe\xed\xfa\xce", "a macOS program (Mach-O header)"),
    (b"\xfe\xed\xfa\xcf", "a macOS program (Mach-O 64-bit header)"),
    (b"\xce\xfa\xed\xfe", "a macOS program (Mach-O header)"),
    (b"\xcf\xfa\xed\xfe", "a macOS program (Mach-O 64-bit header)"),
    (b"\xca\xfe\xba\xbe", "a macOS universal program or Java class (0xCAFEBABE)"),
    (b"#!", "a script with an interpreter line (#!)"),
)

# Windows installers are usually .exe files named like this; the name makes them installers.
INSTALLER_NAME = re.compile(r"(setup|install|installer|update|patch)[^/\\]*\.exe$", re.IGNORECASE)
MAGNET = re.compile(r"magnet:\?[^\s<>\"']*?xt=urn:btih:[0-9a-z]{32,40}[^\s<>\"']*", re.IGNORECASE)
TORRENT_URL = re.compile(r"\bhttps?://[^\s<>\"']+?\.torrent(?=[?#\s<>\"')\]]|$)[^\s<>\"']*", re.IGNORECASE)
MAGNET_CLAUSES = rarest_first(required_clauses(MAGNET.pattern))
TORRENT_CLAUSES = rarest_first(required_clauses(TORRENT_URL.pattern))

KIND = {
    "executable": "software.executable",
    "installer": "software.installer",
    "torrent": "software.torrent",
}


def _extension(name: str) -> str:
    return PurePosixPath(name.replace("\\", "/").lower().rstrip(". ")).suffix


def classify_name(name: str) -> str | None:
    """executable / installer / torrent for a file name, or None when it is not software."""
    category = EXTENSIONS.get(_extension(name))
    if category == "executable" and INSTALLER_NAME.search(name.rstrip(". ")):
        return "installer"
    return category


class SoftwareTransferDetector(Detector):
    name = "software_transfer"
    version = "1.0"
    kinds = SIGNAL_KINDS["software_transfer"]  # the one list, shared with the pack checker
    description = (
        "Attachments that are programs, installers, archives containing them or torrent files "
        "(by magic bytes, content type, extension), and magnet/.torrent links in the text."
    )

    def detect(self, item: Item, ctx: DetectContext) -> list[Signal]:
        signals = [s for a in item.attachments if (s := self._attachment(a)) is not None]
        text = item_text(item)
        # Speed: a link regex runs only when the text holds all of its fixed parts ("magnet:?",
        # "xt=urn:btih:"; "http", "://", ".torrent"), which nearly no mail does. Without them it
        # cannot match, so this loses nothing.
        folded = fold_recent(text)  # the same item's fold as the other detectors'
        if may_match(folded, MAGNET_CLAUSES):
            for m in MAGNET.finditer(text):
                signals.append(
                    self.signal(
                        "software.magnet", m.start(), m.end(), m.group(), 0.9,
                        "A BitTorrent magnet link (magnet:?xt=urn:btih:...) shares files peer to peer.",
                    )
                )  # fmt: skip
        if may_match(folded, TORRENT_CLAUSES):
            for m in TORRENT_URL.finditer(text):
                signals.append(
                    self.signal(
                        "software.torrent", m.start(), m.end(), m.group(), 0.8,
                        "A link to a .torrent file (BitTorrent metadata for peer-to-peer sharing).",
                    )
                )  # fmt: skip
        return signals

    def _attachment(self, a: Attachment) -> Signal | None:
        filename = a.filename or ""
        shown = filename or f"(unnamed {a.content_type})"
        by_name = classify_name(filename) if filename else None
        by_type = CONTENT_TYPES.get(a.content_type.lower().split(";", 1)[0].strip())
        magic = next((what for prefix, what in MAGIC if a.head.startswith(prefix)), None)

        if magic is not None:
            kind = "installer" if by_name == "installer" else "executable"
            disguised = by_name is None and filename != ""
            why = f"The attachment {shown!r} starts with the bytes of {magic}"
            why += ", although its name does not say so." if disguised else "."
            return self._emit(kind, shown, 0.95, why, a)
        if by_name is not None:
            score = 0.6 if _extension(filename) == ".iso" else 0.9
            return self._emit(by_name, shown, score, f"The attachment name ends in {_extension(filename)}.", a)
        if by_type is not None:
            return self._emit(by_type, shown, 0.85, f"The attachment is declared as {a.content_type}.", a)

        hidden = [m for m in a.members if classify_name(m) in ("executable", "installer")]
        if hidden:
            listed = ", ".join(hidden[:5]) + (f" and {len(hidden) - 5} more" if len(hidden) > 5 else "")
            return self.signal(
                "software.archive_with_executable", -1, -1, shown, 0.85,
                f"The archive {shown!r} contains software: {listed}.",
                filename=filename, members=hidden, sha256=a.sha256,
            )  # fmt: skip
        return None

    def _emit(self, category: str, shown: str, score: float, why: str, a: Attachment) -> Signal:
        return self.signal(KIND[category], -1, -1, shown, score, why, filename=a.filename, sha256=a.sha256)
