"""Property-based API fuzzing with schemathesis against the OpenAPI schema of create_app(settings).

Every operation gets generated requests (valid and invalid); every response must be a
non-5xx that matches its declared status codes, content types, headers and schemas
(problem+json included). `make test` runs a few examples per operation; `make fuzz` sets
APPEALGEN_SCHEMATHESIS_EXAMPLES higher.

One check is left out: positive_data_acceptance expects 2xx for every schema-valid request,
but a denial upload is declared as any binary file, and most random bytes are rightly refused
(415/422) because no schema can say "a readable PDF". negative_data_rejection stays: invalid
requests must get 4xx.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import positive_data_acceptance

from appealgen.api.app import create_app
from appealgen.api.deps import Services
from appealgen.pipeline import Pipeline
from appealgen.store import SqlCaseStore
from tests.api.conftest import FakeRetriever, make_settings, upload

EXAMPLES = int(os.environ.get("APPEALGEN_SCHEMATHESIS_EXAMPLES", "15"))


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[schemathesis.BaseSchema, dict[str, str], str]]:
    """The app's OpenAPI schema (served by the app itself), a valid Authorization header and a real case id."""
    base: Path = tmp_path_factory.mktemp("fuzz")
    app_settings = make_settings(base)
    store = SqlCaseStore.from_settings(app_settings)
    services = Services(settings=app_settings, store=store, pipeline=Pipeline(app_settings, retriever=FakeRetriever()))
    app = create_app(app_settings, services)
    auth = {"Authorization": f"Bearer {store.create_key('fuzz')[1]}"}
    with TestClient(app) as client:
        created = upload(client, auth)
    assert created.status_code == 201, created.text
    yield schemathesis.openapi.from_asgi("/openapi.json", app), auth, created.json()["id"]
    store.close()


def _fuzz(operation: schemathesis.APIOperation, auth: dict[str, str], case_id: str) -> None:
    """EXAMPLES generated requests against one operation, each validated.

    Requests are schema-valid or not (invalid ones must get 4xx); operations on one case
    also get valid requests for a real case, so their 200 bodies are checked too.
    """
    strategies = [operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE)]
    if "{case_id}" in operation.path and operation.method.lower() != "delete":
        strategies.append(operation.as_strategy(GenerationMode.POSITIVE, path_parameters={"case_id": case_id}))

    @given(case=st.one_of(strategies))
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    def run(case: schemathesis.Case) -> None:
        case.call_and_validate(headers=auth, excluded_checks=[positive_data_acceptance])

    run()


def test_every_operation_conforms_to_its_schema(service: tuple[schemathesis.BaseSchema, dict[str, str], str]) -> None:
    """No 5xx; status codes, content types, headers and bodies as declared, for every operation."""
    api_schema, auth, case_id = service
    failures: dict[str, str] = {}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 8
    for operation in operations:
        try:
            _fuzz(operation, dict(auth), case_id)
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - collect every operation's failure, report all
            failures[operation.label] = str(exc)[:3000]
    print(f"\nschemathesis: {len(operations)} operations x {EXAMPLES} examples, {len(failures)} failing")
    assert not failures, "\n\n".join(f"{label}:\n{text}" for label, text in failures.items())
