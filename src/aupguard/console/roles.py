"""Console roles and the authorization matrix: which role may use which capability.

Routes name a capability; the matrix says which roles hold it. The authorization test walks every
route for every role against this table, so a route without a capability cannot slip through.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    SUPERINTENDENT = "superintendent"
    DESIGNEE = "designee"
    PRINCIPAL = "principal"
    TECHNOLOGY_DIRECTOR = "technology_director"
    TECHNOLOGY_INTEGRATIONIST = "technology_integrationist"
    RECORDS_CUSTODIAN = "records_custodian"
    REVIEWER = "reviewer"
    BOARD_PRESIDENT = "board_president"
    EMPLOYEE = "employee"


ALL_ROLES = tuple(Role)

# Roles that review findings routed to them (and so have a queue and decide cases).
_REVIEWING = {
    Role.SUPERINTENDENT,
    Role.DESIGNEE,
    Role.PRINCIPAL,
    Role.TECHNOLOGY_DIRECTOR,
    Role.TECHNOLOGY_INTEGRATIONIST,
    Role.RECORDS_CUSTODIAN,
    Role.REVIEWER,
    Role.BOARD_PRESIDENT,
}
_LEADERSHIP = {Role.SUPERINTENDENT, Role.DESIGNEE, Role.TECHNOLOGY_DIRECTOR, Role.BOARD_PRESIDENT}


class Capability(StrEnum):
    SELF_SERVICE = "self_service"  # own findings and permissions, policy, draft check, reports
    QUEUE = "queue"  # review queue, open a case, decide
    DASHBOARD = "dashboard"
    APPROVE_PERMISSIONS = "approve_permissions"  # decide requests routed to one's role
    SECURITY_REPORTS = "security_reports"  # read reports of security problems
    ACCESS_EXPORT = "access_export"  # the suspension list for Google/Microsoft accounts
    AUDIT_LOG = "audit_log"
    BOEE_REMINDERS = "boee_reminders"
    MANAGE_USERS = "manage_users"
    RECORDS = "records"  # records requests, legal holds, disposition (aupguard.web.records)
    ARCHIVE_SEARCH = "archive_search"  # audited search and opening of archived items, archive status
    POSTURE = "posture"  # security posture pages (added later)
    QUARANTINE = "quarantine"  # mail the gateway held for review: release or reject (aupguard.web.quarantine)


MATRIX: dict[Capability, frozenset[Role]] = {
    Capability.SELF_SERVICE: frozenset(ALL_ROLES),
    Capability.QUEUE: frozenset(_REVIEWING),
    Capability.DASHBOARD: frozenset(_REVIEWING - {Role.REVIEWER}),
    Capability.APPROVE_PERMISSIONS: frozenset(
        {Role.SUPERINTENDENT, Role.DESIGNEE, Role.PRINCIPAL, Role.TECHNOLOGY_DIRECTOR}
    ),
    Capability.SECURITY_REPORTS: frozenset(
        {Role.TECHNOLOGY_DIRECTOR, Role.TECHNOLOGY_INTEGRATIONIST, Role.SUPERINTENDENT}
    ),
    Capability.ACCESS_EXPORT: frozenset({Role.TECHNOLOGY_DIRECTOR, Role.SUPERINTENDENT}),
    Capability.AUDIT_LOG: frozenset({Role.SUPERINTENDENT, Role.RECORDS_CUSTODIAN, Role.BOARD_PRESIDENT}),
    Capability.BOEE_REMINDERS: frozenset({Role.SUPERINTENDENT, Role.DESIGNEE, Role.BOARD_PRESIDENT}),
    Capability.MANAGE_USERS: frozenset({Role.SUPERINTENDENT, Role.TECHNOLOGY_DIRECTOR}),
    # The designee acts for the superintendent; requests, holds and disposals are theirs and the custodian's.
    Capability.RECORDS: frozenset({Role.RECORDS_CUSTODIAN, Role.SUPERINTENDENT, Role.DESIGNEE}),
    # Held mail waits on a person: the Technology Director runs the gateway, reviewers and the
    # superintendent's office decide findings like the ones a hold rule stands for.
    Capability.QUARANTINE: frozenset({Role.TECHNOLOGY_DIRECTOR, Role.REVIEWER, Role.SUPERINTENDENT, Role.DESIGNEE}),
    # Inspection (the district's right to inspect, 401.13): the records roles and the Technology
    # Director, who runs searches for an investigation; every search and opening needs a reason.
    Capability.ARCHIVE_SEARCH: frozenset(
        {Role.RECORDS_CUSTODIAN, Role.SUPERINTENDENT, Role.DESIGNEE, Role.TECHNOLOGY_DIRECTOR}
    ),
    # Principals see the posture of their own buildings' people (aupguard.web.posture scopes them).
    Capability.POSTURE: frozenset(_LEADERSHIP | {Role.TECHNOLOGY_INTEGRATIONIST, Role.PRINCIPAL}),
}


def allowed(role: str, capability: Capability) -> bool:
    return role in MATRIX[capability]


# Permission-kind approver roles (the pack's `approver_roles`, directory roles) -> console roles
# that decide them. A designee acts for the superintendent.
APPROVER_ROLES: dict[str, frozenset[Role]] = {
    "superintendent": frozenset({Role.SUPERINTENDENT, Role.DESIGNEE}),
    "designee": frozenset({Role.DESIGNEE}),
    "principal": frozenset({Role.PRINCIPAL}),
    "technology_director": frozenset({Role.TECHNOLOGY_DIRECTOR}),
}


def decides_kind(role: str, approver_roles: list[str] | tuple[str, ...]) -> bool:
    return any(role in APPROVER_ROLES.get(r, frozenset()) for r in approver_roles)
