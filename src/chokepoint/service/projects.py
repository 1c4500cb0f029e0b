"""Projects and their chain maps: import, export, summary, edits, rename and delete."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from chokepoint.errors import NotFoundError, UsageError
from chokepoint.limits import check_time_limit
from chokepoint.model.chain import ChainMap
from chokepoint.model.validate import ImportReport
from chokepoint.store import Store


@dataclass(frozen=True)
class ImportOutcome:
    """What an import did: the validation report and whether it replaced, merged or created."""

    report: ImportReport
    action: str  # "imported", "replaced" or "merged"

    def to_dict(self, project: str) -> dict[str, Any]:
        """The JSON answer of an import."""
        return {
            "project": project,
            "action": self.action,
            "summary": self.report.chain.summary(),
            "warnings": self.report.warning_counts(),
        }


def import_chain(
    store: Store,
    project: str,
    path: Path,
    *,
    fmt: str | None = None,
    merge: bool = False,
    allow_empty: bool = False,
) -> ImportOutcome:
    """Read a chain map (CSV folder, ETO layout, .xlsx or .json), validate it whole and store it.

    A file with any error raises :class:`~chokepoint.errors.ChainValidationError` and changes
    nothing; ``merge`` adds to an existing project instead of replacing it. Replacing a project
    that has nodes with a chain of none needs ``allow_empty`` (a wrong or emptied file must not
    wipe a programme's chain by accident).

    Raises
    ------
    UsageError
        When the import would empty a project and ``allow_empty`` is not given.
    """
    from chokepoint.io.chains import read_blocks
    from chokepoint.model.validate import chain_from_tables

    exists = store.projects.exists(project)
    blocks, meta, problems = read_blocks(path, fmt)
    check_time_limit("validating")
    if merge and exists:
        return ImportOutcome(store.chains.merge_tables(project, blocks, meta, problems), "merged")
    report = chain_from_tables(blocks, meta, problems=problems)
    if exists and not allow_empty and len(report.chain.nodes) == 0:
        held = next((i.nodes for i in store.projects.infos() if i.name == project), 0)
        if held > 0:
            raise UsageError(
                f"{path.name} holds no nodes: importing it would empty project {project!r}; "
                "pass --allow-empty (API: allow_empty=true) to do so on purpose"
            )
    store.chains.save(project, report.chain)
    return ImportOutcome(report, "replaced" if exists else "imported")


def export_chain(store: Store, project: str, out: Path) -> Path:
    """Write the project as a CSV folder, .xlsx or .json (by the extension of ``out``)."""
    from chokepoint.io import write_chain

    written: Path = write_chain(store.chains.load(project), out)
    return written


def exchange_template(out: Path) -> Path:
    """Write the empty exchange-format workbook (headers, example rows, bilingual README sheet)."""
    from chokepoint.io.template import write_template

    written: Path = write_template(out)
    return written


def chain_document(chain: ChainMap) -> dict[str, Any]:
    """The chain as the JSON exchange document."""
    from chokepoint.io.writers import chain_to_dict

    doc: dict[str, Any] = chain_to_dict(chain)
    return doc


def chain_drawing(chain: ChainMap) -> dict[str, Any]:
    """What the chain map page draws, in one document: the lane layout of
    :func:`chokepoint.model.layout.chain_layout`, each node's names, kind and provider countries
    (known or unknown share), and the ``input_of`` and ``type_of`` edges.
    """
    from chokepoint.model.layout import chain_layout

    layout = chain_layout(chain)
    doc = layout.to_dict()
    nodes = chain.nodes.set_index("id")
    actors = chain.actors.set_index("id")
    prov = chain.provisions
    country = actors["country"].reindex(prov["actor"]).to_numpy(dtype=object)
    by_node = (
        pd.DataFrame({"node": prov["node"].to_numpy(dtype=object), "country": country})
        .query("country == country and country != ''")
        .drop_duplicates()
        .groupby("node")["country"]
        .agg(lambda c: sorted(c))
    )
    ids = layout.nodes["id"]
    attrs = nodes.loc[ids, ["name", "name_zh", "kind"]].reset_index()
    attrs["countries"] = [by_node.get(i, []) for i in ids]
    doc["nodes"] = [
        {**place, **attr} for place, attr in zip(doc["nodes"], attrs.to_dict("records"), strict=True)
    ]
    edges = chain.edges[chain.edges["kind"].isin(["input_of", "type_of"])]
    doc["edges"] = edges[["source", "target", "kind"]].to_dict("records")
    return doc


def country_names(chain: ChainMap, lang: str = "en") -> dict[str, str]:
    """The name of every country or region code the chain's actors carry, in ``lang``
    (:func:`chokepoint.model.countries.country_name`: ISO 3166 names, Chinese from pycountry's
    translations; a code it does not know is its own name).
    """
    from chokepoint.model.countries import country_name

    codes = sorted({str(c) for c in chain.actors["country"] if c})
    return {c: country_name(c, lang) for c in codes}


def search_text(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    """The searched text of each row: ``columns`` joined by a tab and lower-cased (a search index:
    build it once per project version and pass it to :func:`search`).
    """
    parts = [frame[c].astype(object).where(frame[c].notna(), "").astype(str) for c in columns]
    text = parts[0]
    for part in parts[1:]:
        text = text + "\t" + part
    return text.str.lower()


def search(
    frame: pd.DataFrame,
    columns: list[str],
    q: str | None,
    kind: str | None,
    text: pd.Series | None = None,
) -> pd.DataFrame:
    """Rows whose ``columns`` contain ``q`` (case-insensitive) and whose kind is ``kind``.

    ``text`` is the row text of :func:`search_text`, when the caller keeps it (the API does, per
    project version); otherwise it is built here.
    """
    if q:
        index = text if text is not None else search_text(frame, columns)
        frame = frame[index.str.contains(q.lower(), regex=False).to_numpy()]
    if kind:
        frame = frame[frame["kind"] == kind]
    return frame


def with_provisions(chain: ChainMap, what: str, key: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One node or actor (``what``) and the provisions that name it (``NotFoundError`` when unknown)."""
    table = chain.nodes if what == "node" else chain.actors
    row = table[table["id"] == key]
    if row.empty:
        raise NotFoundError(f"no {what} {key!r} in this project")
    return row, chain.provisions[chain.provisions[what] == key]


def edit_node(
    store: Store, project: str, node: str, changes: dict[str, Any]
) -> tuple[dict[str, Any], pd.DataFrame]:
    """Change a node's names or assessed attributes; the chain is re-validated as a whole.

    Returns the changed fields' old values and the edited node's row.
    """
    before, edited = store.chains.edit_node(project, node, changes)
    return before, edited.nodes[edited.nodes["id"] == node]
