"""Planted email violations (and their near misses), one or more per active rule."""

from __future__ import annotations

from demo_district.corpus import (
    PASS_AUTH,
    Corpus,
    Mail,
    at,
    exe_bytes,
    make_email,
    signature,
    zip_bytes,
)
from demo_district.people import (
    DOMAIN,
    District,
    national,
)


def planted_mail(d: District, c: Corpus) -> None:
    st, stu = d.staff, d.students
    hs = [s for s in stu.values() if s.building == "bld-hs"]

    def plant(box: list[Mail], mail: Mail, rule: str, person: str | None, note: str) -> None:
        box.append(mail)
        c.expect(mail.message_id, rule, person, note)

    # student-info-external: student name and ID sent to an outside tutoring company.
    s1 = hs[3]
    plant(
        c.eml,
        make_email(
            c.next_id("m"),
            st["stf-020"],
            [("BrightPath Tutoring", "intake@brightpath-tutoring.example.com")],
            "New student referral",
            f"Hello,\n\nI'd like to refer {s1.name}, student ID {s1.identifier}, for algebra tutoring. {s1.given} is "
            "failing the first quarter and has an IEP for reading. Please call the family to set up sessions.\n\n"
            + st["stf-020"].given,
            at(23, 16, 12),
        ),
        "student-info-external",
        "stf-020",
        "student name, ID and IEP status sent to an outside company",
    )
    s2 = hs[8]
    plant(
        c.mbox,
        make_email(
            c.next_id("m"),
            st["stf-021"],
            [("Dr. Allen Hughes", "ahughes.clinic@inbox.example.com")],
            "Re: your patient",
            f"Dr. Hughes,\n\nAs we discussed, {s2.name} (ID {s2.identifier}) has been coming to class upset and "
            "sleeping through first period. I am worried about things at home.\n\n" + st["stf-021"].given,
            at(44, 20, 41),
        ),
        "student-info-external",
        "stf-021",
        "student named to an outside address from a district account",
    )

    # personal-info-revealed: a colleague's SSN and home address sent outside.
    colleague = st["stf-027"]
    plant(
        c.eml,
        make_email(
            c.next_id("m"),
            st["stf-033"],
            [("Heartland Insurance Agency", "claims@heartland-ins.example.com")],
            "Claim paperwork",
            f"Hi,\n\nFor {colleague.name}'s claim: SSN 412-55-0187, home address {colleague.address}, date of birth "
            f"{colleague.birth.strftime('%m/%d/%Y') if colleague.birth else ''}. Let me know what else you need.\n\n"
            + st["stf-033"].given,
            at(30, 13, 5),
        ),
        "personal-info-revealed",
        "stf-033",
        "a colleague's SSN, home address and birth date sent outside",
    )
    other = st["stf-020"]
    plant(
        c.mbox,
        make_email(
            c.next_id("m"),
            st["stf-029"],
            [("Kids Camp Registration", "register@kidscamp.example.com")],
            "Chaperone contact",
            f"Here is the chaperone for the weekend: {other.name}, cell {national(other.personal_phone)}, personal "
            f"email {other.personal_email}, home address {other.address}.\n\n" + st["stf-029"].given,
            at(51, 19, 30),
        ),
        "personal-info-revealed",
        "stf-029",
        "a colleague's cell phone, personal email and home address sent outside",
    )

    # off-district-contact: a teacher writes to a parent from a personal mailbox.
    yb = st["stf-014"]
    parent = next(g for g in d.guardians.values() if d.groups["grp-ybk"][3].keys() & set(g.guardian_of))
    plant(
        c.eml,
        make_email(
            c.next_id("m"),
            yb,
            [parent],
            "Yearbook photos",
            "Hi,\n\nCould you send me the photos from the homecoming parade? Use this address, I don't check my school "
            "mail on weekends.\n\nAmy",
            at(33, 20, 15),
            personal=True,
            headers=[("Authentication-Results", PASS_AUTH.format(d=yb.personal_email.split("@")[1]))],
        ),
        "off-district-contact",
        "stf-014",
        "staff member writes to a guardian from a personal email account",
    )
    near = make_email(
        c.next_id("m"),
        yb,
        [parent],
        "Yearbook photos",
        "Hi,\n\nCould you share the homecoming parade photos with the yearbook staff? Thank you!" + signature(yb),
        at(34, 9, 0),
    )
    c.eml.append(near)
    c.expect(near.message_id, "off-district-contact", "stf-014", "same request from the district account", True)

    # anonymous-message / disposable domain.
    hsp = st["stf-005"]
    plant(
        c.eml,
        make_email(
            c.next_id("m"),
            ("Anonymous", "anonymous@anonymous.invalid"),
            [hsp],
            "You should know",
            "Someone on your staff is leaving early every Friday. Check the sign-out sheet.",
            at(17, 22, 3),
        ),
        "anonymous-message",
        None,
        "sender calls itself Anonymous at an .invalid address",
    )
    plant(
        c.mbox,
        make_email(
            c.next_id("m"),
            None,
            [st["stf-001"]],
            "Board vote",
            "Vote no on the bond or everyone will find out what happened at the middle school.",
            at(52, 23, 48),
        ),
        "anonymous-message",
        None,
        "no From header at all",
    )
    plant(
        c.eml,
        make_email(
            c.next_id("m"),
            ("A Concerned Parent", "pc.parent.2026@mailinator.com"),
            [st["stf-006"]],
            "Bus 4",
            "The bus 4 driver was on the phone the whole route today.",
            at(36, 7, 55),
        ),
        "anonymous-message",
        None,
        "disposable mailbox domain (mailinator.com)",
    )
    plant(
        c.mbox,
        make_email(
            c.next_id("m"),
            ("Friend", "xq81@guerrillamail.com"),
            [st["stf-012"]],
            "cross country",
            "You should check who is really running your team.",
            at(58, 21, 10),
        ),
        "anonymous-message",
        None,
        "disposable mailbox domain (guerrillamail.com)",
    )

    # forged-message: the superintendent's and the technology director's addresses spoofed.
    sup, tech = st["stf-001"], st["stf-002"]
    fail = (
        f"mx.{DOMAIN}; spf=fail smtp.mailfrom=bulk-sender.example.net; dkim=none; "
        f"dmarc=fail (p=QUARANTINE) header.from={DOMAIN}"
    )
    plant(
        c.eml,
        make_email(
            c.next_id("m"),
            sup,
            [st["stf-033"]],
            "Quick favor",
            "Are you at your desk? I need you to buy six $100 gift cards for a staff appreciation surprise. Send me "
            "the codes by noon and keep this between us.\n\nKaren",
            at(40, 8, 12),
            headers=[
                ("Authentication-Results", fail),
                ("Return-Path", "<bounce@bulk-sender.example.net>"),
                ("Reply-To", "karen.holt.supt@inbox.example.com"),
            ],
        ),
        "forged-message",
        None,
        "forged From: the superintendent's address; the real sender is unknown (the superintendent is "
        "the victim, not the subject); dmarc=fail",
    )
    plant(
        c.mbox,
        make_email(
            c.next_id("m"),
            tech,
            [st["stf-025"], st["stf-026"]],
            "Password expires today",
            "Your district password expires today. Keep your password by signing in at "
            "http://pccsd-login.example.net/reset within 2 hours.\n\nTechnology Department",
            at(62, 6, 30),
            headers=[("Authentication-Results", fail.replace("bulk-sender", "mailer-x"))],
        ),
        "forged-message",
        None,
        "forged From: the technology director's address (real sender unknown); spf and dmarc fail",
    )

    # software-transfer: an installer, an archive hiding one, and a magnet link.
    plant(
        c.eml,
        make_email(
            c.next_id("m"),
            st["stf-025"],
            [st["stf-026"]],
            "grading helper",
            "Here's the grade calculator I use at home, just run setup and click through.\n\n" + st["stf-025"].given,
            at(26, 12, 20),
            attachments=[("GradeHelperSetup.exe", "application/x-msdownload", exe_bytes())],
        ),
        "software-transfer",
        "stf-025",
        "executable attachment (GradeHelperSetup.exe)",
    )
    plant(
        c.mbox,
        make_email(
            c.next_id("m"),
            st["stf-023"],
            [st["stf-022"]],
            "fonts for the poster",
            "The font pack is zipped, run the installer inside.",
            at(47, 14, 2),
            attachments=[
                (
                    "fontpack.zip",
                    "application/zip",
                    zip_bytes([("readme.txt", b"fonts"), ("FontInstaller.exe", exe_bytes())]),
                )
            ],
        ),
        "software-transfer",
        "stf-023",
        "zip archive with an executable inside",
    )
    plant(
        c.eml,
        make_email(
            c.next_id("m"),
            st["stf-022"],
            [st["stf-027"]],
            "movie for Friday",
            "Found the full movie for the Civil War unit: magnet:?xt=urn:btih:c9e15763f722f23e98a29decdfae341b98d53056"
            "&dn=glory.1989.1080p just paste it into your torrent app.",
            at(65, 15, 45),
        ),
        "software-transfer",
        "stf-022",
        "magnet link to a pirated film",
    )
    ok = make_email(
        c.next_id("m"),
        st["stf-013"],
        [st["stf-011"]],
        "Lab handouts",
        "Attached are the lab handouts for next week, plus the zipped PDFs for the sub folder. I'll execute the "
        "plan we talked about.",
        at(27, 7, 50),
        attachments=[
            ("lab-handout.pdf", "application/pdf", b"%PDF-1.4\n% demo handout\n"),
            ("sub-folder.zip", "application/zip", zip_bytes([("plans.pdf", b"%PDF-1.4\n")])),
        ],
    )
    c.eml.append(ok)
    c.expect(ok.message_id, "software-transfer", "stf-013", "PDF and a zip of PDFs; the word 'execute'", True)

    # offensive-language: abuse aimed at a colleague.
    plant(
        c.eml,
        make_email(
            c.next_id("m"),
            st["stf-030"],
            [st["stf-031"]],
            "my classroom",
            "Stay out of my classroom. You are a fucking idiot and a useless piece of shit, and everyone in this "
            "building knows it.",
            at(38, 16, 40),
        ),
        "offensive-language",
        "stf-030",
        "profane abuse aimed at a colleague",
    )
    c.expect(c.eml[-1].message_id, "harassing-messages", "stf-030", "insults addressed to a colleague")
    plant(
        c.mbox,
        make_email(
            c.next_id("m"),
            st["stf-027"],
            [st["stf-026"]],
            "Re: duty schedule",
            "Shut up about the duty schedule, you stupid bitch. Nobody asked for your opinion.",
            at(55, 12, 1),
        ),
        "offensive-language",
        "stf-027",
        "abusive insult aimed at a colleague",
    )
    c.expect(c.mbox[-1].message_id, "harassing-messages", "stf-027", "'you stupid bitch' to a colleague")
    # Swearing aimed at nobody is etiquette, not harassment (OLID: untargeted profanity).
    printer = make_email(
        c.next_id("m"),
        st["stf-031"],
        [st["stf-030"]],
        "copier",
        "This damn copier jammed again, so the handouts will be late. Sorry!",
        at(39, 10, 5),
    )
    plant(c.eml, printer, "offensive-language", "stf-031", "a swear word aimed at a copier")
    c.expect(printer.message_id, "harassing-messages", "stf-031", "untargeted profanity is not harassment", True)

    # credentials-in-message: a teacher hands a colleague their gradebook password.
    plant(
        c.eml,
        make_email(
            c.next_id("m"),
            st["stf-032"],
            [st["stf-034"]],
            "grades",
            "Can you enter my grades today? My login is the usual and my password is Falcons#2026. Thanks!",
            at(46, 7, 20),
        ),
        "credentials-in-message",
        "stf-032",
        "password handed to a colleague",
    )
    reminder = make_email(
        c.next_id("m"),
        st["stf-034"],
        [st["stf-032"]],
        "Re: grades",
        "Done. Please change your password now that I have seen it, and don't email it again.",
        at(46, 9, 2),
    )
    c.eml.append(reminder)
    c.expect(reminder.message_id, "credentials-in-message", "stf-034", "talk about a password, no password", True)

    # sexual-content.
    plant(
        c.eml,
        make_email(
            c.next_id("m"),
            st["stf-032"],
            [st["stf-034"]],
            "last night ;)",
            "Sending you the nude pics from last night. Delete them after, there's a porn video too.",
            at(45, 22, 30),
            attachments=[("nude_pic_01.jpg", "image/jpeg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00")],
        ),
        "sexual-content",
        "stf-032",
        "explicit text and a nude image attachment",
    )

    # commercial-activity: an MLM pitch to all staff.
    plant(
        c.mbox,
        make_email(
            c.next_id("m"),
            st["stf-021"],
            [("All Staff", f"allstaff@{DOMAIN}")],
            "Essential oils - join my team!",
            "Hi friends! I've started my own essential oils business. Starter kits are $150 and you earn commission on "
            "everyone you bring in. Join my team and earn passive income! DM me to order, price list attached.",
            at(24, 7, 10),
        ),
        "commercial-activity",
        "stf-021",
        "multi-level marketing pitch to all staff",
    )
    fund = make_email(
        c.next_id("m"),
        st["stf-028"],
        [("All Staff", f"allstaff@{DOMAIN}")],
        "Band fundraiser",
        "The band's fall fundraiser runs through October 9. Order forms for cookie dough are in the office; "
        "proceeds pay for the spring trip.",
        at(29, 8, 0),
    )
    c.mbox.append(fund)
    c.expect(fund.message_id, "commercial-activity", "stf-028", "school fundraiser, not personal sales", True)
    legit = make_email(
        c.next_id("m"),
        ("Prairie Creek Superintendent", f"kholt@{DOMAIN}"),
        [("All Staff", f"allstaff@{DOMAIN}")],
        "Welcome back",
        "Welcome back, everyone. Thank you for all you do.",
        at(1, 7, 0),
        headers=[("Authentication-Results", PASS_AUTH.format(d=DOMAIN))],
    )
    c.eml.append(legit)
    c.expect(legit.message_id, "forged-message", "stf-001", "the superintendent's own mail, dmarc=pass", True)
