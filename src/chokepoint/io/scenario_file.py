"""Read scenario definitions from YAML or JSON files."""

from __future__ import annotations

import json
import os
from pathlib import Path

import yaml

from chokepoint.errors import InputFileError, Problem
from chokepoint.io.readers import decode_text
from chokepoint.scenario.model import Scenario, ScenarioError, scenario_from_dict


def read_scenario(path: str | os.PathLike[str]) -> Scenario:
    """Parse and validate a scenario file (``.yaml``, ``.yml`` or ``.json``)."""
    p = Path(path)
    if not p.is_file():
        raise InputFileError(str(path), "no such scenario file")
    text, problem = decode_text(p.read_bytes(), p.name)
    if problem is not None:
        raise ScenarioError(p.name, [problem])
    assert text is not None
    try:
        data = json.loads(text) if p.suffix.lower() == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        line = getattr(exc, "lineno", None) or getattr(getattr(exc, "problem_mark", None), "line", -1) + 1
        raise ScenarioError(p.name, [Problem(p.name, line or None, None, f"cannot parse: {exc}")]) from None
    if not isinstance(data, dict):
        raise ScenarioError(p.name, [Problem(p.name, None, None, "expected a mapping with 'shocks'")])
    data.setdefault("name", p.stem)
    return scenario_from_dict(data, p.name)
