"""A short load run against a real uvicorn server: 8 clients for 10 s, 10% hostile uploads.

No timing asserts (the bench prints timings); the run must have no 5xx, no broken
connections, every good upload created (201) and every hostile one refused with 4xx.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bench.live import serve
from bench.load import hostile_uploads, run_load

pytestmark = pytest.mark.integration


class TestLoad:
    def test_hostile_inputs_are_what_they_claim(self) -> None:
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError

        bad = {u.name: u.files["denial"][1] for u in hostile_uploads()}
        assert bad["zero_bytes"] == b"" and not bad["not_pdf"].startswith(b"%PDF")
        assert PdfReader(io.BytesIO(bad["encrypted_pdf"])).is_encrypted
        with pytest.raises((PdfReadError, ValueError, KeyError)):
            reader = PdfReader(io.BytesIO(bad["truncated_pdf"]), strict=True)
            "".join(page.extract_text() for page in reader.pages)

    def test_eight_clients_ten_seconds(self, tmp_path: Path) -> None:
        with serve(tmp_path / "server") as server:
            report = run_load(server, clients=8, seconds=10)
        print("\n" + report.summary())
        assert report.server_errors == 0
        assert report.errors == []
        assert report.good_latencies_s, "no good upload completed"
        assert report.hostile_sent >= 1 and report.hostile_refused == report.hostile_sent
        assert set(report.statuses) <= {201, 413, 415, 422}
