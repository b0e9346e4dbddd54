"""`appealgen serve --workers 2`: two uvicorn worker processes over one case store."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.api.test_live_server import pdf_upload


def test_two_workers_share_the_case_store(live_server_two_workers) -> None:
    server = live_server_two_workers
    auth = server.auth(server.key_a)

    def upload(_: int) -> str:
        with httpx.Client(base_url=server.url, timeout=180) as client:
            response = client.post("/v1/appeals", files=pdf_upload(), headers=auth)
            assert response.status_code == 201, response.text
            return str(response.json()["id"])

    with ThreadPoolExecutor(4) as pool:
        ids = list(pool.map(upload, range(8)))
    assert len(set(ids)) == 8
    with httpx.Client(base_url=server.url, timeout=60) as client:
        for case_id in ids:  # whichever worker answers, every case is there, and only for its key
            assert client.get(f"/v1/appeals/{case_id}", headers=auth).status_code == 200
            assert client.get(f"/v1/appeals/{case_id}", headers=server.auth(server.key_b)).status_code == 404
    log = server.log.read_text()
    assert log.count("Started server process") >= 2, log[-2000:]
