"""A real uvicorn server over a temporary SQLite file and the session's real index, via httpx."""

from __future__ import annotations

import os
from collections.abc import Iterator

import httpx
import pytest

from tests.api.conftest import CIGNA, LiveServer

pytestmark = pytest.mark.integration
PDF = CIGNA.with_suffix(".pdf")
FACTS = CIGNA.parent / f"{CIGNA.name}.facts.json"


def pdf_upload(facts: bool = True) -> dict[str, tuple[str, bytes, str]]:
    files = {"denial": ("denial.pdf", PDF.read_bytes(), "application/pdf")}
    if facts:
        files["facts"] = ("facts.json", FACTS.read_bytes(), "application/json")
    return files


@pytest.fixture(scope="module")
def http(live_server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server.url, timeout=180) as client:
        yield client


@pytest.fixture(scope="module")
def case_id(http: httpx.Client, live_server: LiveServer) -> str:
    response = http.post(
        "/v1/appeals", files=pdf_upload(), headers=live_server.auth(live_server.key_a)
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


class TestLiveServer:
    def test_upload_pdf_is_201_with_real_passages(
        self, http: httpx.Client, live_server: LiveServer, case_id: str
    ) -> None:
        body = http.get(
            f"/v1/appeals/{case_id}", headers=live_server.auth(live_server.key_a)
        ).json()
        assert body["id"] == case_id and body["bases"][0]["id"] == "medical_necessity"
        assert body["passages"], "the real index returned passages"
        assert body["check"]["passed"], body["check"]["findings"]

    def test_other_key_gets_404(
        self, http: httpx.Client, live_server: LiveServer, case_id: str
    ) -> None:
        response = http.get(f"/v1/appeals/{case_id}", headers=live_server.auth(live_server.key_b))
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("application/problem+json")

    def test_bad_file_is_a_problem_and_the_server_goes_on(
        self, http: httpx.Client, live_server: LiveServer
    ) -> None:
        key = live_server.auth(live_server.key_a)
        for name, data in [
            ("x.bin", os.urandom(64 * 1024)),
            ("x.pdf", b"%PDF-1.4\n" + os.urandom(4096)),
        ]:
            bad = http.post(
                "/v1/appeals",
                files={"denial": (name, data, "application/octet-stream")},
                headers=key,
            )
            assert 400 <= bad.status_code < 500, bad.text
            problem = bad.json()
            assert bad.headers["content-type"].startswith("application/problem+json")
            assert {"type", "title", "status", "detail"} <= problem.keys()
        assert http.get("/v1/health").status_code == 200
        text = CIGNA.with_suffix(".txt").read_text()
        assert http.post("/v1/classify", json={"denial_text": text}, headers=key).status_code == 200

    def test_idempotency_key(self, http: httpx.Client, live_server: LiveServer) -> None:
        key = {**live_server.auth(live_server.key_a), "Idempotency-Key": "live-1"}
        first = http.post("/v1/appeals", files=pdf_upload(), headers=key)
        second = http.post("/v1/appeals", files=pdf_upload(), headers=key)
        assert first.status_code == 201 and second.status_code in (200, 201)
        assert first.json()["id"] == second.json()["id"]
        other = http.post("/v1/appeals", files=pdf_upload(facts=False), headers=key)
        assert other.status_code == 422 and other.json()["title"] == "Idempotency-Key reused"

    def test_ics_download(self, http: httpx.Client, live_server: LiveServer, case_id: str) -> None:
        response = http.get(
            f"/v1/appeals/{case_id}/deadlines.ics", headers=live_server.auth(live_server.key_a)
        )
        assert response.status_code == 200 and response.headers["content-type"].startswith(
            "text/calendar"
        )
        assert response.text.startswith("BEGIN:VCALENDAR") and "BEGIN:VEVENT" in response.text

    def test_delete(self, http: httpx.Client, live_server: LiveServer) -> None:
        key = live_server.auth(live_server.key_a)
        created = http.post("/v1/appeals", files=pdf_upload(facts=False), headers=key).json()["id"]
        assert http.delete(f"/v1/appeals/{created}", headers=key).status_code == 204
        assert http.get(f"/v1/appeals/{created}", headers=key).status_code == 404

    def test_logs_hold_no_phi(self, live_server: LiveServer, case_id: str) -> None:
        log = live_server.log.read_text(errors="replace")
        for phi in ("U7302948816", "1986-04-12", "Ekwueme"):
            assert phi not in log
