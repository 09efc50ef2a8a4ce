"""What every office page needs: settings, the store, the Temporal client, the templates, the role check
and the unit directory the office chooses units from."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from fastapi import Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates
from temporalio.client import Client

from access.roles import Action
from campaign.units import DirectoryError, Unit, UnitDirectory, UnitKind, load_directory
from settings import Settings
from store.database import Store
from store.users import Person
from web.portal import Refused


@dataclass(frozen=True)
class Signed:
    person: Person
    csrf: str


class Allowed(Protocol):
    def __call__(self, request: Request, action: Action, csrf: str | None = None) -> Signed: ...


@dataclass
class Door:
    settings: Settings
    store: Store
    client: Callable[[], Awaitable[Client]]
    templates: Jinja2Templates
    allowed: Allowed
    _directory: tuple[float, UnitDirectory] | None = field(default=None, repr=False)

    def directory(self) -> UnitDirectory:
        """The unit directory, read again only when its file changed."""
        path = self.settings.units_file
        try:
            changed = path.stat().st_mtime
            if self._directory is None or self._directory[0] != changed:
                self._directory = (changed, load_directory(path))
        except (OSError, DirectoryError) as exc:
            raise Refused(503, "unavailable", f"Không đọc được danh bạ đơn vị (UNITS_FILE={path}): {exc}") from None
        return self._directory[1]

    def unit_choices(self) -> list[Unit]:
        """The units (and clusters) the office may assign, from the directory."""
        return [u for u in self.directory().units if u.kind in (UnitKind.UNIT, UnitKind.CLUSTER)]

    def page(self, request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
        return self.templates.TemplateResponse(request, name, context, status_code=status)

    def done(self, request: Request, who: Signed, campaign_id: str, message: str, status: int = 200,
             **more: Any) -> Response:  # fmt: skip
        """The workflow's (or the store's) own answer to an office action; `more` for what the page offers next."""
        context = {"who": who, "campaign_id": campaign_id, "message": message, **more}
        return self.page(request, "done.html", context, status)


def via(who: Signed) -> str:
    """The audit trail's actor for an office action: the person's user name and role."""
    return f"{who.person.name} ({who.person.role})"
