"""A request over the size limit gets a page naming the file field and the limit."""

from __future__ import annotations

import io
from pathlib import Path

from servicedesk.app import create_app
from servicedesk.config import Config
from servicedesk.container import Container


def test_an_oversized_upload_is_refused_with_the_limit_named(sqlite_engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    config = Config(
        instance_dir=tmp_path / "instance",
        database_url=sqlite_engine.url.render_as_string(hide_password=False),
        secret_key="test-secret",
        attachment_max_bytes=1024 * 1024,
    )
    app = create_app(container=Container.build(config, synchronous_jobs=True))
    client = app.test_client()

    def big() -> dict[str, object]:
        return {"file": (io.BytesIO(b"x" * (3 * 1024 * 1024)), "big.pdf")}

    page = client.post("/login", data=big(), content_type="multipart/form-data")
    assert page.status_code == 413
    assert "file: larger than the limit of 1 MB" in page.get_data(as_text=True)
    as_json = client.post(
        "/login", data=big(), content_type="multipart/form-data",
        headers={"Accept": "application/json"},
    )  # fmt: skip
    assert as_json.status_code == 413
    assert as_json.get_json() == {"error": "file: larger than the limit of 1 MB"}
