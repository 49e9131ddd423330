"""Zip archives: members read as if unpacked, named archive.zip!/member; what is refused and why."""

from __future__ import annotations

import json
import tempfile
import zipfile
from pathlib import Path

import pytest

from aupguard.model import ReadError
from aupguard.sources import iter_records, total_bytes, ziparchive

from .conftest import make_email, read_all


def mail_folder(folder: Path) -> Path:
    (folder / "inbox").mkdir(parents=True)
    (folder / "inbox" / "one.eml").write_bytes(make_email(subject="one").as_bytes())
    (folder / "inbox" / "two.eml").write_bytes(make_email(subject="two").as_bytes())
    mbox = b"".join(b"From a@b.example Mon Jun  3 10:00:00 2024\n" + make_email(subject=s).as_bytes() + b"\n"
                    for s in ("three", "four"))  # fmt: skip
    (folder / "all.mbox").write_bytes(mbox)
    (folder / "texts.csv").write_text(
        "sender,recipients,sent_at,body\n+15155550100,+15155550101,2024-09-01T10:00:00Z,hi\n"
    )
    return folder


def zip_of(folder: Path, target: Path, prefix: str = "") -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            archive.write(path, prefix + path.relative_to(folder).as_posix())
    return target


def test_members_read_as_the_unpacked_folder_would_be_and_named_inside_the_archive(tmp_path: Path) -> None:
    folder = mail_folder(tmp_path / "export")
    archive = zip_of(folder, tmp_path / "vault-export-1.zip")
    unpacked, unpacked_errors, _ = read_all(folder)
    items, errors, count = read_all(archive)
    assert errors == unpacked_errors == [] and count == 5
    assert sorted(i.id for i in items) == sorted(i.id for i in unpacked)  # the same bytes, the same ids
    assert sorted((i.source, i.position) for i in items) == [
        (f"{archive}!/all.mbox", "message 1"),
        (f"{archive}!/all.mbox", "message 2"),
        (f"{archive}!/inbox/one.eml", ""),
        (f"{archive}!/inbox/two.eml", ""),
        (f"{archive}!/texts.csv", "line 2"),
    ]
    again, _, _ = read_all(archive)  # a rescan names every record the same way: nothing new
    assert [(i.id, i.source, i.position) for i in again] == [(i.id, i.source, i.position) for i in items]
    # the progress bar's total is what the members hold unpacked, as the readers count it
    assert total_bytes([archive]) == sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def test_an_instagram_download_zip_names_its_owner(tmp_path: Path) -> None:
    download = tmp_path / "unpacked"
    follows = download / "connections" / "followers_and_following"
    follows.mkdir(parents=True)
    (follows / "following.json").write_text(json.dumps({"relationships_following": [
        {"title": "a.student", "string_list_data": [{"href": "https://www.instagram.com/_u/a.student",
                                                     "timestamp": 1730000000}]}]}))  # fmt: skip
    # as Instagram hands it out: members at the top, the owner only in the archive's name
    archive = zip_of(download, tmp_path / "instagram-coach_lee-2026-11-20-AbCdEf12.zip")
    (item,), errors, _ = read_all(archive)
    assert errors == [] and item.sender == "instagram:coach_lee" and item.recipients == ["instagram:a.student"]


def mark_encrypted(archive: Path, name: str) -> None:
    """Set the "encrypted" flag of one member in both of its headers (zipfile cannot write one)."""
    with zipfile.ZipFile(archive) as z:
        info = z.getinfo(name)
    data = bytearray(archive.read_bytes())
    data[info.header_offset + 6] |= 0x1  # local file header: general purpose flags at +6
    central = data.rfind(b"PK\x01\x02", 0, data.find(b"PK\x05\x06"))
    while data[central + 46 : central + 46 + len(name)] != name.encode():
        central = data.rfind(b"PK\x01\x02", 0, central)
    data[central + 8] |= 0x1  # central directory header: flags at +8
    archive.write_bytes(bytes(data))


def test_what_is_refused_and_what_is_skipped(tmp_path: Path) -> None:
    inner = tmp_path / "inner.zip"
    with zipfile.ZipFile(inner, "w") as nested:
        nested.writestr("x.eml", make_email().as_bytes())
    archive = tmp_path / "mixed.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("ok.eml", make_email(subject="fine").as_bytes())
        z.writestr("../escape.eml", make_email().as_bytes())
        z.writestr("/etc/abs.eml", make_email().as_bytes())
        z.writestr("locked.eml", b"ciphertext")
        z.write(inner, "nested.zip")
        z.writestr("__MACOSX/._ok.eml", b"resource fork")
        z.writestr(".DS_Store", b"finder")
        z.writestr("empty/", b"")
    mark_encrypted(archive, "locked.eml")
    items, errors, count = read_all(archive)
    assert [i.subject for i in items] == ["fine"] and count == 5  # the hidden three are not records
    assert {(e.source.split("!/")[1], e.reason.split(":")[0]) for e in errors} == {
        ("../escape.eml", "a name that would leave the archive's folder"),
        ("/etc/abs.eml", "a name that would leave the archive's folder"),
        ("locked.eml", "encrypted"),
        ("nested.zip", "a zip archive inside the zip"),
    }
    assert not (tmp_path.parent / "escape.eml").exists()


def test_broken_or_empty_archives_are_one_error(tmp_path: Path) -> None:
    good = zip_of(mail_folder(tmp_path / "export"), tmp_path / "good.zip")
    truncated = tmp_path / "truncated.zip"
    truncated.write_bytes(good.read_bytes()[:200])
    only_folders = tmp_path / "folders.zip"
    with zipfile.ZipFile(only_folders, "w") as z:
        z.writestr("a/", b"")
    for path, reason in [(truncated, "not a readable zip archive: "), (only_folders, "a zip archive with no files")]:
        items, (error,), _ = read_all(path)
        assert items == [] and error.source == str(path) and error.reason.startswith(reason)


def test_a_member_too_large_for_the_temporary_folder_is_not_unpacked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = zip_of(mail_folder(tmp_path / "export"), tmp_path / "big.zip")
    monkeypatch.setattr(ziparchive, "SPARE_BYTES", 1 << 62)  # as if the disk were full
    items, errors, _ = read_all(archive)
    assert items == [] and len(errors) == 4
    assert all("more than the temporary folder has free" in e.reason for e in errors)


def test_nothing_is_left_in_the_temporary_folder_even_when_reading_stops_early(tmp_path: Path) -> None:
    archive = zip_of(mail_folder(tmp_path / "export"), tmp_path / "export.zip")
    before = set(Path(tempfile.gettempdir()).glob("aupguard-zip-*"))
    records = iter_records([archive])
    first = next(records)
    assert not isinstance(first, ReadError)
    assert set(Path(tempfile.gettempdir()).glob("aupguard-zip-*")) - before  # unpacking, now
    records.close()  # Ctrl-C, or a consumer that stops
    assert set(Path(tempfile.gettempdir()).glob("aupguard-zip-*")) == before
    list(iter_records([archive]))
    assert set(Path(tempfile.gettempdir()).glob("aupguard-zip-*")) == before
