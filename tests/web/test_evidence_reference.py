"""How a report cites an uploaded file, built and read in one place (web.evidence; issue 22: the portal
built the reference, the office's list and its file route each built it again)."""

from __future__ import annotations

import ast

import pytest

from harness.paths import ROOT
from web.evidence import evidence_reference, stored_file_named

NAME = "ab" * 32 + ".png"


@pytest.mark.parametrize("portal_url", ["https://cong.example", "https://cong.example/", "http://127.0.0.1:8000"])
def test_a_reference_names_its_stored_file(portal_url: str) -> None:
    reference = evidence_reference(portal_url, NAME)
    assert reference == f"{portal_url.rstrip('/')}/evidence/{NAME}"
    assert stored_file_named(portal_url, reference) == NAME
    assert stored_file_named(portal_url, f"  {reference}\n") == NAME  # as a textarea sends it


@pytest.mark.parametrize(
    "reference",
    [
        f"https://other.example/evidence/{NAME}",  # another site's path
        "https://drive.google.com/file/d/xyz",  # a link the unit typed
        "https://cong.example/evidence/../settings.py",
        f"https://cong.example/evidence/{NAME[:-4]}.exe",
        "https://cong.example/evidence/abc.png",  # not a stored name (sha256)
        f"https://cong.example/evidence/{NAME}/more",
    ],
)
def test_anything_else_is_a_link(reference: str) -> None:
    assert stored_file_named("https://cong.example", reference) is None


def test_no_other_module_builds_the_reference() -> None:
    """Outside web/evidence.py, no f-string in web/ writes `…/evidence/{…}` but the routes of the office
    (`/campaigns/{id}/evidence/{name}`) and the unit (`/u/{token}/evidence/{name}`) and a message."""
    built = []
    for path in (ROOT / "web").glob("*.py"):
        if path.name == "evidence.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.JoinedStr):
                text = ast.unparse(node)
                if "/evidence/{" in text and not any(
                    route in text for route in ("/campaigns/{", "/u/{", "…/evidence/")
                ):
                    built.append(f"{path.name}:{node.lineno}: {text}")
    assert not built, "\n".join(built)
