"""Property-based API testing from the OpenAPI schema (schemathesis): no server error (5xx).

Bounded: a few examples per operation, on the demo data, as an administrator (who may call every
route), in a fresh store per test session. The long run (marker ``stress``) takes several hundred
examples per operation: ``pytest -m stress tests/test_api_schema.py -p no:xdist``.
"""

from __future__ import annotations

import os
import warnings
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, settings

schemathesis = pytest.importorskip("schemathesis")

from chokepoint.api import create_app  # noqa: E402
from chokepoint.datasets import load_semiconductors  # noqa: E402
from chokepoint.store import Store  # noqa: E402

warnings.filterwarnings("ignore", category=DeprecationWarning)


def _app(tmp_path_factory=None):
    import tempfile
    from pathlib import Path

    path = Path(tempfile.mkdtemp()) / "schema.db"
    store = Store(path)
    store.chains.save("semi", load_semiconductors())
    store.projects.set_perspective("semi", {"home": ["CHN"], "restricted": ["USA", "NLD"]})
    store.users.add("admin", "admin", "admin-pw")
    token = store.tokens.create("admin", "bearer", timedelta(days=1))
    from chokepoint.service.indicators import import_system
    from chokepoint.service.parks import load_region_values
    from chokepoint.service.regions import import_regions
    from regions_fixture import write_files

    files = write_files(path.parent / "regions")  # illustrative parks and systems to reach
    import_regions(store, files["regions"])
    load_region_values(store, "parks", files["values"])
    import_system(store, files["hitech"], "admin")
    import_system(store, files["devzone"], "admin")
    return create_app(store), token


APP, TOKEN = _app()
every_operation = schemathesis.openapi.from_asgi("/openapi.json", APP)
# logging out would revoke the token every other example uses (covered by test_security.py)
every_operation = every_operation.exclude(path_regex=r"/logout$")
# destructive routes would empty the store for the other examples; they are covered by test_api.py
schema = every_operation.exclude(method="DELETE").exclude(path_regex=r"/(disable|password)$")

#: Examples per operation of the long run (``pytest -m stress tests/test_api_schema.py``).
STRESS_EXAMPLES = int(os.environ.get("CHOKEPOINT_SCHEMA_EXAMPLES", "300"))


@schema.parametrize()
@settings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_error(case):
    case.call_and_validate(
        headers={"authorization": f"Bearer {TOKEN}"}, checks=[schemathesis.checks.not_a_server_error]
    )


@pytest.mark.stress
@every_operation.parametrize()
@settings(max_examples=STRESS_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_error_in_hundreds_of_examples_per_operation(case):
    """The long run: every operation but logout, DELETE and password routes included, as an
    administrator, ``CHOKEPOINT_SCHEMA_EXAMPLES`` (default 300) examples each."""
    case.call_and_validate(
        headers={"authorization": f"Bearer {TOKEN}"}, checks=[schemathesis.checks.not_a_server_error]
    )
