"""`ember checklist validate` and `ember checklist check`: the pre-session safety check."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from bot.cli.common import app

checklist_app = typer.Typer(
    help="Pre-session safety checklists (YAML files in prompts/checklists/).",
    no_args_is_help=True,
)
app.add_typer(checklist_app, name="checklist")


@checklist_app.command("validate")
def checklist_validate(
    files: Annotated[list[str], typer.Argument(help="Checklist YAML files")],
) -> None:
    """Check checklist files; every problem is printed as file:line: reason."""
    from prompts.checklist_loader import validate_checklist_file

    bad = 0
    for name in files:
        problems = validate_checklist_file(name)
        for problem in problems:
            typer.echo(str(problem), err=True)
        if problems:
            bad += 1
        else:
            typer.echo(f"{name}: ok")
    if bad:
        raise typer.Exit(1)


@checklist_app.command("check")
def checklist_check(
    file: Annotated[str, typer.Argument(help="Checklist YAML file")],
    answer: Annotated[str, typer.Argument(help="An answer, as a participant would write it")],
) -> None:
    """What the checklist finds in an answer, as JSON: each contraindication named."""
    from bot.domain.checklist import evaluate
    from bot.errors import ContentFileError
    from prompts.checklist_loader import load_checklist

    try:
        checklist = load_checklist(file)
    except ContentFileError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    findings = [
        {
            "contraindication": f.contraindication,
            "category": f.category,
            "reason": f.reason,
            "span": list(f.span),
            "text": f.text,
        }
        for f in evaluate(checklist, answer)
    ]
    typer.echo(
        json.dumps({"contraindicated": bool(findings), "findings": findings}, ensure_ascii=False)
    )
