"""Sizes are bounded everywhere, and checked before the body is read (issue 17).

A request body over its route's limit is refused on its Content-Length without reading it, or as
it streams when it has none; a document field value over its kind's limit is refused before it is
validated, stored or rendered; each kind of upload has its own limit; an image is refused from its
header when it declares too many pixels; a PDF handed to ``casefile check`` is bounded in bytes and
pages. Every refusal is a 413 with a code and the setting that bounds it, and nothing is written.
"""

from __future__ import annotations

import io
import json
import struct
import time
import zlib
from collections.abc import Iterator
from typing import Any

import anyio
import pikepdf
import pytest
from anjuan.api.app import create_app
from anjuan.archive.errors import TooLarge
from anjuan.archive.models import Attachment, Document, Event
from anjuan.archive.service import Archive
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import func, select

from tests.fixtures.archive import Bureau

KIB = 1024
#: small limits, so that "one byte over" is cheap to send
SMALL = {
    "upload_attachment_max_bytes": 100 * KIB,
    "upload_seal_max_bytes": 60 * KIB,
    "upload_verify_max_bytes": 100 * KIB,
    "casefile_check_max_bytes": 100 * KIB,
    "casefile_check_max_pages": 5,
}


def _counts(archive: Archive) -> tuple[int, int, int]:
    with archive.kernel.db.read() as s:
        return (
            s.scalar(select(func.count()).select_from(Event)) or 0,
            s.scalar(select(func.count()).select_from(Document)) or 0,
            s.scalar(select(func.count()).select_from(Attachment)) or 0,
        )


def _case(archive: Archive, bureau: Bureau, kind: str = "inspection") -> int:
    return archive.registry.create_case(
        actor=bureau.handler,
        org_id=bureau.org_id,
        kind=kind,
        procedure="general",
        party_id=bureau.party_id,
        officer_ids=bureau.officer_ids,
    ).id


@pytest.fixture
def client(archive: Archive, bureau: Bureau) -> Iterator[TestClient]:
    with TestClient(create_app(archive=archive), headers=bureau.auth(archive)) as client:
        yield client


def _refused(response: Any, code: str, setting: str) -> dict[str, Any]:
    assert response.status_code == 413, response.text[:500]
    error = response.json()["error"]
    assert error["code"] == code, error
    assert error["details"]["setting"] == setting and error["details"]["limit"] > 0
    assert setting in error["message_zh"]  # the refusal names its limit, in Chinese too
    return error


# ── request bodies ──────────────────────────────────────────────────────────────────────────────


def _asgi(app: Any, scope_extra: dict[str, Any], chunks: Iterator[bytes]) -> tuple[list[dict[str, Any]], int]:
    """Call the app as a server would; returns what it sent and how many body chunks it pulled."""
    pulled = 0
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal pulled
        chunk = next(chunks, None)
        if chunk is None:
            return {"type": "http.request", "body": b"", "more_body": False}
        pulled += 1
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/cases/1/documents",
        "raw_path": b"/api/cases/1/documents",
        "query_string": b"",
        "root_path": "",
        "client": ("127.0.0.1", 1234),
        "server": ("testserver", 80),
        **scope_extra,
    }
    anyio.run(app, scope, receive, send)
    return sent, pulled


def _status_and_body(sent: list[dict[str, Any]]) -> tuple[int, dict[str, Any]]:
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], json.loads(body)


def test_a_body_over_its_content_length_limit_is_refused_unread(archive: Archive, client: TestClient) -> None:
    limit = archive.kernel.settings.body_max_bytes
    headers = [(b"content-type", b"application/json"), (b"content-length", str(limit + 1).encode())]

    def never() -> Iterator[bytes]:
        raise AssertionError("the body was read")
        yield b""  # pragma: no cover

    sent, pulled = _asgi(client.app, {"headers": headers}, never())
    status, body = _status_and_body(sent)
    assert status == 413 and pulled == 0
    assert body["error"]["code"] == "body_too_large"
    assert body["error"]["details"] == {
        "setting": "ANJUAN_BODY_MAX_BYTES",
        "limit": limit,
        "value": limit + 1,
        "unit": "bytes",
    }
    # and through a real client: a 2 MiB JSON document is refused the same way
    big = json.dumps({"form": "inspection_plan", "fields": {"remarks": "隐" * (700 * KIB)}}).encode()
    response = client.post("/api/cases/1/documents", content=big, headers={"content-type": "application/json"})
    _refused(response, "body_too_large", "ANJUAN_BODY_MAX_BYTES")


def test_a_chunked_body_is_counted_as_it_streams_and_cut_at_the_limit(archive: Archive, client: TestClient) -> None:
    limit = archive.kernel.settings.body_max_bytes
    chunk = b"x" * (64 * KIB)

    def endless() -> Iterator[bytes]:
        while True:
            yield chunk

    headers = [(b"content-type", b"application/json"), (b"transfer-encoding", b"chunked")]
    sent, pulled = _asgi(client.app, {"headers": headers}, endless())
    status, body = _status_and_body(sent)
    assert status == 413 and body["error"]["code"] == "body_too_large"
    assert pulled == limit // len(chunk) + 1  # stopped at the first chunk past the limit

    def stream() -> Iterator[bytes]:
        for _ in range(limit // len(chunk) + 2):
            yield chunk

    response = client.post("/api/cases/1/documents", content=stream(), headers={"content-type": "application/json"})
    assert "content-length" not in response.request.headers  # really sent chunked
    _refused(response, "body_too_large", "ANJUAN_BODY_MAX_BYTES")
    assert client.get("/healthz").status_code == 200  # and the server carries on


# ── field values ────────────────────────────────────────────────────────────────────────────────


def test_a_2_mb_field_value_is_refused_and_nothing_is_written(
    archive: Archive, bureau: Bureau, client: TestClient
) -> None:
    case = _case(archive, bureau)
    before = _counts(archive)
    two_mb = "未" * (2 * 1024 * KIB // 3)
    with pytest.raises(TooLarge) as refused:  # the service (the CLI, any caller) refuses it
        archive.documents.create_draft(
            actor=bureau.handler, case_id=case, form_key="inspection_plan", fields={"remarks": two_mb}
        )
    assert refused.value.code in ("field_too_long", "fields_too_large")
    # over HTTP the body limit refuses it first; a value within the body limit but past the field's
    # own limit is refused naming the field
    response = client.post(
        f"/api/cases/{case}/documents", json={"form": "inspection_plan", "fields": {"remarks": two_mb}}
    )
    _refused(response, "body_too_large", "ANJUAN_BODY_MAX_BYTES")
    long_text = archive.kernel.settings.field_text_max_chars + 1
    response = client.post(
        f"/api/cases/{case}/documents", json={"form": "inspection_plan", "fields": {"remarks": "未" * long_text}}
    )
    error = _refused(response, "field_too_long", "ANJUAN_FIELD_TEXT_MAX_CHARS")
    assert error["details"]["field"] == "remarks" and error["details"]["value"] == long_text
    assert "备注" in error["message_zh"] or "remarks" in error["message_zh"]
    line = archive.kernel.settings.field_line_max_chars + 1
    response = client.post(
        f"/api/cases/{case}/documents", json={"form": "inspection_plan", "fields": {"contact_person": "张" * line}}
    )
    assert _refused(response, "field_too_long", "ANJUAN_FIELD_LINE_MAX_CHARS")["details"]["field"] == "contact_person"
    items = archive.kernel.settings.field_list_max_items + 1
    response = client.post(
        f"/api/cases/{case}/documents",
        json={"form": "inspection_plan", "fields": {"inspection_items": ["检查项"] * items}},
    )
    assert _refused(response, "field_too_many_items", "ANJUAN_FIELD_LIST_MAX_ITEMS")["details"]["value"] == items
    assert _counts(archive) == before  # no draft, no event


@pytest.mark.archive_settings(fields_total_max_chars=5000, field_text_max_chars=4000)
def test_the_fields_of_a_document_are_bounded_together_and_on_update(
    archive: Archive, bureau: Bureau, client: TestClient
) -> None:
    case = _case(archive, bureau)
    draft = client.post(
        f"/api/cases/{case}/documents", json={"form": "inspection_plan", "fields": {"remarks": "未" * 3000}}
    )
    assert draft.status_code == 201, draft.text
    before = _counts(archive)
    response = client.patch(
        f"/api/documents/{draft.json()['id']}", json={"fields": {"contact_person": "张三", "industry": "化" * 1999}}
    )
    _refused(response, "fields_too_large", "ANJUAN_FIELDS_TOTAL_MAX_CHARS")
    assert _counts(archive) == before


def test_web_forms_get_the_same_limits_as_a_chinese_page(archive: Archive, bureau: Bureau, client: TestClient) -> None:
    response = client.post(
        "/web/cases/1/documents/new",
        content=b"remarks=" + b"%E6%9C%AA" * (400 * KIB),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("text/html")
    assert "body_too_large" in response.text and "ANJUAN_BODY_MAX_BYTES" in response.text


# ── uploads ─────────────────────────────────────────────────────────────────────────────────────


def _pdf(pages: int = 1, padding: int = 0, size: tuple[int, int] = (595, 842)) -> bytes:
    out = io.BytesIO()
    with pikepdf.new() as pdf:
        for _ in range(pages):
            pdf.add_blank_page(page_size=size)
        if padding:
            pdf.Root.Padding = pdf.make_stream(b"\0" * padding)  # incompressible enough: saved uncompressed
        pdf.save(out, compress_streams=False)
    return out.getvalue()


def _jpeg(size: tuple[int, int] = (400, 300)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (180, 30, 30)).save(out, format="JPEG")
    return out.getvalue()


def _bomb_png(width: int = 12_500, height: int = 12_500) -> bytes:
    """A real, valid PNG of width × height black pixels (1 bit each): ~20 KiB on disk, 156 megapixels
    decoded."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\0" * (1 + (width + 7) // 8)  # filter byte + the row's bits
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def _upload(client: TestClient, kind: str, archive: Archive, bureau: Bureau, data: bytes, name: str) -> Any:
    files = {"file": (name, data)}
    if kind == "attachment":
        case = _case(archive, bureau)
        return client.post(f"/api/cases/{case}/attachments", files=files, data={"kind": "photo", "title": "现场照片"})
    if kind == "seal":
        admin = bureau.auth(archive, "bureau_admin")
        return client.put(f"/api/organisations/{bureau.org_id}/seals/organ", files=files, headers=admin)
    if kind == "verify":
        return client.post("/verify", files=files)
    return client.post("/api/casefiles/check", files=files)


@pytest.mark.archive_settings(**SMALL)
@pytest.mark.parametrize(
    ("kind", "setting"),
    [
        ("attachment", "ANJUAN_UPLOAD_ATTACHMENT_MAX_BYTES"),
        ("seal", "ANJUAN_UPLOAD_SEAL_MAX_BYTES"),
        ("verify", "ANJUAN_UPLOAD_VERIFY_MAX_BYTES"),
        ("casefile_check", "ANJUAN_CASEFILE_CHECK_MAX_BYTES"),
    ],
)
def test_each_kind_of_upload_has_its_limit(
    archive: Archive, bureau: Bureau, client: TestClient, kind: str, setting: str
) -> None:
    limit = int(getattr(archive.kernel.settings, setting.removeprefix("ANJUAN_").lower()))
    before = _counts(archive)
    # One byte over: within the body's room for the form around the file, refused as the file's kind.
    response = _upload(client, kind, archive, bureau, b"%PDF-1.7\n" + b"\0" * limit, "big.pdf")
    error = _refused(response, "upload_too_large", setting)
    assert error["details"]["kind"] == kind
    # Far over (a body declared larger than the file's limit and the form's room): refused unread.
    response = _upload(client, kind, archive, bureau, b"\0" * (limit + 200 * KIB), "huge.pdf")
    _refused(response, "body_too_large", setting)
    after = _counts(archive)
    assert after[1:] == before[1:]  # no document, no attachment (cases made for the upload aside)


@pytest.mark.archive_settings(**SMALL)
def test_an_attachment_within_its_limit_is_still_taken(archive: Archive, bureau: Bureau, client: TestClient) -> None:
    response = _upload(client, "attachment", archive, bureau, _jpeg(), "photo.jpg")
    assert response.status_code == 201, response.text
    assert response.json()["pages"] == 1


@pytest.mark.parametrize("kind", ["attachment", "seal"])
def test_a_pixel_bomb_is_refused_from_its_header(
    archive: Archive, bureau: Bureau, client: TestClient, kind: str
) -> None:
    bomb = _bomb_png()
    assert len(bomb) < 200 * KIB
    before = _counts(archive)
    started = time.perf_counter()
    response = _upload(client, kind, archive, bureau, bomb, "bomb.png")
    elapsed = time.perf_counter() - started
    error = _refused(response, "image_too_many_pixels", "ANJUAN_IMAGE_MAX_PIXELS")
    assert error["details"]["width"] == 12_500 and error["details"]["value"] == 12_500**2
    assert elapsed < 10  # decoding it took seconds and 700 MiB; the header alone is instant
    assert _counts(archive)[1:] == before[1:]
    assert archive.kernel.settings.image_max_pixels == Image.MAX_IMAGE_PIXELS  # Pillow's backstop agrees


@pytest.mark.archive_settings(image_max_pixels=100_000)
def test_the_pixel_limit_is_a_setting_for_jpeg_too(archive: Archive, bureau: Bureau) -> None:
    case = _case(archive, bureau)
    with pytest.raises(TooLarge) as refused:
        archive.casefiles.add_attachment(
            actor=bureau.handler, case_id=case, kind="photo", title="照片", data=_jpeg((400, 300))
        )
    assert refused.value.code == "image_too_many_pixels" and refused.value.details["value"] == 120_000
    archive.casefiles.add_attachment(
        actor=bureau.handler, case_id=case, kind="photo", title="照片", data=_jpeg((300, 300))
    )


@pytest.mark.archive_settings(**SMALL)
def test_casefile_check_is_bounded_in_bytes_and_pages(archive: Archive, bureau: Bureau, client: TestClient) -> None:
    response = _upload(client, "casefile_check", archive, bureau, _pdf(pages=6), "volume.pdf")
    error = _refused(response, "too_many_pages", "ANJUAN_CASEFILE_CHECK_MAX_PAGES")
    assert error["details"]["value"] == 6 and error["details"]["limit"] == 5
    ok = _upload(client, "casefile_check", archive, bureau, _pdf(pages=2), "volume.pdf")
    assert ok.status_code == 200 and ok.json()["ok"] is False  # read and checked (not a real volume)
    big = _pdf(padding=150 * KIB)
    with pytest.raises(TooLarge) as refused:  # the service refuses it too (the CLI's path)
        archive.casefiles.check(big)
    assert refused.value.code == "upload_too_large"
    # one page of 200 × 200 inches: 207 megapixels once rendered for the ink checks
    started = time.perf_counter()
    response = _upload(client, "casefile_check", archive, bureau, _pdf(size=(14_400, 14_400)), "poster.pdf")
    assert time.perf_counter() - started < 10
    error = _refused(response, "page_too_large", "ANJUAN_IMAGE_MAX_PIXELS")
    assert error["details"]["value"] == 14_400**2
