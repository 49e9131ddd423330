"""social_media: staff connected with students on social media, and staff starting a social site.

Policy 401.13: employees "should not connect with students via external web sites or social
media without consent of the superintendent", and those who "would like to start a social media
site for school district sanctioned activities, should contact the superintendent and/or
designee". Both handles of a connection must resolve through the directory's handle accounts;
an unknown handle never fires.
"""

from __future__ import annotations

from typing import ClassVar

from aupguard.detectors.base import DetectContext, Detector
from aupguard.detectors.kinds import SIGNAL_KINDS
from aupguard.directory.index import Directory
from aupguard.model import Channel, Item, Person, PersonKind, Signal


def _person_by_handle(directory: Directory, handle: str | None) -> Person | None:
    account = directory.account(handle)
    if account is None or account.kind != "handle":
        return None
    return directory.person(account.person_id)


class SocialMediaDetector(Detector):
    name: ClassVar[str] = "social_media"
    version: ClassVar[str] = "1.0"
    kinds: ClassVar[tuple[str, ...]] = SIGNAL_KINDS["social_media"]  # the one list, shared with the pack checker
    description: ClassVar[str] = "Staff social-media connections with students; social sites started by staff."

    def detect(self, item: Item, ctx: DetectContext) -> list[Signal]:
        if item.channel == Channel.CONNECTION:
            return self._connection(item, ctx.directory)
        if item.channel == Channel.POST and item.meta.get("type") == "site_created":
            return self._site(item, ctx.directory)
        return []

    def _connection(self, item: Item, directory: Directory) -> list[Signal]:
        staff = _person_by_handle(directory, item.sender)
        if staff is None or staff.kind != PersonKind.STAFF or not item.recipients:
            return []
        handle = item.recipients[0]
        student = _person_by_handle(directory, handle)
        if student is None or student.kind != PersonKind.STUDENT:
            return []
        how = item.meta.get("type") or "connection"
        platform = item.platform or handle.partition(":")[0]
        who = f"{staff.display_name} ({staff.id}, {item.sender})"
        student_is = f"the handle on record for student {student.display_name} ({student.id})"
        score = 0.95
        if item.meta.get("direction") == "follower":
            # The student follows the staff member: one-sided unless the account approves followers,
            # so it is less sure evidence that the staff member connected (the reviewer decides).
            score = 0.75
            why = f"{handle}, {student_is}, follows {who} on {platform} (the export's followers list)."
        else:
            article = "an" if platform[:1] in ("a", "e", "i", "o", "u") else "a"  # "an instagram follow"
            why = f"{who} has {article} {platform} {how} with {handle}, {student_is}."
        return [
            self.signal(
                "social.student_connection",
                -1,
                -1,
                f"{item.sender} -> {handle}",
                score,
                why,
                staff_id=staff.id,
                student_id=student.id,
            )
        ]

    def _site(self, item: Item, directory: Directory) -> list[Signal]:
        staff = _person_by_handle(directory, item.sender)
        if staff is None or staff.kind != PersonKind.STAFF:
            return []
        site_name = str(item.meta.get("site_name") or "")
        url = str(item.meta.get("url") or "")
        shown = " ".join(x for x in (site_name, url) if x) or (item.platform or "a site")
        why = (
            f"{staff.display_name} ({staff.id}, {item.sender}) created the {item.platform or 'social'} site "
            f"'{shown}' (export record type 'site_created')."
        )
        return [
            self.signal(
                "social.site_created",
                -1,
                -1,
                shown,
                0.9,
                why,
                staff_id=staff.id,
                site_name=site_name,
                url=url,
                platform=item.platform,
            )
        ]
