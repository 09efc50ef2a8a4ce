"""Bodies at the door (issue 25): the credential is checked before any body is read, bodies are capped
while they stream, and a body or a form field too large is answered in Vietnamese with the security
headers."""

from __future__ import annotations

import tracemalloc

from tests.doors_env import Body, MiB, bad_link
from tests.office_env import PASSWORD, sign_in


async def test_the_credential_is_checked_before_any_body_is_read(portal) -> None:
    good = portal.token("so-vhtt")
    boundary = "b0undary"
    head = (f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="a.png"\r\n'
            "Content-Type: image/png\r\n\r\n").encode()  # fmt: skip
    multipart = {"content-type": f"multipart/form-data; boundary={boundary}"}
    tail = f"\r\n--{boundary}--\r\n".encode()
    refused = {
        "api, no credential": ("/api/v1/activities/1/report", {"content-type": "application/json"}, 401),
        "api, forged": ("/api/v1/activities/1/report", {"authorization": f"Bearer {bad_link(1)}"}, 403),
        "form, garbage link": ("/u/not-a-token/report/1", multipart, 404),
        "office, nobody signed in": ("/campaigns/new", multipart, 401),
    }
    answers = {}
    async with portal.http(address="198.51.100.77") as http:
        for name, (path, headers, _) in refused.items():
            body = Body(150 * MiB, head, tail)
            answer = await http.post(path, content=body, headers=headers)  # type: ignore[arg-type]
            answers[name] = (answer.status_code, body.pulled, answer.headers["content-type"])
        api_body = Body(150 * MiB)
        as_json = {"authorization": f"Bearer {good}", "content-type": "application/json"}
        api = await http.post("/api/v1/activities/1/report", content=api_body, headers=as_json)  # type: ignore[arg-type]
        tracemalloc.start()
        form_body = Body(150 * MiB, head, tail)
        form = await http.post(f"/u/{good}/report/1", content=form_body, headers=multipart)  # type: ignore[arg-type]
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        codec_body = Body(150 * MiB)  # without PAYLOAD_KEYS the codec is open (decompression only), capped at 8 MB
        codec = await http.post("/codec/decode", content=codec_body)  # type: ignore[arg-type]
        huge = {"content-length": str(200 * MiB)}
        declared = await http.post(f"/u/{bad_link(2)}/report/1", content=b"x", headers=huge)
    for name, (_, _, status) in refused.items():
        assert answers[name][:2] == (status, 0), name  # not one byte read
    assert answers["form, garbage link"][2].startswith("text/html")
    assert codec.status_code == 413 and codec_body.pulled <= 9
    assert api.status_code == 413 and api.json()["code"] == "too_large" and api_body.pulled <= 2
    assert form.status_code == 413 and "quá lớn" in form.text and form_body.pulled <= 102
    assert peak < 32 * MiB, f"{peak / MiB:.0f} MiB held while refusing a 150 MiB upload"
    assert declared.status_code == 403  # a bad link answers as one, whatever the body claims to be


async def test_a_body_declared_too_large_is_refused_with_the_security_headers(doors) -> None:
    async with doors.http() as http:
        await sign_in(http, "vp", PASSWORD)
        answer = await http.post("/campaigns/new", content=b"x", headers={"content-length": str(200 * MiB)})
    assert answer.status_code == 413 and "quá lớn" in answer.text
    assert (
        answer.headers["x-content-type-options"] == "nosniff"
        and "frame-ancestors" in answer.headers["content-security-policy"]
    )


async def test_a_form_field_over_1_mb_is_answered_in_vietnamese_html(doors) -> None:
    async with doors.http() as http:
        await sign_in(http, "btv", PASSWORD)
        answer = await http.post(
            "/campaigns/c/activities/1/excuse", files={"reason": (None, "Lý do " * 300_000), "unit": (None, "x")}
        )
    assert answer.status_code == 400 and answer.headers["content-type"].startswith("text/html")
    assert "dài quá 1 MB" in answer.text
