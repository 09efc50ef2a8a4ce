"""Whose request it is (issue 25): a claimed forwarded address or identity is believed only from the
trusted proxy, each client behind it counts on its own, and `serve` leaves uvicorn's header rewriting off."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from harness.net import free_port
from harness.waiting import until_listening
from tests.doors_env import Doors, bad_link
from tests.portal_env import portal_settings


async def test_a_claimed_forwarded_address_or_identity_is_not_believed(tmp_path) -> None:
    doors = Doors(tmp_path, portal_trusted_proxy="10.9.9.9", portal_proxy_roles="sso-lan=office")
    claimed = {"X-Forwarded-For": "10.9.9.9", "X-Remote-User": "sso-lan"}
    async with doors.http(address="127.0.0.1") as http:
        new_campaign = await http.get("/campaigns/new", headers=claimed)
        excuse = await http.post("/campaigns/c/activities/1/excuse", data={"unit": "x", "reason": "y"}, headers=claimed)
        # a new claimed address for every guess: still one address, the socket's
        guesses = [
            (await http.get(f"/u/{bad_link(n)}", headers={"X-Forwarded-For": f"198.51.100.{n}"})).status_code
            for n in range(21)
        ]
    async with doors.http(address="10.9.9.9") as proxy:
        through_proxy = await proxy.get("/campaigns/new", headers={"X-Remote-User": "sso-lan"})
    assert new_campaign.status_code == 401 and excuse.status_code == 401
    assert guesses[:20] == [403] * 20 and guesses[20] == 429
    assert through_proxy.status_code == 200  # the real proxy is still believed


async def test_behind_a_proxy_on_the_same_host_each_forwarded_client_counts(tmp_path) -> None:
    doors = Doors(tmp_path, portal_trusted_proxy="127.0.0.1,10.0.0.0/24", portal_proxy_roles="lan=committee")
    async with doors.http(address="127.0.0.1") as proxy:
        sso = await proxy.get("/campaigns", headers={"X-Forwarded-For": "192.0.2.10", "X-Remote-User": "lan"})
        two_hops = {"X-Forwarded-For": "192.0.2.20, 10.0.0.7"}  # a client, then a trusted inner proxy
        first = [(await proxy.get(f"/u/{bad_link(n)}", headers=two_hops)).status_code for n in range(21)]
        other = await proxy.get(f"/u/{bad_link(99)}", headers={"X-Forwarded-For": "192.0.2.30"})
    assert sso.status_code == 200 and "lan" in sso.text
    assert first[20] == 429  # the client behind both proxies waits …
    assert other.status_code == 403  # … and another client of the same proxy does not


async def test_serve_runs_uvicorn_without_its_own_proxy_header_rewriting(tmp_path) -> None:
    """Over real HTTP with the settings `serve` gives uvicorn: X-Forwarded-For from 127.0.0.1 changes nothing."""
    import uvicorn

    from web.server import server_config

    doors = Doors(tmp_path)
    port = free_port()
    server = uvicorn.Server(server_config(doors.app, "127.0.0.1", port, doors.settings))
    serving = asyncio.create_task(server.serve())
    await until_listening(server, serving)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            guesses = [
                (await http.get(f"/u/{bad_link(n)}", headers={"X-Forwarded-For": f"198.51.100.{n}"})).status_code
                for n in range(21)
            ]
    finally:
        server.should_exit = True
        await serving
    assert guesses[20] == 429


def test_a_trusted_proxy_must_be_an_address_or_a_network(tmp_path) -> None:
    with pytest.raises(ValueError, match="không phải địa chỉ IP"):
        portal_settings(tmp_path, portal_trusted_proxy="proxy.example")
