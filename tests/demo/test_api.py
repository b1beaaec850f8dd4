"""The demo page's JSON API, driven over HTTP as the page drives it (no browser)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from bot.demo import RunningDemo, running_demo

State = dict[str, Any]


def pane(state: State, key: str) -> dict[str, Any]:
    return next(p for p in state["panes"] if p["key"] == key)


def texts(state: State, key: str, *, from_bot: bool = True) -> list[str]:
    return [m["text"] for m in pane(state, key)["messages"] if m["from_bot"] == from_bot]


async def state_when(
    client: httpx.AsyncClient, check: Callable[[State], bool], within: float = 10.0
) -> State:
    """The page's state once ``check`` holds (polled as the page would be pushed it)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        state: State = (await client.get("/api/state")).json()
        if check(state):
            return state
        if loop.time() > deadline:
            raise AssertionError(f"never came true; last state: {state}")
        await asyncio.sleep(0.05)


class TestThePage:
    async def test_four_people_are_enrolled_each_with_their_own_command_menu(
        self, demo: RunningDemo
    ) -> None:
        async with httpx.AsyncClient(base_url=demo.url) as client:
            page = await client.get("/")
            state: State = (await client.get("/api/state")).json()
            script = await client.get("/static/demo.js")
        assert page.status_code == 200 and "/static/demo.js" in page.text
        assert script.status_code == 200 and "WebSocket" in script.text
        keys = [p["key"] for p in state["panes"]]
        assert keys == ["participant", "partner", "therapist", "coordinator"]
        menus = {p["key"]: [c["command"] for c in p["menu"]] for p in state["panes"]}
        assert "crisis" in menus["participant"] and "ack" not in menus["participant"]
        assert menus["partner"] == menus["participant"]
        assert "ack" in menus["therapist"] and "invite" not in menus["therapist"]
        assert "invite" in menus["coordinator"] and "crisis" not in menus["coordinator"]
        assert any("all set" in t for t in texts(state, "participant"))
        assert any("all set" in t for t in texts(state, "partner"))
        partner = pane(state, "partner")
        assert (partner["code"], partner["name"]) == ("P-0143", "Robin")
        assert state["clock"]["zone"] == "Europe/Berlin" and "17:30" in state["clock"]["local"]

    async def test_a_message_typed_as_the_participant_gets_the_bots_reply(
        self, demo: RunningDemo
    ) -> None:
        async with httpx.AsyncClient(base_url=demo.url) as client:
            before = len(texts((await client.get("/api/state")).json(), "participant"))
            sent = await client.post(
                "/api/panes/participant/send", json={"text": "A quiet afternoon, thank you."}
            )
            state = await state_when(client, lambda s: len(texts(s, "participant")) > before)
        assert sent.status_code == 200
        assert texts(state, "participant", from_bot=False)[-1] == "A quiet afternoon, thank you."
        assert texts(state, "participant")[-1]  # the bot answered in the participant's pane

    async def test_a_command_gets_its_formatted_answer_and_nonsense_is_refused(
        self, demo: RunningDemo
    ) -> None:
        async with httpx.AsyncClient(base_url=demo.url) as client:
            await client.post("/api/panes/therapist/send", json={"text": "/help"})
            state = await state_when(client, lambda s: "/flags" in texts(s, "therapist")[-1])
            unknown = await client.post("/api/panes/nobody/send", json={"text": "hi"})
            empty = await client.post("/api/panes/therapist/send", json={"text": "  "})
            wrong_jump = await client.post("/api/time", json={"to": "yesterday"})
        assert "/ack" in texts(state, "therapist")[-1]
        assert (unknown.status_code, empty.status_code, wrong_jump.status_code) == (404, 400, 400)


class TestTimeTravel:
    async def test_the_partners_are_a_couple_with_the_same_therapist_and_dosing_session(
        self, demo: RunningDemo
    ) -> None:
        services = demo.ember.services
        assert await services.couples.partner_code(None, "P-0142") == "P-0143"
        assert await services.couples.partner_code(None, "P-0143") == "P-0142"
        async with demo.ember.storage.reader() as uow:
            alex = await uow.people.by_code("P-0142")
            robin = await uow.people.by_code("P-0143")
            assert alex is not None and robin is not None
            assert alex.therapist_id == robin.therapist_id is not None
            theirs = [await uow.schedules.sessions_of(p.id) for p in (alex, robin)]
        (alex_sessions, robin_sessions) = (
            sorted((s.kind, s.starts_at) for s in sessions) for sessions in theirs
        )
        assert alex_sessions == robin_sessions
        assert [kind for kind, _ in alex_sessions].count("dosing") == 1

    async def test_next_due_brings_the_brief_then_the_evening_prompt_to_both_partners(
        self, demo: RunningDemo
    ) -> None:
        async with httpx.AsyncClient(base_url=demo.url, timeout=30) as client:
            brief = (await client.post("/api/time", json={"to": "next"})).json()
            state = (await client.get("/api/state")).json()
            briefs = [t for t in texts(state, "therapist") if t and t.startswith("Before P-")]
            prompt = (await client.post("/api/time", json={"to": "next"})).json()
            state = await state_when(
                client,
                lambda s: all(
                    "next therapy session" in texts(s, key)[-1]
                    for key in ("participant", "partner")
                ),
            )
        # the evening before the integration session at 10:00: each partner's brief
        assert brief["local"].endswith(", 18:00") and brief["sent"] >= 2
        assert sorted(t.split("'")[0] for t in briefs) == ["Before P-0142", "Before P-0143"]
        assert all("integration session" in t for t in briefs)
        assert prompt["local"].endswith(", 19:00") and prompt["sent"] >= 2

    async def test_tomorrow_brings_the_reminder_and_the_therapists_digest_in_order(
        self, demo: RunningDemo
    ) -> None:
        async with httpx.AsyncClient(base_url=demo.url, timeout=60) as client:
            walk = (await client.post("/api/time", json={"to": "tomorrow"})).json()
            state = (await client.get("/api/state")).json()
        assert walk["note"] == "" and walk["stops"] == len(walk["stopped_at"]) >= 2
        assert any(m.endswith(", 08:00") for m in walk["stopped_at"])  # the digest's moment
        assert any(m.endswith(", 18:00") for m in walk["stopped_at"])  # the brief's moment
        participant = texts(state, "participant")
        assert "next therapy session" in participant[-2]
        assert "reminder" in participant[-1]
        assert "reminder" in texts(state, "partner")[-1]
        assert any(t and t.startswith("Before P-0143") for t in texts(state, "therapist"))
        assert any(t.startswith("Digest for") for t in texts(state, "therapist"))
        assert "17:30" in state["clock"]["local"]  # the same time, a day later

    async def test_a_crisis_alert_escalates_as_the_clock_moves_and_stops_once_acknowledged(
        self, demo: RunningDemo
    ) -> None:
        crisis = "I have saved up pills and I will take them all tonight"
        async with httpx.AsyncClient(base_url=demo.url, timeout=60) as client:
            await client.post("/api/panes/participant/send", json={"text": crisis})
            state = await state_when(
                client, lambda s: any("CRISIS" in t for t in texts(s, "therapist"))
            )
            alert = next(
                m for m in pane(state, "therapist")["messages"] if "CRISIS" in (m["text"] or "")
            )
            await client.post("/api/time", json={"to": "next"})  # 15 minutes on: round 1
            state = await state_when(
                client, lambda s: any("CRISIS" in t for t in texts(s, "coordinator"))
            )
            (button,) = alert["buttons"][0]
            pressed = await client.post(
                "/api/panes/therapist/press",
                json={"message_id": alert["id"], "data": button["data"]},
            )
            state = await state_when(
                client,
                lambda s: all(
                    "Acknowledged by" in t
                    for key in ("therapist", "coordinator")
                    for t in texts(s, key)
                    if "CRISIS" in t
                ),
            )
        assert pressed.status_code == 200
        copy = next(m for m in pane(state, "therapist")["messages"] if m["id"] == alert["id"])
        assert copy["edited"] and "Acknowledged by" in copy["text"] and copy["buttons"] == []


class TestMedia:
    async def test_documents_and_photos_the_bot_sends_are_shown_and_served(
        self, demo: RunningDemo
    ) -> None:
        chart = b"\x89PNG\r\n\x1a\n" + bytes(64)  # what a digest's chart is sent as
        async with httpx.AsyncClient(base_url=demo.url) as client:
            await client.post("/api/panes/participant/send", json={"text": "/export"})
            state = await state_when(
                client, lambda s: "file" in pane(s, "participant")["messages"][-1]
            )
            document = pane(state, "participant")["messages"][-1]["file"]
            export = await client.get(document["url"])
            await demo.ember.application.bot.send_photo(7001, chart, caption="Mood, 14 days")
            state = await state_when(
                client, lambda s: "photo" in pane(s, "therapist")["messages"][-1]
            )
            photo = pane(state, "therapist")["messages"][-1]
            image = await client.get(photo["photo"])
            missing = await client.get("/api/files/no-such-file")
        assert document["kind"] == "document" and document["name"].endswith(".json")
        assert export.status_code == 200 and export.json()["participant"]["code"] == "P-0142"
        assert photo["text"] == "Mood, 14 days"
        assert image.content == chart and missing.status_code == 404


class TestLanguages:
    async def test_the_participant_can_be_enrolled_in_german(self, tmp_path: Path) -> None:
        async with (
            running_demo(workdir=tmp_path, language="de") as demo,
            httpx.AsyncClient(base_url=demo.url) as client,
        ):
            state = (await client.get("/api/state")).json()
        menu = {c["command"]: c["description"] for c in pane(state, "participant")["menu"]}
        assert texts(state, "participant")[-1].startswith("Vielen Dank")
        german = demo.ember.catalogue.text("help.participant.crisis", "de")
        assert menu["crisis"] == german != demo.ember.catalogue.text("help.participant.crisis")
        assert texts(state, "therapist")[-1].startswith("Welcome")  # staff keep English
