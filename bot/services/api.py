"""The one ``Services`` object: every capability's use cases, bound to the context.

``bot/app.py`` builds it; handlers (through ``context.services``), the jobs and the command
line call the same groups, e.g. ``services.escalation.acknowledge(...)`` or
``services.journal.record(...)``. Each group lives with its capability in
``bot/services/<capability>.py``; nothing here imports ``telegram``.
"""

from __future__ import annotations

from bot.services.access import Access
from bot.services.audit import AuditTrail
from bot.services.briefs import Briefs
from bot.services.cohorts import Cohorts
from bot.services.context import ServiceContext
from bot.services.couples import Couples
from bot.services.digests import Digests
from bot.services.enrollment import Enrollment
from bot.services.erasure import Erasure
from bot.services.escalation import Escalation
from bot.services.exports import Exports
from bot.services.flags import Flags
from bot.services.journal import Journal
from bot.services.notes import Notes
from bot.services.participation import Participation
from bot.services.planning import Planning
from bot.services.prompting import Prompting
from bot.services.questionnaire_flow import Questionnaires
from bot.services.replies import Replies
from bot.services.sessions import Sessions
from bot.services.staffing import Staffing
from bot.services.stats import Stats
from bot.services.triage import Triage

__all__ = ["Services"]


class Services:
    """Every use case the Telegram adapters, the jobs and the command line call, by capability."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        self.access = Access(ctx)
        self.replies = Replies(ctx)
        self.enrollment = Enrollment(ctx)
        self.journal = Journal(ctx)
        self.participation = Participation(ctx)
        self.erasure = Erasure(ctx)
        self.prompting = Prompting(ctx)
        self.questionnaires = Questionnaires(ctx)
        self.flags = Flags(ctx)
        self.escalation = Escalation(ctx)
        self.planning = Planning(ctx)
        self.sessions = Sessions(ctx)
        self.cohorts = Cohorts(ctx)
        self.couples = Couples(ctx)
        self.staffing = Staffing(ctx)
        self.notes = Notes(ctx)
        self.exports = Exports(ctx)
        self.digests = Digests(ctx)
        self.briefs = Briefs(ctx)
        self.stats = Stats(ctx)
        self.audit = AuditTrail(ctx)
        self.triage = Triage(ctx)
