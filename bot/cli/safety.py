"""`ember screen`, `ember therapist set` and `ember oncall`."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from bot.cli.common import app, fail, services_call, settings_or_exit

# -- safety ---------------------------------------------------------------------------

therapist_app = typer.Typer(
    rich_markup_mode=None,  # plain help: rich would double the start-up time
    help="Therapists' settings.",
    no_args_is_help=True,
)
app.add_typer(therapist_app, name="therapist")


@app.command()
def screen(
    text: Annotated[str | None, typer.Argument(help="Text to check")] = None,
    jsonl: Annotated[
        bool, typer.Option("--jsonl", help='Read {"id","text"} lines from stdin')
    ] = False,
    lang: Annotated[str | None, typer.Option(help="Language hint: en, de, es, fr")] = None,
    explain: Annotated[
        bool, typer.Option("--explain", help="Say in words what was found and why")
    ] = False,
    eval_file: Annotated[
        str | None,
        typer.Option(
            "--eval",
            metavar="CASES.jsonl",
            help='Score labelled {"id","text","label","lang"} lines: recall per tier, '
            "false alarms, per language",
        ),
    ] = None,
    misses: Annotated[bool, typer.Option("--misses", help="With --eval: list the misses")] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="With --eval: the report as JSON")
    ] = False,
) -> None:
    """The risk screener's verdict as JSON: tier, categories and evidence (rule, span, text)."""
    import json

    from prompts.screening_cache import cache_dir, shipped_screener

    # from the start-up cache when `ember run` has filled it for these rules; else built,
    # each gate when a text needs it, and nothing kept (a rule just edited costs no more)
    screener = shipped_screener(cache_dir(), warm=False, keep=False).screener
    if eval_file is not None:
        _evaluate(screener, eval_file, misses, as_json)
        return
    if explain:
        if text is None:
            fail("give a TEXT to explain")
        typer.echo(explain_verdict(screener, text or "", lang))
        return
    if not jsonl:
        if text is None:
            fail("give a TEXT to check, or --jsonl with lines on standard input")
        typer.echo(json.dumps(screener.screen(text or "", lang).as_json(), ensure_ascii=False))
        return
    _screen_lines(screener, lang)


def _screen_lines(screener: Any, lang: str | None) -> None:
    """``ember screen --jsonl``: one verdict line per input line, in order.

    The lines are written to standard output in blocks rather than one flushed write
    each (a whole journal history is tens of thousands of lines); what was screened
    before a malformed line is still written before the error.
    """
    import json

    out = sys.stdout
    pending: list[str] = []
    for number, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        try:
            case = json.loads(line)
            case_id, case_text = case["id"], case["text"]
            if not isinstance(case_text, str):
                raise TypeError("text must be a string")
        except (ValueError, KeyError, TypeError) as exc:
            out.writelines(pending)
            out.flush()
            typer.echo(
                f'ember: stdin line {number}: not a {{"id", "text"}} object ({exc})', err=True
            )
            raise typer.Exit(1) from None
        verdict = screener.screen(case_text, case.get("lang") or lang)
        pending.append(json.dumps(verdict.as_json(str(case_id)), ensure_ascii=False) + "\n")
        if len(pending) >= _JSONL_BLOCK:
            out.writelines(pending)
            pending.clear()
    out.writelines(pending)
    out.flush()


_JSONL_BLOCK = 256  # verdict lines written to standard output at a time


def _evaluate(screener: Any, path: str, misses: bool, as_json: bool) -> None:
    import json
    from pathlib import Path

    from bot.domain.screening.evaluation import CaseFileError, evaluate, read_cases, render

    try:
        with Path(path).open(encoding="utf-8") as handle:
            cases = list(read_cases(handle))
    except OSError as exc:
        fail(f"cannot read {path} ({exc.strerror})")
    except CaseFileError as exc:
        fail(f"{path}: {exc}")
    report = evaluate(screener.screen, cases)
    if as_json:
        typer.echo(json.dumps(report.as_json(), ensure_ascii=False, indent=1))
    else:
        typer.echo(render(report, misses))


def explain_verdict(screener: Any, text: str, lang: str | None) -> str:
    """A verdict in words: the tier, what set it, every construct and rule with its words."""
    from bot.domain.screening.learned import reading

    verdict = screener.screen(text, lang)
    lines = [f"tier: {verdict.tier.label}"]
    if verdict.categories:
        lines.append(f"categories: {', '.join(verdict.categories)}")
    if verdict.combination:
        lines.append(f"set by the combination table: {verdict.combination}")
    rules = [
        e
        for e in verdict.evidence
        if ".construct." not in e.rule and not e.rule.startswith("model.")
    ]
    if rules:
        lines.append("phrase rules and context cues:")
        lines += [f"  {e.rule:<36} {e.text!r} at {e.span[0]}-{e.span[1]}" for e in rules]
    found = screener.read_constructs(text, lang)
    if found:
        normalised = screener.normalise(text)
        lines.append("constructs:")
        for f in found:
            state = "counts" if f.blocked_by is None else f"does not count ({f.blocked_by})"
            start, end = normalised.span(f.start, f.end)
            words = normalised.original[start:end]
            lines.append(f"  {f.construct:<14} {words!r}  {state}")
    model = screener.learned
    if model is not None:
        folded = screener.normalise(text).text
        # the rules' verdict the layer read: the final one, unless the layer raised it
        rules = verdict if verdict.learned is None else screener.screen(text, lang, learned=False)
        read = reading(rules)
        odds = ", ".join(
            f"at least {h.tier.label} {p:.2f} (raises from {h.threshold:.2f})"
            for h, p in zip(model.heads, model.probabilities(folded, read), strict=True)
        )
        lines.append(f"learned layer: {odds}")
        lines.append("  it reads the words and what the rules found: " + ", ".join(read))
        if verdict.learned is not None:
            words = [e for e in verdict.evidence if e.rule.startswith("model.")]
            lines.append(
                f"  it raised the tier to {verdict.tier.label}; the words that weighed most: "
                + ", ".join(repr(e.text) for e in words)
            )
        elif verdict.discounted:
            lines.append("  quiet: the rules read a cue about the risk words and set them aside")
    if len(lines) == 1:
        lines.append("nothing of concern was found")
    return "\n".join(lines)


@therapist_app.command("set")
def therapist_set(
    code: Annotated[str, typer.Argument(help="Therapist code, e.g. T-01")],
    backup: Annotated[str | None, typer.Option(help="Backup therapist's code")] = None,
    digest_at: Annotated[str | None, typer.Option(help="Local time of the daily digest")] = None,
    quiet: Annotated[
        str | None, typer.Option(help="Quiet hours for moderate alerts, e.g. 22:00-07:00")
    ] = None,
    tz: Annotated[str | None, typer.Option(help="IANA time zone")] = None,
) -> None:
    """Set a therapist's backup, digest time, quiet hours and time zone."""
    settings = settings_or_exit()

    async def use(services: Any) -> Any:
        return await services.staffing.set_therapist(
            code, backup=backup, digest_at=digest_at, quiet=quiet, tz=tz
        )

    try:
        person = services_call(settings, use)
    except ValueError as exc:
        fail(str(exc))
        raise
    typer.echo(
        f"{person.code}: zone {person.timezone}, digest at {person.digest_at or '-'}, "
        f"quiet {person.quiet_hours or '-'}, backup {backup.upper() if backup else '-'}"
    )


@app.command()
def oncall(code: Annotated[str, typer.Argument(help="Therapist code, e.g. T-02")]) -> None:
    """Set who receives escalations now (with the backup and the coordinators)."""
    settings = settings_or_exit()

    async def use(services: Any) -> Any:
        return await services.staffing.set_oncall(code)

    person = services_call(settings, use)
    typer.echo(f"{person.code} is on call")
