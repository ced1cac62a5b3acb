"""Organisations, officers, parties, cases."""

from __future__ import annotations

import datetime as dt
from typing import Any

from anjuan.archive import registry
from fastapi import APIRouter

from ..deps import Actor, ArchiveDep
from ..schemas import (
    CaseCreate,
    CaseRead,
    OfficerCreate,
    OfficerRead,
    OrgCreate,
    OrgRead,
    PartyCreate,
    PartyRead,
    case_read,
)

__all__ = ["router"]

router = APIRouter()


@router.post("/organisations", response_model=OrgRead, status_code=201, tags=["organisations"])
def create_org(body: OrgCreate, archive: ArchiveDep, actor: Actor) -> OrgRead:
    return OrgRead.model_validate(archive.create_org(actor=actor, **body.model_dump()))


@router.get("/organisations", response_model=list[OrgRead], tags=["organisations"])
def list_orgs(archive: ArchiveDep) -> list[OrgRead]:
    with archive.db.read() as s:
        return [OrgRead.model_validate(o) for o in registry.list_orgs(s)]


@router.get("/organisations/{org_id}", response_model=OrgRead, tags=["organisations"])
def get_org(org_id: int, archive: ArchiveDep) -> OrgRead:
    with archive.db.read() as s:
        return OrgRead.model_validate(registry.get_org(s, org_id))


@router.post("/officers", response_model=OfficerRead, status_code=201, tags=["officers"])
def create_officer(body: OfficerCreate, archive: ArchiveDep, actor: Actor) -> OfficerRead:
    return OfficerRead.model_validate(archive.create_officer(actor=actor, **body.model_dump()))


@router.get("/officers", response_model=list[OfficerRead], tags=["officers"])
def list_officers(archive: ArchiveDep, org_id: int | None = None) -> list[OfficerRead]:
    with archive.db.read() as s:
        return [OfficerRead.model_validate(o) for o in registry.list_officers(s, org_id=org_id)]


@router.post("/parties", response_model=PartyRead, status_code=201, tags=["parties"])
def create_party(body: PartyCreate, archive: ArchiveDep, actor: Actor) -> PartyRead:
    return PartyRead.model_validate(archive.create_party(actor=actor, **body.model_dump()))


@router.get("/parties", response_model=list[PartyRead], tags=["parties"])
def list_parties(archive: ArchiveDep) -> list[PartyRead]:
    with archive.db.read() as s:
        return [PartyRead.model_validate(p) for p in registry.list_parties(s)]


@router.get("/parties/{party_id}", response_model=PartyRead, tags=["parties"])
def get_party(party_id: int, archive: ArchiveDep) -> PartyRead:
    with archive.db.read() as s:
        return PartyRead.model_validate(registry.get_party(s, party_id))


@router.post("/cases", response_model=CaseRead, status_code=201, tags=["cases"])
def create_case(body: CaseCreate, archive: ArchiveDep, actor: Actor) -> CaseRead:
    return case_read(archive.create_case(actor=actor, **body.model_dump()))


@router.get("/cases", response_model=list[CaseRead], tags=["cases"])
def list_cases(archive: ArchiveDep, org_id: int | None = None) -> list[CaseRead]:
    with archive.db.read() as s:
        return [case_read(c) for c in registry.list_cases(s, org_id=org_id)]


@router.get("/cases/{case_id}", response_model=CaseRead, tags=["cases"])
def get_case(case_id: int, archive: ArchiveDep) -> CaseRead:
    with archive.db.read() as s:
        return case_read(registry.get_case(s, case_id))


@router.get("/cases/{case_id}/deadlines", tags=["cases"])
def case_deadlines(case_id: int, archive: ArchiveDep, today: dt.date | None = None) -> list[dict[str, Any]]:
    """程序时限: each legal deadline of the case with its due date, status and legal basis."""
    return archive.deadlines(case_id, today=today)


@router.get("/due", tags=["cases"])
def due(
    archive: ArchiveDep, days: int = 7, org_id: int | None = None, today: dt.date | None = None
) -> list[dict[str, Any]]:
    """What falls due within ``days`` or is overdue, across open cases."""
    return archive.due(days=days, org_id=org_id, today=today)
