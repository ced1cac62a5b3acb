"""The draft preview a handler sees beside the form (the frame on a document's page): every form of
the catalogue previews while its fields are still empty, and a preview that cannot be made is a
bare message in the frame, never a 500 nor a second copy of the site."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from anjuan.api.app import create_app
from anjuan.archive.catalogue import FormSpec
from anjuan.archive.config import Settings
from anjuan.archive.db import Database
from anjuan.archive.errors import RenderFailed
from anjuan.archive.rules import Rules
from anjuan.archive.service import Archive
from anjuan.indexing.memory import MemoryBackend
from anjuan.templates.convert import FakeConverter
from fastapi.testclient import TestClient

from tests.fixtures.archive import PASSWORD, Bureau, BureauTemplate, make_archive

FORMS = Rules(Settings()).catalogue.forms


@dataclass(frozen=True)
class World:
    archive: Archive
    bureau: Bureau
    client: TestClient  # the handler, logged in
    api: dict[str, str]  # the handler's bearer token for the API


@pytest.fixture(scope="module")
def world(bureau_template: BureauTemplate, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """One copy of the session's test bureau and one logged-in browser session for the module: each
    form's test only drafts and previews (≈ 0.1 s instead of a new bureau and app each)."""
    directory = tmp_path_factory.mktemp("preview")
    bureau_template.copy_to(directory)
    database = Database(f"sqlite:///{directory / 'anjuan.db'}")
    with FakeConverter() as fake:
        for archive in make_archive(database, fake, directory, search_backend=MemoryBackend()):
            bureau = bureau_template.bureau
            with TestClient(create_app(archive=archive), follow_redirects=False) as client:
                csrf = re.search(r'name="csrf" value="(\w+)"', client.get("/web/login").text)
                assert csrf
                login = {"username": bureau.handler.name, "password": PASSWORD, "next": "/web/", "csrf": csrf.group(1)}
                assert client.post("/web/login", data=login).status_code == 303
                yield World(archive, bureau, client, bureau.auth(archive))
    database.dispose()


def _empty_draft(archive: Archive, bureau: Bureau, form: FormSpec) -> int:
    """A draft of ``form`` with no field filled, in a case the form belongs to."""
    party = bureau.party_id
    if form.party_kind == "person":
        party = archive.registry.create_party(
            actor=bureau.admin, kind="person", name="王五", id_number="11010119900307777X"
        ).id
    case = archive.registry.create_case(
        actor=bureau.handler,
        org_id=bureau.org_id,
        kind=form.case_kinds[0].value,
        procedure=form.procedures[0].value,
        party_id=party,
        officer_ids=bureau.officer_ids,
    )
    return archive.documents.create_draft(actor=bureau.handler, case_id=case.id, form_key=form.id, fields={}).id


@pytest.mark.parametrize("form", FORMS, ids=[f.id for f in FORMS])
def test_every_form_previews_with_its_fields_empty(world: World, form: FormSpec) -> None:
    doc = _empty_draft(world.archive, world.bureau, form)
    r = world.client.get(f"/web/documents/{doc}/preview.pdf")
    assert r.status_code == 200, r.text[:500]
    assert r.headers["content-type"] == "application/pdf" and r.content.startswith(b"%PDF")


def test_a_preview_that_cannot_be_made_is_a_message_in_the_frame(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    archive, client = world.archive, world.client
    form = next(f for f in FORMS if f.id == "penalty_decision_org")
    doc = _empty_draft(archive, world.bureau, form)

    def fails(**_: object) -> None:
        raise RenderFailed("模板生成失败", "the template failed", code="render_failed")

    monkeypatch.setattr(archive.documents, "render", fails)
    r = client.get(f"/web/documents/{doc}/preview.pdf")
    assert r.status_code == 200 and "填写必填项后可预览" in r.text
    assert "违法事实" in r.text  # names a required field still empty
    assert "<nav" not in r.text and "主菜单" not in r.text  # the message alone, not the site
    monkeypatch.undo()
    # A draft that is not there (or outside the user's scope): the API's status, still without the site.
    missing = client.get("/web/documents/999999/preview.pdf")
    assert missing.status_code == 404 and "<nav" not in missing.text
    # The API's preview of the empty draft renders as well (the same rendering, JSON errors).
    api = client.get(f"/api/documents/{doc}/preview.pdf", headers=world.api)
    assert api.status_code == 200 and api.content.startswith(b"%PDF")
