"""Injectable failures: error answers, slow answers (client timeouts), dropped connections."""

from __future__ import annotations

from ._models import Fault

__all__ = ["FaultInjection"]


class FaultInjection:
    """The fault-injection part of :class:`FakeTelegram` (a mixin).

    Faults are consumed in the order they were added; each matches by method name
    (case-insensitive, ``"*"`` for any) and optionally by ``chat_id``.
    """

    faults: list[Fault]
    default_timeout_delay: float

    def fail_next(
        self,
        method: str,
        *,
        status: int = 500,
        description: str = "Internal Server Error",
        count: int = 1,
        retry_after: int | None = None,
        chat_id: int | None = None,
    ) -> None:
        """Answer the next ``count`` calls of ``method`` (``"*"``: any) with an error.

        The request is not processed. ``retry_after`` adds ``parameters.retry_after`` (use
        with ``status=429``, description ``"Too Many Requests: retry after N"``).
        ``chat_id`` restricts the fault to calls for that chat.
        """
        if status == 429 and retry_after is None:
            retry_after = 1
        if status == 429 and description == "Internal Server Error":
            description = f"Too Many Requests: retry after {retry_after}"
        self.faults.append(Fault("error", method, count, chat_id, status, description, retry_after))

    def timeout_next(
        self,
        method: str,
        *,
        count: int = 1,
        after_processing: bool = True,
        delay: float | None = None,
        chat_id: int | None = None,
    ) -> None:
        """Hold the answer to the next ``count`` calls for ``delay`` seconds.

        ``after_processing=True``: the call takes effect at once (the message IS sent),
        only the answer is late: the ambiguous case. ``False``: nothing happens and the
        late answer is ``502 Bad Gateway``. ``delay`` defaults to ``default_timeout_delay``
        (30 s); a client with a shorter read timeout gets ``TimedOut``.
        """
        self.faults.append(
            Fault(
                "timeout",
                method,
                count,
                chat_id,
                502,
                "Bad Gateway",
                None,
                after_processing,
                self.default_timeout_delay if delay is None else delay,
            )
        )

    def drop_connection_next(
        self,
        method: str,
        *,
        count: int = 1,
        after_processing: bool = False,
        chat_id: int | None = None,
    ) -> None:
        """Close the connection without answering the next ``count`` calls of ``method``.

        The client sees ``NetworkError``. ``after_processing=True`` processes the call first
        (the message IS sent); the default ``False`` drops it unprocessed.
        """
        self.faults.append(Fault("drop", method, count, chat_id, 0, "", None, after_processing))

    def clear_faults(self) -> None:
        self.faults.clear()

    def _take_fault(self, method: str, chat_id: int | None) -> Fault | None:
        for fault in self.faults:
            if fault.matches(method, chat_id):
                fault.count -= 1
                if fault.count <= 0:
                    self.faults.remove(fault)
                return fault
        return None
