"""``chokepoint`` commands: regions and the region view, indicator systems, weights, parks."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer

from chokepoint.cli.base import (
    AlliedOption,
    DbOption,
    HomeOption,
    LangOption,
    RestrictedOption,
    YearOption,
    indicators_app,
    open_store,
    parks_app,
    region_app,
    request_perspective,
    weights_app,
)
from chokepoint.cli.output import FormatOption, OutputFormat, echo_json, emit
from chokepoint.errors import UsageError

FileArg = Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="The file.")]
RegionOption = Annotated[
    str, typer.Option("--region", "-r", help="Region code: CN-ZJ, or a city or park code.")
]
StrongOption = Annotated[
    float,
    typer.Option("--strong-share", help="Share of world supply from which a node is a strength (长板)."),
]
CrOption = Annotated[
    str | None,
    typer.Option(
        "--cr", help="CR thresholds per matrix size, e.g. 3=0.05,4=0.08,5=0.1 (Saaty's by default)."
    ),
]


def _lang(lang: str) -> str:
    if lang not in ("en", "zh"):
        raise UsageError("--lang must be en or zh")
    return lang


def _frame(rows: list[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    """Rows as a table with these columns (a missing value shown blank)."""
    return pd.DataFrame(rows, columns=columns).astype(object).where(lambda f: f.notna(), "")


# ------------------------------------------------------------------ regions
@region_app.command("import")
def region_import(file: FileArg, db: DbOption = None) -> None:
    """Import cities, districts and parks (.csv or .xlsx: code, name, name_zh, level, parent,
    park_type); the table lands whole or not at all.
    """
    from chokepoint.service.regions import import_regions

    done = import_regions(open_store(db), file)
    typer.echo(f"{done['source']}: {done['regions']} regions stored")


@region_app.command("locate")
def region_locate(
    file: FileArg,
    project: Annotated[str, typer.Option("--project", "-p", help="Project name in the store.")],
    db: DbOption = None,
) -> None:
    """Set where the project's organisations are (.csv or .xlsx: actor, location such as CN-ZJ or
    a city or park code; blank clears it); whole or not at all.
    """
    from chokepoint.service.regions import locate_actors

    done = locate_actors(open_store(db), project, file)
    typer.echo(f"{done['source']}: {done['located']} organisations of {done['project']} located")


@region_app.command("list")
def region_list(
    country: Annotated[str, typer.Option("--country", help="ISO3 country.")] = "CHN",
    fmt: FormatOption = OutputFormat.table,
    db: DbOption = None,
) -> None:
    """The regions of a country: its ISO 3166-2 provinces and the stored cities and parks."""
    from chokepoint.service.regions import region_catalog

    emit(fmt, table=region_catalog(open_store(db), country))


@region_app.command("show")
def region_show(
    project: Annotated[str, typer.Option("--project", "-p", help="Project name in the store.")],
    region: RegionOption,
    home: HomeOption = None,
    restricted: RestrictedOption = None,
    allied: AlliedOption = None,
    year: YearOption = None,
    strong_share: StrongOption = 0.10,
    lang: LangOption = "en",
    fmt: FormatOption = OutputFormat.table,
    db: DbOption = None,
) -> None:
    """The chain seen from a region: nodes it hosts and its share of each (with bounds), its
    strengths (长板), what it depends on, and the chokepoints, alerts and tasks that concern it.
    """
    from chokepoint.service.assessment import assess_project
    from chokepoint.service.regions import region_view

    _lang(lang)
    store = open_store(db)
    chain = store.chains.load(project)
    p = request_perspective(store, project, home, restricted, allied, year, chain=chain)
    view = region_view(
        store, project, region, assess_project(store, project, p, chain=chain), lang, strong_share
    )
    if fmt == OutputFormat.json:
        echo_json(view)
        return
    columns = [
        "node",
        "name",
        "region_share",
        "region_upper",
        "home_elsewhere",
        "foreign",
        "restricted",
        "unknown",
    ]
    if fmt == OutputFormat.csv:
        emit(fmt, rows=view["nodes"], columns=columns)
        return
    from chokepoint.report.regions import region_view_text

    typer.echo(region_view_text(view))


@region_app.command("leading")
def region_leading(
    region: RegionOption,
    projects: Annotated[list[str], typer.Option("--project", "-p", help="Projects compared (repeat).")],
    home: HomeOption = None,
    restricted: RestrictedOption = None,
    strong_share: StrongOption = 0.10,
    fmt: FormatOption = OutputFormat.table,
    db: DbOption = None,
) -> None:
    """Candidate leading chain (首位产业链) of a region among projects: value share hosted, reach
    of its strengths down the chain, share of the country's leaders located there.
    """
    from chokepoint.service.regions import leading_chain

    store = open_store(db)
    perspectives = {p: request_perspective(store, p, home, restricted) for p in projects}
    rows = leading_chain(store, region, perspectives, strong_share)
    emit(
        fmt,
        table=_frame(
            rows,
            [
                "rank",
                "project",
                "score",
                "value_share",
                "value_coverage",
                "reach",
                "leaders",
                "hosted_nodes",
                "strong_nodes",
            ],
        ),
    )


@region_app.command("values")
def region_values(
    file: FileArg,
    dataset: Annotated[str, typer.Option("--dataset", help="Name of the region-values dataset.")],
    db: DbOption = None,
) -> None:
    """Load indicator values of regions and parks (.csv or .xlsx: region, indicator, value, unit,
    period, source), replacing the dataset; whole or not at all.
    """
    from chokepoint.service.parks import load_region_values

    done = load_region_values(open_store(db), dataset, file)
    typer.echo(
        f"{done['source']}: {done['values']} values of {done['regions']} regions "
        f"stored as {done['dataset']!r}"
    )


# ------------------------------------------------------------------ weights
@weights_app.command("ahp")
def weights_ahp(file: FileArg, cr: CrOption = None, fmt: FormatOption = OutputFormat.table) -> None:
    """AHP weights of a pairwise comparison matrix (a square CSV: row and column labels; 1/3 or
    0.333 accepted): principal-eigenvector weights, lambda_max and the consistency ratio. Exits
    non-zero, with CR = ..., when the matrix is inconsistent.
    """
    from chokepoint.service.indicators import ahp_from_file, thresholds_from

    result = ahp_from_file(file, thresholds_from(cr))
    if fmt == OutputFormat.json:
        echo_json({k: result[k] for k in ("weights", "cr", "lambda_max", "ci", "threshold", "consistent")})
        return
    rows = [{"label": k, "weight": round(v, 6)} for k, v in result["weights"].items()]
    emit(fmt, table=_frame(rows, ["label", "weight"]))
    if fmt == OutputFormat.table:
        typer.echo(
            f"lambda_max = {result['lambda_max']:.4f}, CR = {result['cr']:.4f} "
            f"(threshold {result['threshold']:g})"
        )


def _objective(file: Path, method: str, cost: str, fmt: OutputFormat) -> None:
    from chokepoint.service.indicators import objective_from_file

    result = objective_from_file(file, method, [c.strip() for c in cost.split(",") if c.strip()])
    if fmt == OutputFormat.json:
        echo_json(result)
        return
    rows = [
        {"indicator": k, "direction": result["directions"][k], "weight": round(v, 6)}
        for k, v in result["weights"].items()
    ]
    emit(fmt, table=_frame(rows, ["indicator", "direction", "weight"]))


CostOption = Annotated[str, typer.Option("--cost", help="Comma-separated cost columns (less is better).")]


@weights_app.command("entropy")
def weights_entropy(file: FileArg, cost: CostOption = "", fmt: FormatOption = OutputFormat.table) -> None:
    """Entropy weights of a decision table (CSV: first column the alternatives, then one column
    per indicator; benefit unless named in --cost).
    """
    _objective(file, "entropy", cost, fmt)


@weights_app.command("critic")
def weights_critic(file: FileArg, cost: CostOption = "", fmt: FormatOption = OutputFormat.table) -> None:
    """CRITIC weights of a decision table (contrast and conflict; Diakoulaki et al. 1995)."""
    _objective(file, "critic", cost, fmt)


# ------------------------------------------------------------------ indicator systems
@indicators_app.command("import")
def indicators_import(
    file: FileArg,
    cr: CrOption = None,
    user: Annotated[str, typer.Option("--as", help="Recorded as the author of this version.")] = "cli",
    db: DbOption = None,
) -> None:
    """Import an indicator system workbook (sheets system, indicators, comparisons) as the next
    version of its name; every problem is reported by sheet, row and column, nothing is stored.
    """
    from chokepoint.service.indicators import import_system, thresholds_from

    done = import_system(open_store(db), file, user, thresholds_from(cr))
    typer.echo(
        f"{done['source']}: {done['name']} version {done['version']} ({done['indicators']} indicators)"
    )


@indicators_app.command("export")
def indicators_export(
    name: Annotated[str, typer.Argument(help="System name.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="The .xlsx workbook to write.")],
    version: Annotated[int | None, typer.Option("--version", help="Version (latest by default).")] = None,
    db: DbOption = None,
) -> None:
    """Write a stored system as a workbook that imports back to the same system."""
    from chokepoint.service.indicators import export_system

    typer.echo(str(export_system(open_store(db), name, out, version)))


@indicators_app.command("list")
def indicators_list(fmt: FormatOption = OutputFormat.table, db: DbOption = None) -> None:
    """Every stored indicator system (latest version)."""
    from chokepoint.service.indicators import list_systems

    emit(fmt, table=list_systems(open_store(db)))


@indicators_app.command("show")
def indicators_show(
    name: Annotated[str, typer.Argument(help="System name.")],
    version: Annotated[int | None, typer.Option("--version", help="Version (latest by default).")] = None,
    lang: LangOption = "en",
    fmt: FormatOption = OutputFormat.table,
    db: DbOption = None,
) -> None:
    """A stored system: its hierarchy, directions, units, sources and weights."""
    from chokepoint.service.indicators import system_document

    doc = system_document(open_store(db), name, version, _lang(lang))
    if fmt == OutputFormat.json:
        echo_json(doc)
        return
    emit(
        fmt,
        table=_frame(
            doc["elements"],
            ["id", "parent", "label", "direction", "unit", "source", "weight", "global_weight"],
        ),
    )


# ------------------------------------------------------------------ parks
@parks_app.command("evaluate")
def parks_evaluate(
    dataset: Annotated[str, typer.Option("--dataset", help="Region-values dataset with the parks' values.")],
    system: Annotated[
        list[str] | None,
        typer.Option(
            "--system", help="TYPE=SYSTEM: the system of a park type (repeat; default: applies_to)."
        ),
    ] = None,
    sensitivity: Annotated[
        int, typer.Option("--sensitivity", help="Dirichlet draws of the weights (0: none).")
    ] = 0,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the sensitivity draws.")] = 0,
    lang: LangOption = "en",
    fmt: FormatOption = OutputFormat.table,
    db: DbOption = None,
) -> None:
    """Rank the parks within each type with that type's indicator system; each park's strengths
    and weaknesses against the type's mean.
    """
    from chokepoint.service.parks import evaluate_parks

    named = {}
    for item in system or []:
        park_type, _, name = item.partition("=")
        if not name:
            raise UsageError(f"--system {item!r}: write TYPE=SYSTEM")
        named[park_type] = name
    result = evaluate_parks(
        open_store(db), dataset, named, _lang(lang), sensitivity_draws=sensitivity, seed=seed
    )
    if fmt == OutputFormat.json:
        echo_json(result)
        return
    rows = []
    for park_type, t in result["types"].items():
        for r in t["ranking"]:
            rows.append(
                {
                    "type": park_type,
                    "rank": r["rank"],
                    "park": r["park"],
                    "name": r["name"],
                    "score": r["score"],
                    "strengths": "; ".join(s["name"] for s in r["strengths"]),
                    "weaknesses": "; ".join(s["name"] for s in r["weaknesses"]),
                }
            )
    emit(fmt, table=_frame(rows, ["type", "rank", "park", "name", "score", "strengths", "weaknesses"]))
    if fmt == OutputFormat.table:
        typer.echo(
            "分数为同类园区内的相对得分（0-1，按指标体系归一化加权）；强项与弱项为相对同类均值的加权差距。"
            if lang == "zh"
            else "Scores are relative to the parks of the same type (0-1 after the system's normalisation); "
            "strengths and weaknesses are the weighted gaps to the type's mean."
        )
    if fmt != OutputFormat.table:
        return
    if result["without_system"]:
        typer.echo(f"no indicator system for park type(s): {', '.join(result['without_system'])}")
    for miss in result["not_evaluated"]:
        typer.echo(f"{miss['type']} ({miss['system']}) not ranked: {miss['reason']}")
    for park_type, t in result["types"].items():
        if t["constant"]:
            typer.echo(f"{park_type}: {', '.join(t['constant'])}: one value for every park (adds nothing)")
        for r in t["not_ranked"]:
            typer.echo(f"{park_type}: {r['name']} not ranked, lacks {', '.join(r['missing'])}")
