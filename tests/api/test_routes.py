"""The REST routes through TestClient, over a real SQLite store and a fake retriever."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest
from docx import Document
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from appealgen.api.app import create_app
from appealgen.api.deps import Services
from appealgen.settings import Settings
from appealgen.store import SqlCaseStore
from appealgen.store.tables import CaseRow
from tests.api.conftest import CIGNA, make_client, make_settings, upload

PROBLEM = "application/problem+json"
MEMBER_ID = "U7302948816"  # in the Cigna fixture letter


def assert_problem(response, status: int) -> dict:  # noqa: ANN001
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert {"type", "title", "status", "detail"} <= body.keys()
    assert body["status"] == status
    return body


class TestAuth:
    def test_missing_key_is_401_problem(self, client: TestClient) -> None:
        body = assert_problem(client.get("/v1/appeals/abc"), 401)
        assert "Bearer" in body["detail"]

    def test_unknown_key(self, client: TestClient) -> None:
        response = client.get("/v1/appeals/abc", headers={"Authorization": "Bearer agk_nope"})
        assert_problem(response, 401)
        assert response.headers["www-authenticate"].startswith("Bearer")

    def test_revoked_key(self, client: TestClient, store: SqlCaseStore) -> None:
        _, secret = store.create_key("gone")
        store.revoke_key("gone")
        assert_problem(
            client.post(
                "/v1/classify",
                json={"denial_text": "x"},
                headers={"Authorization": f"Bearer {secret}"},
            ),
            401,
        )

    def test_health_needs_no_key(self, client: TestClient) -> None:
        response = client.get("/v1/health")
        assert response.status_code == 200
        assert response.json()["store"] == "ok"
        assert response.headers["cache-control"] == "no-store"


class TestCreate:
    def test_multipart_pdf_and_facts(self, client: TestClient, key_a: dict) -> None:
        response = upload(client, key_a)
        assert response.status_code == 201, response.text
        body = response.json()
        assert response.headers["location"] == f"/v1/appeals/{body['id']}"
        assert body["facts"]["member_id"] == MEMBER_ID
        assert [b["id"] for b in body["bases"]] == ["medical_necessity"]
        assert body["assessment"]["criteria"], "facts were used"
        assert body["letter_version"] == 1 and body["letter_markdown"].strip()

    def test_json_text_with_yaml_like_facts(self, client: TestClient, key_a: dict) -> None:
        text = CIGNA.with_suffix(".txt").read_text()
        response = client.post(
            "/v1/appeals",
            json={"denial_text": text, "facts": {"diagnoses": ["D67"]}},
            headers=key_a,
        )
        assert response.status_code == 201, response.text
        assert response.json()["patient_facts"]["diagnoses"] == ["D67"]

    def test_yaml_facts_field(self, client: TestClient, key_a: dict) -> None:
        files = {"denial": ("d.txt", CIGNA.with_suffix(".txt").read_bytes(), "text/plain")}
        response = client.post(
            "/v1/appeals",
            files=files,
            data={"facts": "diagnoses: [D67]\nas_of: 2026-09-22\n"},
            headers=key_a,
        )
        assert response.status_code == 201, response.text
        assert response.json()["patient_facts"]["as_of"] == "2026-09-22"

    def test_invalid_facts(self, client: TestClient, key_a: dict) -> None:
        files = {
            "denial": ("d.txt", b"Your claim is denied.", "text/plain"),
            "facts": (
                "f.json",
                b'{"patient": {"date_of_birth": "not a date"}}',
                "application/json",
            ),
        }
        body = assert_problem(client.post("/v1/appeals", files=files, headers=key_a), 422)
        assert body["title"] == "Invalid patient facts"
        assert "date_of_birth" in body["detail"]

    def test_random_bytes_is_a_problem(self, client: TestClient, key_a: dict) -> None:
        files = {"denial": ("x.bin", bytes(range(256)) * 40, "application/octet-stream")}
        body = assert_problem(client.post("/v1/appeals", files=files, headers=key_a), 415)
        assert body["type"] == "urn:appealgen:problem:unsupported-format"

    def test_damaged_pdf(self, client: TestClient, key_a: dict) -> None:
        files = {"denial": ("x.pdf", b"%PDF-1.7\n" + b"\x00garbage" * 100, "application/pdf")}
        assert_problem(client.post("/v1/appeals", files=files, headers=key_a), 422)

    def test_missing_denial_field(self, client: TestClient, key_a: dict) -> None:
        files = {"facts": ("f.json", b"{}", "application/json")}
        assert_problem(client.post("/v1/appeals", files=files, headers=key_a), 422)

    def test_unsupported_media_type(self, client: TestClient, key_a: dict) -> None:
        response = client.post(
            "/v1/appeals", content=b"hello", headers={**key_a, "Content-Type": "text/plain"}
        )
        assert_problem(response, 415)

    def test_json_validation_does_not_echo_input(self, client: TestClient, key_a: dict) -> None:
        response = client.post(
            "/v1/appeals", json={"denial_txt": f"Member {MEMBER_ID}"}, headers=key_a
        )
        body = assert_problem(response, 422)
        assert body["errors"] and MEMBER_ID not in response.text


class TestLimits:
    @pytest.fixture
    def small(self, tmp_path: Path):  # noqa: ANN201
        client, store = make_client(make_settings(tmp_path, max_bytes=1000))
        with client:
            yield client, {"Authorization": f"Bearer {store.create_key('k')[1]}"}

    def test_declared_length_over_limit_is_413_before_parsing(self, small) -> None:  # noqa: ANN001
        client, key = small
        big = b"a" * (2 * 1024 * 1024)
        body = assert_problem(
            client.post("/v1/appeals", files={"denial": ("d.txt", big)}, headers=key), 413
        )
        assert "limit" in body["detail"]

    def test_chunked_body_over_limit(self, small) -> None:  # noqa: ANN001
        client, key = small
        chunks = (b"x" * 65536 for _ in range(40))
        response = client.post(
            "/v1/appeals", content=chunks, headers={**key, "Content-Type": "application/json"}
        )
        assert_problem(response, 413)

    def test_file_over_limit_inside_body_limit(self, small) -> None:  # noqa: ANN001
        client, key = small
        body = assert_problem(
            client.post("/v1/appeals", files={"denial": ("d.txt", b"a" * 5000)}, headers=key), 413
        )
        assert body["title"] == "Document too large"


class TestCases:
    def test_only_the_owner_sees_a_case(self, client: TestClient, key_a: dict, key_b: dict) -> None:
        case_id = upload(client, key_a).json()["id"]
        assert client.get(f"/v1/appeals/{case_id}", headers=key_a).status_code == 200
        for method, path in [
            ("GET", ""),
            ("GET", "/letter.md"),
            ("GET", "/deadlines.ics"),
            ("DELETE", ""),
        ]:
            assert_problem(
                client.request(method, f"/v1/appeals/{case_id}{path}", headers=key_b), 404
            )
        assert_problem(
            client.put(f"/v1/appeals/{case_id}/letter", json={"markdown": "x"}, headers=key_b), 404
        )
        assert_problem(
            client.post("/v1/check", json={"appeal_id": case_id, "letter": "x"}, headers=key_b), 404
        )

    def test_downloads(self, client: TestClient, key_a: dict) -> None:
        case_id = upload(client, key_a).json()["id"]
        md = client.get(f"/v1/appeals/{case_id}/letter.md", headers=key_a)
        assert md.status_code == 200 and md.headers["content-type"].startswith("text/markdown")
        assert "attachment" in md.headers["content-disposition"]
        pdf = client.get(f"/v1/appeals/{case_id}/letter.pdf", headers=key_a)
        assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")
        docx = client.get(f"/v1/appeals/{case_id}/letter.docx", headers=key_a)
        assert docx.status_code == 200 and docx.content.startswith(b"PK")
        assert any(
            "Medical necessity" in p.text for p in Document(io.BytesIO(docx.content)).paragraphs
        )
        ics = client.get(f"/v1/appeals/{case_id}/deadlines.ics", headers=key_a)
        assert ics.headers["content-type"].startswith("text/calendar")
        assert ics.text.count("BEGIN:VEVENT") == 2  # the two deadlines with a due date
        assert MEMBER_ID not in ics.text
        assert client.get(f"/v1/appeals/{case_id}/letter.txt", headers=key_a).status_code == 422

    def test_edit_letter_rechecks_and_versions(self, client: TestClient, key_a: dict) -> None:
        created = upload(client, key_a).json()
        case_id, letter = created["id"], created["letter_markdown"]
        edited = letter + "\nSee also [fake-doc#nothing-1].\n"
        report = client.put(
            f"/v1/appeals/{case_id}/letter", json={"markdown": edited}, headers=key_a
        ).json()
        assert report["version"] == 2 and not report["passed"]
        assert any(
            f["rule"] == "citation_resolves" and "fake-doc#nothing-1" in f["message"]
            for f in report["findings"]
        )
        again = client.get(f"/v1/appeals/{case_id}", headers=key_a).json()
        assert (
            again["letter_version"] == 2
            and again["letter_markdown"] == edited
            and not again["check"]["passed"]
        )
        assert client.get(f"/v1/appeals/{case_id}/letter.md", headers=key_a).text == edited

    def test_check_does_not_save(self, client: TestClient, key_a: dict) -> None:
        created = upload(client, key_a).json()
        report = client.post(
            "/v1/check",
            json={"appeal_id": created["id"], "letter": created["letter_markdown"]},
            headers=key_a,
        ).json()
        assert report == created["check"]
        assert (
            client.get(f"/v1/appeals/{created['id']}", headers=key_a).json()["letter_version"] == 1
        )

    def test_delete_for_good(self, client: TestClient, store: SqlCaseStore, key_a: dict) -> None:
        case_id = upload(client, key_a).json()["id"]
        assert client.delete(f"/v1/appeals/{case_id}", headers=key_a).status_code == 204
        assert_problem(client.get(f"/v1/appeals/{case_id}", headers=key_a), 404)
        with store.engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(CaseRow)).scalar() == 0
        trail = [(e.who, e.what) for e in store.audit_log(case_id)]
        assert trail[0] == ("clinic-a", "create") and trail[-1] == ("clinic-a", "delete")

    def test_classify(self, client: TestClient, key_a: dict) -> None:
        text = CIGNA.with_suffix(".txt").read_text()
        body = client.post("/v1/classify", json={"denial_text": text}, headers=key_a).json()
        assert body["bases"][0]["id"] == "medical_necessity"
        assert body["bases"][0]["evidence"]["text"] in text


class TestIdempotency:
    def test_same_key_same_body_one_case(
        self, client: TestClient, store: SqlCaseStore, key_a: dict
    ) -> None:
        first = upload(client, key_a, **{"Idempotency-Key": "k-1"})
        second = upload(client, key_a, **{"Idempotency-Key": "k-1"})
        assert (first.status_code, second.status_code) == (201, 200)
        assert first.json()["id"] == second.json()["id"]
        with store.engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(CaseRow)).scalar() == 1

    def test_same_key_other_body_is_422(self, client: TestClient, key_a: dict) -> None:
        assert upload(client, key_a, **{"Idempotency-Key": "k-2"}).status_code == 201
        other = upload(client, key_a, facts=False, **{"Idempotency-Key": "k-2"})
        assert assert_problem(other, 422)["title"] == "Idempotency-Key reused"

    def test_keys_are_per_caller(self, client: TestClient, key_a: dict, key_b: dict) -> None:
        a = upload(client, key_a, **{"Idempotency-Key": "shared"})
        b = upload(client, key_b, **{"Idempotency-Key": "shared"})
        assert (a.status_code, b.status_code) == (201, 201) and a.json()["id"] != b.json()["id"]


class TestErrorEdge:
    def test_unexpected_error_is_bare_500(
        self, tmp_path: Path, caplog: pytest.LogCaptureFixture
    ) -> None:
        class Exploding:
            def run(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN202
                raise RuntimeError(f"internal detail {MEMBER_ID}")

        settings = make_settings(tmp_path)
        store = SqlCaseStore.from_settings(settings)
        services = Services(settings=settings, store=store, pipeline=Exploding())  # type: ignore[arg-type]
        key = {"Authorization": f"Bearer {store.create_key('k')[1]}"}
        with (
            caplog.at_level(logging.ERROR),
            TestClient(create_app(settings, services), raise_server_exceptions=False) as client,
        ):
            response = client.post("/v1/appeals", json={"denial_text": "x"}, headers=key)
            body = assert_problem(response, 500)
            assert MEMBER_ID not in response.text and "RuntimeError" not in body["detail"]
            assert "RuntimeError" in caplog.text and MEMBER_ID not in caplog.text
            assert client.get("/v1/health").status_code == 200

    def test_unknown_route_is_problem(self, client: TestClient) -> None:
        assert_problem(client.get("/v1/nothing"), 404)


class TestPage:
    def test_upload_page(self, client: TestClient) -> None:
        page = client.get("/")
        assert page.status_code == 200 and "text/html" in page.headers["content-type"]
        for needle in [
            '<label for="api-key"',
            'id="denial-file"',
            'aria-live="polite"',
            'id="letter"',
            "/static/app.js",
        ]:
            assert needle in page.text
        assert client.get("/static/app.js").status_code == 200
        assert client.get("/static/app.css").status_code == 200

    def test_openapi_docs(self, client: TestClient) -> None:
        assert client.get("/docs").status_code == 200
        spec = client.get("/openapi.json").json()
        content = spec["paths"]["/v1/appeals"]["post"]["requestBody"]["content"]
        assert {"multipart/form-data", "application/json"} <= content.keys()


def test_default_services_are_built_from_settings(tmp_path: Path) -> None:
    settings = Settings(
        index_dir=tmp_path / "none", database_url=f"sqlite:///{tmp_path}/db/cases.db"
    )
    with TestClient(create_app(settings)) as client:
        assert client.get("/v1/health").json() == {
            "status": "degraded",
            "version": client.app.version,  # type: ignore[attr-defined]
            "store": "ok",
            "index": "missing",
        }
    assert (tmp_path / "db" / "cases.db").exists()
