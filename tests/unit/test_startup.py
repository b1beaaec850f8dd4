"""Start-up builds the screener with each language's gate left until a text needs it (the
rest are warmed afterwards): the verdicts are those of a screener warmed up front. The Bot
API's two connection pools share one TLS context."""

from __future__ import annotations

import json
from pathlib import Path

from prompts.screening_loader import build_screener, default_screener

CASES = Path(__file__).resolve().parents[1] / "screening_data" / "dev.jsonl"


def test_a_screener_whose_gates_are_built_late_gives_the_same_verdicts() -> None:
    warm, late = default_screener(), build_screener(warm=False)
    lines = CASES.read_text(encoding="utf-8").splitlines()[::50]  # a spread of ~160 cases
    compared = 0
    for line in lines:
        case = json.loads(line)
        for lang in (case.get("lang"), None):
            a, b = warm.screen(case["text"], lang), late.screen(case["text"], lang)
            assert (b.tier, b.categories) == (a.tier, a.categories), case["id"]
            assert [(e.rule, e.span) for e in b.evidence] == [
                (e.rule, e.span) for e in a.evidence
            ], case["id"]
            compared += 1
    assert compared >= 300


def test_the_bot_api_pools_share_one_tls_context_that_trusts_the_usual_authorities() -> None:
    import ssl

    from bot.app import tls_context

    context = tls_context("https://api.telegram.org/bot")
    assert context.verify_mode is ssl.CERT_REQUIRED and context.check_hostname
    assert context.cert_store_stats()["x509_ca"] > 50


def test_a_plain_http_bot_api_server_loads_no_certificates_and_would_refuse_tls() -> None:
    import ssl

    from bot.app import tls_context

    context = tls_context("http://127.0.0.1:8081/bot")
    assert context.verify_mode is ssl.CERT_REQUIRED and context.check_hostname
    assert context.cert_store_stats()["x509_ca"] == 0  # trusts nothing: a TLS peer is refused
