from __future__ import annotations

from pathlib import Path

from .conftest import make_email, read_all


def make_maildir(root: Path) -> Path:
    for sub in ("cur", "new", "tmp"):
        (root / sub).mkdir(parents=True)
    (root / "cur" / "1717400000.1.host:2,S").write_bytes(make_email(subject="read").as_bytes())
    (root / "new" / "1717400001.2.host").write_bytes(make_email(subject="unread").as_bytes())
    (root / "tmp" / "1717400002.3.host").write_bytes(b"half-delivered")
    (root / "dovecot-uidlist").write_text("3 V1 N4\n")
    return root


def test_cur_and_new_are_read_tmp_and_root_files_are_not(tmp_path: Path) -> None:
    root = make_maildir(tmp_path / "Mail")
    items, errors, count = read_all(root)
    assert (count, errors) == (2, [])
    assert [(i.source, i.position, i.subject) for i in items] == [
        (str(root), "key cur/1717400000.1.host:2,S", "read"),
        (str(root), "key new/1717400001.2.host", "unread"),
    ]


def test_maildirplusplus_subfolders_are_found(tmp_path: Path) -> None:
    root = make_maildir(tmp_path / "Mail")
    make_maildir(root / ".Sent")
    items, errors, _ = read_all(tmp_path)
    assert not errors
    assert sorted({i.source for i in items}) == [str(root), str(root / ".Sent")]
    assert len(items) == 4


def test_bad_file_in_maildir_is_an_error(tmp_path: Path) -> None:
    root = make_maildir(tmp_path / "Mail")
    (root / "cur" / "junk").write_bytes(b"\x00\x01\x02")
    items, errors, count = read_all(root)
    assert len(items) + len(errors) == count == 3
    assert [(e.position, e.reason[:12]) for e in errors] == [("key cur/junk", "not an email")]
