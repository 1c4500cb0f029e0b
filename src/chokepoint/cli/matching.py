"""``chokepoint`` commands: matching."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from chokepoint.cli.base import (
    AlliedOption,
    DbOption,
    HomeOption,
    LangOption,
    ProjectOption,
    RestrictedOption,
    YearOption,
    challenges_app,
    open_store,
    profiles_app,
)
from chokepoint.cli.output import FormatOption, OutOption, OutputFormat, echo_json, emit
from chokepoint.errors import UsageError


@challenges_app.command("add")
def challenges_add(
    project: ProjectOption,
    title: Annotated[str, typer.Option("--title", help="Title (Chinese or English).")],
    description: Annotated[str, typer.Option("--description", help="What has to be solved.")] = "",
    nodes: Annotated[str, typer.Option("--nodes", help="Linked node ids, comma-separated.")] = "",
    capabilities: Annotated[
        str, typer.Option("--capabilities", help="Required capabilities, comma-separated.")
    ] = "",
    owner: Annotated[
        str,
        typer.Option(
            "--owner", help="Publishing enterprise (actor id, never matched as its own solver) or user."
        ),
    ] = "",
    budget: Annotated[float | None, typer.Option("--budget", help="Budget.")] = None,
    deadline: Annotated[str | None, typer.Option("--deadline", help="Deadline, YYYY-MM-DD.")] = None,
    draft: Annotated[
        bool, typer.Option("--draft", help="Store it as a draft; publish it later with 'challenges publish'.")
    ] = False,
    db: DbOption = None,
) -> None:
    """Publish a technical challenge in the project (or store a draft)."""
    from chokepoint.service.matching import publish_challenge

    key, _ = publish_challenge(
        open_store(db),
        project,
        title=title,
        description=description,
        nodes=[n.strip() for n in nodes.split(",") if n.strip()],
        capabilities=[c.strip() for c in capabilities.split(",") if c.strip()],
        owner=owner,
        budget=budget,
        deadline=deadline,
        draft=draft,
    )
    typer.echo(f"challenge {key} ({'draft' if draft else 'published'}): {title}")


@challenges_app.command("list")
def challenges_list(
    project: ProjectOption, fmt: FormatOption = OutputFormat.table, db: DbOption = None
) -> None:
    """List the project's challenges."""
    from chokepoint.service.matching import list_challenges

    rows = list_challenges(open_store(db), project)
    emit(fmt, rows=rows, columns=["id", "status", "title", "nodes", "owner"])


@challenges_app.command("show")
def challenges_show(
    challenge: Annotated[str, typer.Argument(help="Challenge id, e.g. C0001.")],
    project: ProjectOption,
    db: DbOption = None,
) -> None:
    """Print one challenge and its bids."""
    from chokepoint.service.matching import challenge_with_bids

    echo_json(challenge_with_bids(open_store(db), project, challenge))


MATCH_HELP = (
    "Rank institutions and firms able to solve a challenge, each with its standing and explanation."
    "\n\n"
    "The perspective is --home/--restricted/--allied, else the project's stored one. Each candidate "
    "has a standing (home, allied, neutral, restricted): home and allied candidates with evidence "
    "(matched terms, a challenge node or a related one they provide) come first, then neutral ones, "
    "each tier by score. Candidates from restricted countries are left out unless "
    "--include-restricted; then they come flagged, after every other one. Data aggregates (ETO's "
    "'Various companies') and the challenge's owner are never candidates."
    "\n\n"
    "With --lang zh explanations and node names are in Chinese, and so is the standing column of "
    "the table (本国/友好/中立/受限); JSON, CSV and --out files keep the codes."
)


@challenges_app.command("match", help=MATCH_HELP)
def challenges_match(
    challenge: Annotated[str, typer.Argument(help="Challenge id.")],
    project: ProjectOption,
    include_restricted: Annotated[
        bool,
        typer.Option(
            "--include-restricted",
            help="Also show candidates from the perspective's restricted countries, flagged "
            "'restricted' and ranked after every other candidate (left out by default).",
        ),
    ] = False,
    exclude_restricted: Annotated[
        bool,
        typer.Option(
            "--exclude-restricted", hidden=True, help="Deprecated: restricted actors are left out by default."
        ),
    ] = False,
    top: Annotated[int | None, typer.Option("--top", help="Only the first N.")] = 15,
    home: HomeOption = None,
    restricted: RestrictedOption = None,
    allied: AlliedOption = None,
    year: YearOption = None,
    lang: LangOption = "en",
    fmt: FormatOption = OutputFormat.table,
    out: OutOption = None,
    embedding_model: Annotated[
        str | None,
        typer.Option(
            "--embedding-model",
            envvar="CHOKEPOINT_EMBEDDING_MODEL",
            help="Blend dense similarity into the text score: 'lsa' (latent semantic analysis "
            "fitted on the project's documents) or the folder of a locally saved "
            "sentence-transformers model (never downloaded; needs chokepoint\\[embeddings]).",
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Rank institutions and firms able to solve a challenge (help: ``MATCH_HELP``)."""
    from chokepoint.match.rank import STANDING_ZH
    from chokepoint.service.matching import rank_solvers

    if lang not in ("en", "zh"):
        raise UsageError("--lang must be en or zh")
    if include_restricted and exclude_restricted:
        raise UsageError("--include-restricted and --exclude-restricted contradict each other")
    df = rank_solvers(
        open_store(db),
        project,
        challenge,
        home=home,
        restricted=restricted,
        allied=allied,
        year=year,
        include_restricted=include_restricted,
        embed=embedding_model,
        lang=lang,
    ).frame
    shown = df if top is None else df.head(top)

    def zh_table() -> str:  # standings in Chinese in the table; JSON, CSV and files keep the codes
        return str(shown.assign(standing=shown["standing"].map(STANDING_ZH)).to_string(index=False))

    text = zh_table if lang == "zh" else None
    emit(fmt, table=df, document=shown.to_dict("records"), text=text, out=out, top=top)


@challenges_app.command("bid")
def challenges_bid(
    challenge: Annotated[str, typer.Argument(help="Challenge id.")],
    project: ProjectOption,
    actor: Annotated[str, typer.Option("--actor", help="The solver stepping forward (actor id).")],
    note: Annotated[str, typer.Option("--note", help="Proposal summary.")] = "",
    db: DbOption = None,
) -> None:
    """Record a bid: a solver steps forward for a challenge (揭榜)."""
    from chokepoint.service.matching import record_bid

    record_bid(open_store(db), project, challenge, actor, note)
    typer.echo(f"{actor} bids for {challenge}")


def _step(action: str, challenge: str, project: str, note: str, winners: str, db: str | None) -> None:
    from chokepoint.service.matching import challenge_action

    chosen = [w.strip() for w in winners.split(",") if w.strip()]
    done = challenge_action(open_store(db), project, challenge, action, note=note, winners=chosen)
    awarded = f" to {', '.join(done.get('awarded', []))}" if action == "award" else ""
    typer.echo(f"challenge {challenge}: {done['status']}{awarded}")


ChallengeArg = Annotated[str, typer.Argument(help="Challenge id.")]
NoteOption = Annotated[str, typer.Option("--note", help="Why (kept in the challenge's history).")]


@challenges_app.command("publish")
def challenges_publish(
    challenge: ChallengeArg, project: ProjectOption, note: NoteOption = "", db: DbOption = None
) -> None:
    """Publish a draft challenge: solvers may bid from now on."""
    _step("publish", challenge, project, note, "", db)


@challenges_app.command("award")
def challenges_award(
    challenge: ChallengeArg,
    project: ProjectOption,
    to: Annotated[
        str, typer.Option("--to", help="The awarded solver(s), actor ids that bid, comma-separated.")
    ],
    note: NoteOption = "",
    db: DbOption = None,
) -> None:
    """Award a published challenge to one or more of its bidders (bids close)."""
    _step("award", challenge, project, note, to, db)


@challenges_app.command("close")
def challenges_close(
    challenge: ChallengeArg, project: ProjectOption, note: NoteOption = "", db: DbOption = None
) -> None:
    """Close an awarded challenge: the work is done."""
    _step("close", challenge, project, note, "", db)


@challenges_app.command("fail")
def challenges_fail(
    challenge: ChallengeArg,
    project: ProjectOption,
    note: Annotated[str, typer.Option("--note", help="Why it failed (required).")],
    db: DbOption = None,
) -> None:
    """Mark a challenge failed (from draft, published or awarded), with the reason."""
    _step("fail", challenge, project, note, "", db)


@profiles_app.command("import")
def profiles_import(
    file: Annotated[
        Path, typer.Argument(help="CSV, .xlsx or .json: actor, description, keywords, nodes, evidence_*.")
    ],
    project: ProjectOption,
    db: DbOption = None,
) -> None:
    """Import capability profiles and evidence (patents, papers, projects); any bad row stores nothing."""
    from chokepoint.service.matching import import_profiles

    done = import_profiles(open_store(db), project, file)
    typer.echo(f"{len(done.profiles)} profiles imported ({done.evidence} evidence)")


@profiles_app.command("list")
def profiles_list(
    project: ProjectOption, fmt: FormatOption = OutputFormat.table, db: DbOption = None
) -> None:
    """List the imported capability profiles."""
    from chokepoint.service.matching import list_profiles

    profiles = list_profiles(open_store(db), project)
    rows = [
        {"actor": p["actor"], "keywords": ", ".join(p["keywords"]), "evidence": len(p["evidence"])}
        for p in profiles
    ]
    emit(fmt, document=profiles, rows=rows, columns=["actor", "evidence", "keywords"])
