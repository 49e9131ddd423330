"""Walking, sniffing, the items + errors == records invariant and stable ids across formats."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest

from aupguard.model import Item, ReadError
from aupguard.sources import RawRecord, iter_records, parse_record, total_bytes

from .conftest import make_email, read_all


def build_tree(root: Path) -> Path:
    (root / "mail" / "Maildir" / "cur").mkdir(parents=True)
    (root / "mail" / "Maildir" / "cur" / "1:2,S").write_bytes(make_email(subject="maildir").as_bytes())
    (root / "mail" / "one.eml").write_bytes(make_email(subject="eml").as_bytes())
    (root / "mail" / "noext").write_bytes(make_email(subject="noext").as_bytes())
    (root / "mail" / "box.mbox").write_bytes(
        b"From a@x Mon Jun  3 10:00:00 2024\n" + make_email(subject="mbox1").as_bytes() + b"\n"
        b"From a@x Mon Jun  3 10:00:00 2024\n" + make_email(subject="mbox2").as_bytes()
    )
    (root / "texts.csv").write_text("sender,recipients,sent_at,body\n+15155550100,+15155550101,2024-01-01,hi\n")
    (root / "posts.json").write_text(
        json.dumps(
            {"export": "posts", "platform": "x", "author": "a", "posts": [{"posted_at": "2024-01-01", "text": "t"}]}
        )
    )
    (root / ".gitignore").write_text("*\n")
    (root / "empty.eml").write_bytes(b"")
    (root / "notes.txt").write_text("shopping list\n")
    return root


def test_every_format_in_one_walk(tmp_path: Path) -> None:
    root = build_tree(tmp_path)
    items, errors, count = read_all(root)
    assert len(items) + len(errors) == count == 9
    assert sorted(i.subject or i.body for i in items) == ["eml", "hi", "maildir", "mbox1", "mbox2", "noext", "t"]
    assert sorted((Path(e.source).name, e.reason[:12]) for e in errors) == [
        ("empty.eml", "empty file"),
        ("notes.txt", "not an email"),
    ]


def test_sorted_walk_and_stable_ids(tmp_path: Path) -> None:
    root = build_tree(tmp_path)
    first = [(r.source, r.position) for r in iter_records([root])]
    assert first == [(r.source, r.position) for r in iter_records([root])]
    ids = [i.id for i in read_all(root)[0]]
    assert ids == [i.id for i in read_all(root)[0]]


def test_missing_path_is_an_error(tmp_path: Path) -> None:
    records = list(iter_records([tmp_path / "nope"]))
    assert [(type(r), r.reason) for r in records if isinstance(r, ReadError)] == [(ReadError, "no such file or folder")]


def test_total_bytes_counts_what_is_read(tmp_path: Path) -> None:
    root = build_tree(tmp_path)
    expected = sum(p.stat().st_size for p in root.rglob("*") if p.is_file() and p.name != ".gitignore")
    assert total_bytes([root]) == expected
    mbox = root / "mail" / "box.mbox"
    assert sum(r.nbytes for r in iter_records([mbox]) if isinstance(r, RawRecord)) == mbox.stat().st_size


def test_parse_record_never_raises() -> None:
    assert isinstance(parse_record(RawRecord("s", "", "item", b"")), ReadError)
    assert isinstance(parse_record(RawRecord("s", "", "pdf", b"")), ReadError)
    assert isinstance(parse_record(RawRecord("s", "", "msg", b"\x00")), ReadError)


def test_compressed_files_tar_and_pst_are_named_with_what_to_do_and_a_zip_is_read(tmp_path: Path) -> None:
    import bz2
    import gzip
    import lzma
    import tarfile
    import zipfile

    mbox = b"From a@x Mon Jun  3 10:00:00 2024\n" + make_email(subject="inside").as_bytes()
    with zipfile.ZipFile(tmp_path / "vault-export.zip", "w") as zf:
        zf.writestr("mail.mbox", mbox)
    (tmp_path / "mail.mbox.gz").write_bytes(gzip.compress(mbox))
    (tmp_path / "mail.mbox.bz2").write_bytes(bz2.compress(mbox))
    (tmp_path / "mail.mbox.xz").write_bytes(lzma.compress(mbox))
    (tmp_path / "inner.mbox").write_bytes(mbox)
    with tarfile.open(tmp_path / "takeout.tar", "w") as tf:  # uncompressed tar: "ustar" at 257
        tf.add(tmp_path / "inner.mbox", arcname="inner.mbox")
    (tmp_path / "inner.mbox").unlink()
    (tmp_path / "outlook.pst").write_bytes(b"!BDN" + bytes(4) + b"SM" + bytes(600))
    # Text that starts like the letter magics is still read as what it is.
    (tmp_path / "BZh.eml").write_bytes(b"BZh: x\n" + make_email(subject="BZh header").as_bytes())
    (tmp_path / "notes.txt").write_text("!BDN meeting notes\n")
    # An .eml named like an archive is still read: the bytes decide, not the name.
    (tmp_path / "looks.zip").write_bytes(make_email(subject="not a zip").as_bytes())

    items, errors, count = read_all(tmp_path)
    # a zip is read inside (ziparchive.py); the other containers are named with what to do
    assert [i.subject for i in items] == ["BZh header", "not a zip", "inside"]
    assert items[-1].source == f"{tmp_path / 'vault-export.zip'}!/mail.mbox"
    assert len(items) + len(errors) == count == 9
    reasons = {Path(e.source).name: e.reason for e in errors}
    assert reasons["mail.mbox.gz"].startswith("a gzip-compressed file: aupguard does not read inside it; decompress")
    assert reasons["mail.mbox.bz2"].startswith("a bzip2-compressed file:")
    assert reasons["mail.mbox.xz"].startswith("an xz-compressed file:")
    assert reasons["takeout.tar"].startswith("a tar archive:")
    assert reasons["notes.txt"].startswith("not an email")
    assert reasons["outlook.pst"].startswith("an Outlook .pst mailbox:") and "readpst" in reasons["outlook.pst"]


def test_named_pipes_and_broken_links_are_errors_not_a_hang(tmp_path: Path) -> None:
    """Opening a named pipe waits for a writer for ever, and a signal does not end that wait:
    a FIFO in a scanned folder used to hang the scan (and `timeout`'s SIGTERM could not stop it)."""
    folder = tmp_path / "mail"
    folder.mkdir()
    (folder / "ok.eml").write_bytes(make_email().as_bytes())
    os.mkfifo(folder / "pipe.eml")
    (folder / "gone.eml").symlink_to(tmp_path / "nowhere.eml")
    found: list[tuple[list[str], list[tuple[str, str]]]] = []
    reader = threading.Thread(target=lambda: found.append(_names_and_errors(read_all(folder))), daemon=True)
    reader.start()
    reader.join(timeout=30)
    assert not reader.is_alive(), "reading the folder hung on the named pipe"
    ((subjects, errors),) = found
    assert subjects == ["Field trip"]
    assert errors == [
        ("gone.eml", "cannot read: No such file or directory"),
        ("pipe.eml", "not a regular file (a named pipe): not read"),
    ]


def _names_and_errors(result: tuple[list[Item], list[ReadError], int]) -> tuple[list[str], list[tuple[str, str]]]:
    items, errors, _ = result
    return [i.subject or "" for i in items], [(Path(e.source).name, e.reason) for e in errors]


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "a JPEG picture"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "a PNG picture"),
        (b"GIF89a\x01\x00", "a GIF picture"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "a WebP picture"),
        (b"\x00\x00\x00\x18ftypheic\x00\x00", "a HEIC picture"),
        (b"\x00\x00\x00\x18ftypmp42\x00\x00", "a video (MP4/MOV)"),
    ],
)
def test_pictures_and_videos_are_named_not_parsed_as_mail(tmp_path: Path, head: bytes, kind: str) -> None:
    path = tmp_path / "IMG_0001"
    path.write_bytes(head + b"\x00" * 64)
    (error,) = list(iter_records([path]))
    assert isinstance(error, ReadError) and error.reason == f"{kind}: not a message, not read"
