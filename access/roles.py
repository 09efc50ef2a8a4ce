"""Who may do what in the office dashboard: one table, checked on the server for every endpoint."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    OFFICE = "office"  # Văn phòng: runs campaigns, every office action
    COMMITTEE = "committee"  # Ban Thường vụ: sees everything, decides exceptions (excuse, extend)
    ADMIN = "admin"  # manages accounts


class Permission(StrEnum):
    VIEW = "view"
    EXCUSE = "excuse"
    EXTEND = "extend"
    RESCHEDULE = "reschedule"
    ASSIGN = "assign"
    CANCEL = "cancel"
    START = "start"
    MANAGE_USERS = "manage_users"
    EDIT_DIRECTORY = "edit_directory"  # the unit directory: list, add, edit, disable, import, export


ALLOWED: dict[Role, frozenset[Permission]] = {
    Role.OFFICE: frozenset(Permission) - {Permission.MANAGE_USERS},
    Role.COMMITTEE: frozenset({Permission.VIEW, Permission.EXCUSE, Permission.EXTEND}),
    Role.ADMIN: frozenset({Permission.VIEW, Permission.MANAGE_USERS}),
}

ROLE_WORDS = {Role.OFFICE: "Văn phòng", Role.COMMITTEE: "Ban Thường vụ", Role.ADMIN: "Quản trị"}


def may(role: str, permission: Permission) -> bool:
    return role in Role.__members__.values() and permission in ALLOWED[Role(role)]
