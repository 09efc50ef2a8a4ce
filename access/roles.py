"""Who may do what in the office dashboard: one table, checked on the server for every endpoint."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    OFFICE = "office"  # Văn phòng: runs campaigns, every office action
    COMMITTEE = "committee"  # Ban Thường vụ: sees everything, decides exceptions (excuse, extend)
    ADMIN = "admin"  # manages accounts


class Action(StrEnum):
    VIEW = "view"
    EXCUSE = "excuse"
    EXTEND = "extend"
    RESCHEDULE = "reschedule"
    ASSIGN = "assign"
    CANCEL = "cancel"
    START = "start"
    MANAGE_USERS = "manage_users"
    EDIT_DIRECTORY = "edit_directory"  # the unit directory: list, add, edit, disable, import, export


ALLOWED: dict[Role, frozenset[Action]] = {
    Role.OFFICE: frozenset(Action) - {Action.MANAGE_USERS},
    Role.COMMITTEE: frozenset({Action.VIEW, Action.EXCUSE, Action.EXTEND}),
    Role.ADMIN: frozenset({Action.VIEW, Action.MANAGE_USERS}),
}

ROLE_WORDS = {Role.OFFICE: "Văn phòng", Role.COMMITTEE: "Ban Thường vụ", Role.ADMIN: "Quản trị"}


def may(role: str, action: Action) -> bool:
    return role in Role.__members__.values() and action in ALLOWED[Role(role)]
