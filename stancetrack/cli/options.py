"""Options several commands share, as `Annotated` types: one definition, one help text.

Options that select claims (--actor, --article, ...) live in `selection.py`.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from stancetrack.cli.render import DocumentFormat, Format

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="STANCETRACK_DATABASE_URL",
        help="Database URL (default: sqlite:///stancetrack.db in the current directory).",
        show_default=False,
    ),
]


def _format() -> Any:
    return typer.Option(
        "--format",
        "-f",
        help="Output format (default: table on a terminal, json when piped).",
        show_default=False,
    )


FormatOption = Annotated[Format | None, _format()]
# Commands whose result is one document (extract, check, eval) print it as table or json.
DocumentFormatOption = Annotated[DocumentFormat | None, _format()]
DebugOption = Annotated[
    bool,
    typer.Option("--debug", envvar="STANCETRACK_DEBUG", help="Show tracebacks on errors."),
]

# The LLM endpoint. Settings read the same variables; the envvar here shows them in --help.
BackendOption = Annotated[
    str | None,
    typer.Option(
        "--backend",
        "-b",
        help="auto (openai when an endpoint is configured, else rules), or an installed "
        "backend: openai, rules, or a plugin's name.",
        show_default=False,
    ),
]
ModelOption = Annotated[
    str | None,
    typer.Option(
        "--model", "-m", envvar="STANCETRACK_MODEL", help="Model name.", show_default=False
    ),
]
BaseUrlOption = Annotated[
    str | None,
    typer.Option(
        "--base-url",
        envvar="OPENAI_BASE_URL",
        help="OpenAI-compatible endpoint, e.g. http://127.0.0.1:8080/v1.",
        show_default=False,
    ),
]
ConcurrencyOption = Annotated[
    int | None,
    typer.Option(
        "--concurrency",
        "-c",
        envvar="STANCETRACK_CONCURRENCY",
        min=1,
        max=512,
        help="Requests in flight at once (default 8).",
        show_default=False,
    ),
]
# The stance target (docs/CONTRACTS.md, "Targets"):
# extract stores claims for it, every query reads only its
# claims. The default comes from settings (STANCETRACK_TARGET, `.env`), see `query_target`.


def _target_option(value: str | None) -> str | None:
    """Blank and overlong targets are refused before any database is opened."""
    from stancetrack.targets import TARGET_MAX_CHARS, one_spaced

    if value is not None and not one_spaced(value):
        raise typer.BadParameter("a target must not be blank")
    if value is not None and len(one_spaced(value)) > TARGET_MAX_CHARS:
        raise typer.BadParameter(f"a target has at most {TARGET_MAX_CHARS} characters")
    return value


TargetOption = Annotated[
    str | None,
    typer.Option(
        "--target",
        callback=_target_option,
        help="The stance target whose claims to use (default: STANCETRACK_TARGET, "
        "else NATO expansion).",
        show_default=False,
    ),
]
TimeoutOption = Annotated[
    float | None,
    typer.Option(
        "--timeout", min=0.001, help="Seconds to wait for each request.", show_default=False
    ),
]
