"""Trade-flow datasets of the store and their dependency indicators, screens and embargoes.

The same calls behind ``chokepoint trade ...`` and ``/api/trade/datasets/...``. Datasets
are store-wide (not per project) and named; loading one under a taken name replaces it.
Years are written ``2019-2021`` or ``2019,2021``; country codes comma-separated ISO3.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from chokepoint.errors import InputFileError, UsageError
from chokepoint.store import Store

LAYOUTS = ("fao", "baci", "comtrade")
MEASURES = ("value", "quantity")
FIRST_YEAR, LAST_YEAR = 1900, 2200

Years = str | Sequence[int] | None
Codes = str | Sequence[str] | None


def parse_years(text: Years) -> list[int] | None:
    """``2019-2021`` or ``2019,2021`` -> years (``None`` for no filter; a list passes through).

    Raises
    ------
    UsageError
        On anything else, or years outside 1900-2200.
    """
    if text is None or (isinstance(text, str) and not text.strip()):
        return None
    if not isinstance(text, str):
        years = [int(y) for y in text]
    else:
        try:
            if "-" in text:
                a, b = (int(x) for x in text.split("-", 1))
                years = list(range(a, b + 1)) if FIRST_YEAR <= a <= b <= LAST_YEAR else []
            else:
                years = [int(x) for x in text.split(",")]
        except ValueError:
            raise UsageError(f"years {text!r}: write 2019-2021 or 2019,2021") from None
    if not years or not all(FIRST_YEAR <= y <= LAST_YEAR for y in years):
        raise UsageError(f"years {text!r}: write 2019-2021 or 2019,2021 (years {FIRST_YEAR}-{LAST_YEAR})")
    return years


def codes(value: Codes) -> list[str]:
    """Comma-separated (or listed) country codes, stripped and upper-cased."""
    if value is None:
        return []
    items = value.split(",") if isinstance(value, str) else list(value)
    return [str(c).strip().upper() for c in items if str(c).strip()]


def _measure(measure: str) -> str:
    if measure not in MEASURES:
        raise UsageError(f"measure must be value or quantity, not {measure!r}")
    return measure


def read_flows(
    path: Path,
    layout: str = "fao",
    *,
    codes_table: Path | None = None,
    crops: Codes = None,
    years: Years = None,
) -> pd.DataFrame:
    """Trade flows ``year, exporter, importer, product, value, quantity`` from a file or folder.

    Parameters
    ----------
    path : a FAOSTAT folder (``fao``), a BACI file ``.csv``/``.parquet`` (``baci``) or a
        Comtrade-style CSV (``comtrade``).
    layout : ``fao``, ``baci`` or ``comtrade``.
    codes_table : BACI's country-code table (needed for ``baci``).
    crops : FAOSTAT crops (wheat, maize, rice, soya_beans); all when absent.
    years : keep only these years (``2019-2021`` or ``2019,2021``).
    """
    from chokepoint.io.trade_files import read_baci, read_comtrade, read_fao

    wanted = parse_years(years)
    crop_list = None if crops is None else [c.lower() for c in codes(crops)]
    try:
        if layout == "fao":
            flows = read_fao(path, crop_list or None, wanted)
        elif layout == "baci":
            if codes_table is None:
                raise UsageError(
                    "layout baci needs the BACI country-code table (--codes; the `codes` upload)"
                )
            flows = read_baci(path, codes_table)
        elif layout == "comtrade":
            flows = read_comtrade(path)
        else:
            raise UsageError(f"--layout must be {', '.join(LAYOUTS[:-1])} or {LAYOUTS[-1]}")
    except (ValueError, KeyError, TypeError) as exc:  # a file the readers cannot parse at all
        raise InputFileError(
            path.name, f"cannot read it as {layout} trade flows ({str(exc).strip()})"
        ) from None
    if wanted:
        flows = flows[flows["year"].isin(wanted)]
    if flows.empty:
        raise InputFileError(path.name, "no trade flows (for the requested years)")
    return flows


def load_dataset(
    store: Store,
    dataset: str,
    path: Path,
    layout: str = "fao",
    *,
    codes_table: Path | None = None,
    crops: Codes = None,
    years: Years = None,
) -> dict[str, Any]:
    """Read flows (:func:`read_flows`) and store them as ``dataset`` (replacing one of that name).

    Returns
    -------
    dict
        ``dataset``, ``layout``, ``rows``, ``first_year``, ``last_year`` and ``products``.
    """
    flows = read_flows(path, layout, codes_table=codes_table, crops=crops, years=years)
    store.trade_datasets.save(dataset, flows, layout)
    return {
        "dataset": dataset,
        "layout": layout,
        "rows": len(flows),
        "first_year": int(flows["year"].min()),
        "last_year": int(flows["year"].max()),
        "products": int(flows["product"].nunique()),
    }


def datasets(store: Store) -> list[dict[str, Any]]:
    """The trade datasets of the store: ``name``, ``layout``, ``rows``, ``created_at``."""
    return store.trade_datasets.list()


def delete_dataset(store: Store, name: str) -> dict[str, str]:
    """Delete a trade dataset (``NotFoundError`` when absent)."""
    store.trade_datasets.delete(name)
    return {"deleted": name}


def dependencies(
    store: Store,
    dataset: str,
    *,
    home: str | None = None,
    product: str | None = None,
    years: Years = None,
    restricted: Codes = None,
    measure: str = "value",
) -> pd.DataFrame:
    """Import dependency per importer, product and year: shares, HHI, top partners, restricted share.

    Parameters
    ----------
    home : only this importer (ISO3); every importer when absent.
    product : only this HS code.
    years : only these years.
    restricted : the exporters whose share is ``restricted_share``.
    measure : ``value`` or ``quantity``.
    """
    from chokepoint.trade import importer_indicators

    wanted = parse_years(years)
    flows = store.trade_datasets.load(dataset)
    if product:
        flows = flows[flows["product"] == product]
    if wanted:
        flows = flows[flows["year"].isin(wanted)]
    df = importer_indicators(flows, codes(restricted), _measure(measure))
    if home:
        df = df[df["importer"] == home.strip().upper()]
    return df


def screen(
    store: Store,
    dataset: str,
    bloc: Codes = "EU27",
    *,
    years: Years = None,
    only_dependent: bool = False,
    capacity: str = "total_exports",
) -> pd.DataFrame:
    """The three-criterion strategic-dependency screen of ``bloc`` with the persistence filter.

    Parameters
    ----------
    bloc : EU27, another group, or ISO3 codes (CHN or DEU,FRA).
    only_dependent : only the rows that meet all three criteria.
    capacity : criterion 3 compares extra-bloc imports with the bloc's total_exports (intra- plus
        extra-bloc, SWD(2021) 352) or with its extra_exports only.
    """
    from chokepoint.model.countries import expand_codes
    from chokepoint.trade import dependency_screen

    wanted, members = parse_years(years), expand_codes(codes(bloc))
    df = dependency_screen(
        store.trade_datasets.load(dataset), members, wanted, capacity=capacity.strip().lower()
    )
    if only_dependent:
        df = df[df["dependent"]]
    return df


def _product_year(flows: pd.DataFrame, product: str, year: int) -> pd.DataFrame:
    if not ((flows["product"] == product) & (flows["year"] == year)).any():
        raise UsageError(f"no flows of product {product} in {year}")
    return flows


def embargo(
    store: Store,
    dataset: str,
    product: str,
    year: int,
    exporters: Codes,
    *,
    importers: Codes = None,
    spare: float = 0.0,
    measure: str = "quantity",
) -> pd.DataFrame:
    """Exporters stop shipping a product: each importer's loss and share of its imports.

    Parameters
    ----------
    exporters : the ISO3 codes that stop shipping.
    importers : only these importers (default: all).
    spare : the other exporters' spare fraction of their exports (substitution), at least 0.
    """
    from chokepoint.trade import embargo as embargo_of

    stopped = codes(exporters)
    if not stopped:
        raise UsageError(
            "give exporters (--exporters, ?exporters=) or a sweep (--sweep, ?sweep=true) "
            "for every single exporter"
        )
    if not spare >= 0:
        raise UsageError(f"spare must be 0 or more, not {spare}")
    flows = _product_year(store.trade_datasets.load(dataset), product, year)
    return embargo_of(
        flows,
        stopped,
        product,
        year,
        codes(importers) if importers else None,
        spare=spare,
        measure=_measure(measure),
    )


def embargo_sweep(
    store: Store, dataset: str, product: str, year: int, measure: str = "quantity"
) -> pd.DataFrame:
    """Every single exporter's embargo of ``product`` in ``year``: quantity stopped, importers hit."""
    from chokepoint.trade import embargo_sweep as sweep_of

    flows = _product_year(store.trade_datasets.load(dataset), product, year)
    return sweep_of(flows, product, year, _measure(measure))
