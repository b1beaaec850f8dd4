"""The pre-session safety check: an answer weighed against its checklist, and silence.

A checklist step's reply is weighed as soon as it is stored, in the same transaction: an
answer naming a contraindication raises a ``high`` medical flag, so the therapist is
alerted before the session, with the answer. A checklist still unanswered when its window
closes (the evening before the session, as the protocol times it) raises a flag too, in
the transaction that marks it missed. The participant is never told more than that their
therapist will go over their answers with them; no safety message goes out for either.
"""

from __future__ import annotations

from datetime import datetime

from bot.domain.checklist import evaluate
from bot.domain.people import Person
from bot.domain.protocol import StepKind
from bot.domain.records import ScheduledPrompt
from bot.domain.safety import EscalationPolicy, Tier
from bot.services.flags import FlagRaised, raise_flag
from bot.services.protocols import protocol_by_id
from bot.services.unit_of_work import UnitOfWorkProtocol
from prompts.catalogue import Catalogue
from prompts.checklist_loader import checklist_by_id

CHECKLIST_KIND = StepKind.CHECKLIST.value
#: A checklist nobody answered: the therapist follows it up before the session.
UNANSWERED_TIER = Tier.MODERATE
#: A contraindication named: the therapist sees it at once, before the session.
CONTRAINDICATION_TIER = Tier.HIGH


async def _checklist_id(uow: UnitOfWorkProtocol, prompt: ScheduledPrompt) -> str | None:
    if prompt.kind != CHECKLIST_KIND or prompt.protocol_id is None or prompt.step_id is None:
        return None
    protocol = await protocol_by_id(uow, prompt.protocol_id)
    return protocol.step(prompt.step_id).checklist


async def weigh_answer(
    uow: UnitOfWorkProtocol,
    *,
    now: datetime,
    catalogue: Catalogue,
    policy: EscalationPolicy,
    participant: Person,
    prompt: ScheduledPrompt,
    answer: str,
    message_id: int,
) -> FlagRaised | None:
    """Weigh a reply to a checklist prompt; a ``high`` medical flag when it names a
    contraindication (None otherwise, or when the prompt is not a checklist's)."""
    checklist_id = await _checklist_id(uow, prompt)
    if checklist_id is None:
        return None
    checklist = checklist_by_id(checklist_id)
    findings = evaluate(checklist, answer)
    if not findings:
        return None
    reasons = "; ".join(dict.fromkeys(f.reason for f in findings))
    return await raise_flag(
        uow,
        now=now,
        catalogue=catalogue,
        policy=policy,
        participant=participant,
        tier=CONTRAINDICATION_TIER,
        categories=("medical", *(f.category for f in findings)),
        evidence=[
            {
                "rule": f"checklist.{checklist.id}.{f.contraindication}",
                "span": [f.span[0], f.span[1]],
                "text": f.text,
            }
            for f in findings
        ],
        source_kind="checklist",
        source_id=message_id,
        text=answer,
        explanation=f"{checklist.name}: {reasons}. Answer: {answer[:600]}",
        safety_message=False,
    )


async def flag_unanswered(
    uow: UnitOfWorkProtocol,
    *,
    now: datetime,
    catalogue: Catalogue,
    policy: EscalationPolicy,
    participant: Person,
    prompt: ScheduledPrompt,
) -> FlagRaised | None:
    """A checklist prompt whose window closed unanswered: a flag for the therapist."""
    checklist_id = await _checklist_id(uow, prompt)
    if checklist_id is None:
        return None
    checklist = checklist_by_id(checklist_id)
    return await raise_flag(
        uow,
        now=now,
        catalogue=catalogue,
        policy=policy,
        participant=participant,
        tier=UNANSWERED_TIER,
        categories=("medical", "checklist_unanswered"),
        evidence=[{"rule": f"checklist.{checklist.id}.unanswered"}],
        source_kind="checklist_missed",
        source_id=prompt.id,
        explanation=f"{checklist.name}: not answered before the session",
        safety_message=False,
    )
