"""GET /v1/appeals/{id}/packet.{fmt}: the owner downloads the appeal packet; another key gets 404."""

from __future__ import annotations

import io

import pytest
from docx import Document
from fastapi.testclient import TestClient
from pypdf import PdfReader

from appealgen.stages.packet import HEADINGS
from tests.api.conftest import upload

MEDIA = {
    "md": "text/markdown",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


@pytest.fixture
def case_id(client: TestClient, key_a: dict) -> str:
    response = upload(client, key_a)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


@pytest.mark.parametrize("fmt", list(MEDIA))
def test_owner_downloads_packet(client: TestClient, key_a: dict, case_id: str, fmt: str) -> None:
    response = client.get(f"/v1/appeals/{case_id}/packet.{fmt}", headers=key_a)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == MEDIA[fmt]
    assert response.headers["content-disposition"].endswith(f'packet.{fmt}"')
    if fmt == "md":
        text = response.text
    elif fmt == "pdf":
        text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    else:
        text = "\n".join(p.text for p in Document(io.BytesIO(response.content)).paragraphs)
    for key in ("cover", "criteria", "deadlines", "imr", "patient"):  # the Cigna fixture is a California case
        assert HEADINGS[key] in " ".join(text.split())


def test_packet_follows_the_stored_case(client: TestClient, key_a: dict, case_id: str) -> None:
    case = client.get(f"/v1/appeals/{case_id}", headers=key_a).json()
    packet = client.get(f"/v1/appeals/{case_id}/packet.md", headers=key_a).text
    assert case["facts"]["member_id"] in packet
    for d in case["deadlines"]:
        assert d["citation"] in packet


@pytest.mark.parametrize("fmt", list(MEDIA))
def test_other_key_gets_404(client: TestClient, key_b: dict, case_id: str, fmt: str) -> None:
    response = client.get(f"/v1/appeals/{case_id}/packet.{fmt}", headers=key_b)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")


def test_unknown_format_is_rejected(client: TestClient, key_a: dict, case_id: str) -> None:
    assert client.get(f"/v1/appeals/{case_id}/packet.txt", headers=key_a).status_code == 422


def test_upload_page_links_the_packet(client: TestClient) -> None:
    page = client.get("/").text
    for fmt in MEDIA:
        assert f'data-download="packet.{fmt}"' in page
