"""``chokepoint`` commands: matching."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

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
    request_perspective,
)
from chokepoint.cli.output import FormatOption, OutputFormat, echo_json, emit
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
    db: DbOption = None,
) -> None:
    """Publish a technical challenge in the project."""
    from chokepoint.match.service import add_challenge

    key, _ = add_challenge(
        open_store(db),
        project,
        title=title,
        description=description,
        nodes=[n.strip() for n in nodes.split(",") if n.strip()],
        capabilities=[c.strip() for c in capabilities.split(",") if c.strip()],
        owner=owner,
        budget=budget,
        deadline=deadline,
    )
    typer.echo(f"challenge {key}: {title}")


@challenges_app.command("list")
def challenges_list(
    project: ProjectOption, fmt: FormatOption = OutputFormat.table, db: DbOption = None
) -> None:
    """List the project's challenges."""
    rows = [{"id": k, **v} for k, v in open_store(db).records(project, "challenge").items()]
    emit(fmt, rows=rows, columns=["id", "status", "title", "nodes", "owner"])


@challenges_app.command("show")
def challenges_show(
    challenge: Annotated[str, typer.Argument(help="Challenge id, e.g. C0001.")],
    project: ProjectOption,
    db: DbOption = None,
) -> None:
    """Print one challenge and its bids."""
    from chokepoint.match.service import challenge_with_bids

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
    out: Annotated[Path | None, typer.Option("--out", "-o", help=".xlsx, .csv or .json")] = None,
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
    from chokepoint.match.service import challenge_with_bids, match_challenge

    if lang not in ("en", "zh"):
        raise UsageError("--lang must be en or zh")
    if include_restricted and exclude_restricted:
        raise UsageError("--include-restricted and --exclude-restricted contradict each other")
    store = open_store(db)
    body = challenge_with_bids(store, project, challenge)
    chain = store.load_chain(project)
    given = any(v is not None for v in (home, restricted, allied, year))
    p = (
        request_perspective(store, project, home, restricted, allied, year)
        if given or store.get_perspective(project)
        else None
    )
    embed: Any = embedding_model
    if embedding_model is not None and embedding_model != "lsa":
        from chokepoint.io.embedding_model import local_embedder

        embed = local_embedder(embedding_model)
    df = match_challenge(
        chain,
        body,
        store.records(project, "profile"),
        p,
        include_restricted=include_restricted,
        top=None,
        embed=embed,
        lang=lang,
    )
    if lang == "zh" and fmt == OutputFormat.table:
        if out is not None:
            emit(fmt, table=df, out=out)
        if out is None or top is not None:
            shown = df if top is None else df.head(top)
            typer.echo(shown.assign(standing=shown["standing"].map(STANDING_ZH)).to_string(index=False))
    else:
        emit(fmt, table=df, out=out, top=top)


@challenges_app.command("bid")
def challenges_bid(
    challenge: Annotated[str, typer.Argument(help="Challenge id.")],
    project: ProjectOption,
    actor: Annotated[str, typer.Option("--actor", help="The solver stepping forward (actor id).")],
    note: Annotated[str, typer.Option("--note", help="Proposal summary.")] = "",
    db: DbOption = None,
) -> None:
    """Record a bid: a solver steps forward for a challenge (揭榜)."""
    from chokepoint.match.service import add_bid

    add_bid(open_store(db), project, challenge, actor, note)
    typer.echo(f"{actor} bids for {challenge}")


@profiles_app.command("import")
def profiles_import(
    file: Annotated[
        Path, typer.Argument(help="CSV, .xlsx or .json: actor, description, keywords, nodes, evidence_*.")
    ],
    project: ProjectOption,
    db: DbOption = None,
) -> None:
    """Import capability profiles and evidence (patents, papers, projects); any bad row stores nothing."""
    import pandas as pd

    from chokepoint.match.service import profiles_from_frame

    store = open_store(db)
    ext = file.suffix.lower()
    if ext == ".csv":
        frame = pd.read_csv(file, dtype=str, keep_default_na=False)
    elif ext == ".xlsx":
        frame = pd.read_excel(file, dtype=str).fillna("")
    elif ext == ".json":
        frame = pd.DataFrame(json.loads(file.read_text(encoding="utf-8"))).fillna("").astype(str)
    else:
        raise UsageError("profiles come as .csv, .xlsx or .json")
    profiles = profiles_from_frame(
        frame, list(range(2, len(frame) + 2)), file.name, store.load_chain(project)
    )
    store.put_records(project, "profile", profiles)
    typer.echo(
        f"{len(profiles)} profiles imported ({sum(len(p['evidence']) for p in profiles.values())} evidence)"
    )


@profiles_app.command("list")
def profiles_list(
    project: ProjectOption, fmt: FormatOption = OutputFormat.table, db: DbOption = None
) -> None:
    """List the imported capability profiles."""
    rows = [
        {"actor": k, "keywords": ", ".join(v["keywords"]), "evidence": len(v["evidence"])}
        for k, v in open_store(db).records(project, "profile").items()
    ]
    emit(fmt, rows=rows, columns=["actor", "evidence", "keywords"])
