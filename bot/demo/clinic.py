"""The demo's clinic: who is in it, and how they are enrolled.

Everyone joins the way a real clinic's people do: a coordinator's invitation (the same
service `ember invite` calls), ``/start <code>`` from the person's chat in the simulator,
and, for each participant, the consent message answered with its button. The participant
and their partner are linked as a couple (the same service `ember couple link` calls), both
with the same therapist; each is put on the default protocol with the couple's dosing
session today and two integration sessions (the morning after, and a week later), so the
whole schedule lies ahead.

Each pane of the page is one :class:`Pane`; the page shows whatever panes it is given.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.app import Ember
from bot.domain.people import Role
from bot.simulator import FakeTelegram, FakeUser

PROTOCOL = "mdma-integration"
DIGEST_AT = "08:00"  # the therapist's daily digest, local time
DOSING_AT = "09:00"  # today's dosing session, local time
START_AT = "17:30"  # the demo begins the evening of the dosing day, local time
# integration sessions, as (days after dosing, local time): the morning after, a week on
INTEGRATION = ((1, "10:00"), (7, "15:00"))


@dataclass(frozen=True)
class Pane:
    """One person's chat with the bot, as a pane of the page."""

    key: str  # the pane's name in the page and its JSON API
    role: Role
    code: str  # the person's code in Ember
    user_id: int  # their Telegram user (and private chat) id in the simulator
    name: str  # their first name in Telegram
    title: str  # shown above the pane

    def user(self, tg: FakeTelegram, language: str = "en") -> FakeUser:
        """Their Telegram user (created, with ``language`` as the client's, on first use)."""
        return tg.user(self.user_id, self.name, language)


PARTICIPANT = Pane("participant", Role.PARTICIPANT, "P-0142", 8001, "Alex", "Participant")
PARTNER = Pane("partner", Role.PARTICIPANT, "P-0143", 8002, "Robin", "Partner")
THERAPIST = Pane("therapist", Role.THERAPIST, "T-01", 7001, "Dana", "Therapist")
COORDINATOR = Pane("coordinator", Role.COORDINATOR, "C-01", 6001, "Sam", "Coordinator")
PANES: tuple[Pane, ...] = (PARTICIPANT, PARTNER, THERAPIST, COORDINATOR)
COUPLE = (PARTICIPANT, PARTNER)


def demo_start(today: datetime, zone: str) -> datetime:
    """When the demo's clock starts: the evening of the dosing day, ``today`` in ``zone``."""
    local = today.astimezone(ZoneInfo(zone))
    hour, minute = (int(part) for part in START_AT.split(":"))
    return local.replace(hour=hour, minute=minute, second=0, microsecond=0)


async def _join(
    ember: Ember, tg: FakeTelegram, pane: Pane, zone: str, language: str = "en"
) -> FakeUser:
    """Invite one person and redeem the invitation from their chat."""
    created = await ember.services.enrollment.invite(
        None,
        role=pane.role,
        code=pane.code,
        therapist_code=THERAPIST.code if pane.role is Role.PARTICIPANT else None,
        name=f"{pane.name} Weber" if pane.role is not Role.PARTICIPANT else None,
        timezone=zone,
        language=language,
    )
    user = pane.user(tg, language)
    user.send_command("/start", created.raw_code)
    return user


async def _consent(
    ember: Ember, tg: FakeTelegram, pane: Pane, zone: str, language: str, patience: float
) -> None:
    """Enrol one participant: the invitation redeemed, the consent message agreed to."""
    participant = await _join(ember, tg, pane, zone, language)
    agree = ember.catalogue.text("consent.agree", language)
    consent = await participant.wait_for_message(
        lambda m: any(label == agree for label, _ in m.buttons), timeout=patience
    )
    participant.press(consent, text=agree)
    agreed = ember.catalogue.text("consent.agreed", language)
    await participant.wait_for_message(lambda m: m.text == agreed, timeout=patience)


async def enroll(
    ember: Ember, tg: FakeTelegram, zone: str, *, language: str = "en", patience: float = 30.0
) -> None:
    """Enrol the therapist, the coordinator, the participant and their partner (each with
    consent, in ``language``), link the two as a couple, and give both the default protocol
    and the couple's sessions."""
    therapist = await _join(ember, tg, THERAPIST, zone)
    await therapist.wait_for_message(timeout=patience)
    await ember.services.staffing.set_therapist(THERAPIST.code, digest_at=DIGEST_AT)
    coordinator = await _join(ember, tg, COORDINATOR, zone)
    await coordinator.wait_for_message(timeout=patience)
    for pane in COUPLE:
        await _consent(ember, tg, pane, zone, language, patience)
    await ember.services.couples.link(None, PARTICIPANT.code, PARTNER.code)

    today = ember.clock.now().astimezone(ZoneInfo(zone)).date()
    for pane in COUPLE:
        await ember.services.planning.assign_protocol(pane.code, PROTOCOL)
        await ember.services.sessions.add(None, pane.code, "dosing", f"{today} {DOSING_AT}")
        for days, at in INTEGRATION:
            day = today + timedelta(days=days)
            await ember.services.sessions.add(None, pane.code, "integration", f"{day} {at}")
