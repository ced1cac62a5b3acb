"""Organisations, officers, parties, cases."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from ..deps import Actor, ArchiveDep
from ..schemas import (
    CaseCreate,
    CaseRead,
    MajorUpdate,
    OfficerCreate,
    OfficerRead,
    OptionalDay,
    OrgCreate,
    OrgRead,
    PartyCreate,
    PartyRead,
    PathId,
    QueryId,
    case_read,
    plain,
)

__all__ = ["router"]

router = APIRouter()


@router.post("/organisations", response_model=OrgRead, status_code=201, tags=["organisations"])
def create_org(body: OrgCreate, archive: ArchiveDep, actor: Actor) -> OrgRead:
    return OrgRead.model_validate(archive.registry.create_org(actor=actor, **body.model_dump()))


@router.get("/organisations", response_model=list[OrgRead], tags=["organisations"])
def list_orgs(archive: ArchiveDep, actor: Actor) -> list[OrgRead]:
    return [OrgRead.model_validate(o) for o in archive.registry.orgs(actor=actor)]


@router.get("/organisations/{org_id}", response_model=OrgRead, tags=["organisations"])
def get_org(org_id: PathId, archive: ArchiveDep, actor: Actor) -> OrgRead:
    return OrgRead.model_validate(archive.registry.org(actor=actor, org_id=org_id))


@router.post("/officers", response_model=OfficerRead, status_code=201, tags=["officers"])
def create_officer(body: OfficerCreate, archive: ArchiveDep, actor: Actor) -> OfficerRead:
    return OfficerRead.model_validate(archive.registry.create_officer(actor=actor, **body.model_dump()))


@router.get("/officers", response_model=list[OfficerRead], tags=["officers"])
def list_officers(archive: ArchiveDep, actor: Actor, org_id: QueryId = None) -> list[OfficerRead]:
    return [OfficerRead.model_validate(o) for o in archive.registry.officers(actor=actor, org_id=org_id)]


@router.post("/parties", response_model=PartyRead, status_code=201, tags=["parties"])
def create_party(body: PartyCreate, archive: ArchiveDep, actor: Actor) -> PartyRead:
    return PartyRead.model_validate(archive.registry.create_party(actor=actor, **body.model_dump()))


@router.get("/parties", response_model=list[PartyRead], tags=["parties"])
def list_parties(archive: ArchiveDep, actor: Actor) -> list[PartyRead]:
    return [PartyRead.model_validate(p) for p in archive.registry.parties(actor=actor)]


@router.get("/parties/{party_id}", response_model=PartyRead, tags=["parties"])
def get_party(party_id: PathId, archive: ArchiveDep, actor: Actor) -> PartyRead:
    return PartyRead.model_validate(archive.registry.party(actor=actor, key=party_id))


@router.post("/cases", response_model=CaseRead, status_code=201, tags=["cases"])
def create_case(body: CaseCreate, archive: ArchiveDep, actor: Actor) -> CaseRead:
    return case_read(archive.registry.create_case(actor=actor, **body.model_dump()))


@router.get("/cases", response_model=list[CaseRead], tags=["cases"])
def list_cases(archive: ArchiveDep, actor: Actor, org_id: QueryId = None) -> list[CaseRead]:
    return [case_read(c) for c in archive.registry.cases(actor=actor, org_id=org_id)]


@router.get("/cases/{case_id}", response_model=CaseRead, tags=["cases"])
def get_case(case_id: PathId, archive: ArchiveDep, actor: Actor) -> CaseRead:
    return case_read(archive.registry.case(actor=actor, case_id=case_id))


@router.put("/cases/{case_id}/major", response_model=CaseRead, tags=["cases"])
def set_major(case_id: PathId, body: MajorUpdate, archive: ArchiveDep, actor: Actor) -> CaseRead:
    """重大案件: mark an open case 重大 (or take the mark away), with the reason; logged."""
    return case_read(archive.registry.set_major(actor=actor, case_id=case_id, major=body.major, reason=body.reason))


@router.get("/cases/{case_id}/deadlines", tags=["cases"])
def case_deadlines(
    case_id: PathId, archive: ArchiveDep, actor: Actor, today: OptionalDay = None
) -> list[dict[str, Any]]:
    """程序时限: each legal deadline of the case with its due date, status and legal basis."""
    return plain(archive.procedure.deadlines(actor=actor, case_id=case_id, today=today))


@router.get("/due", tags=["cases"])
def due(
    archive: ArchiveDep,
    actor: Actor,
    days: Annotated[int, Query(ge=0, le=3660, description="look-ahead in days (at most ten years)")] = 7,
    org_id: QueryId = None,
    today: OptionalDay = None,
) -> list[dict[str, Any]]:
    """What falls due within ``days`` or is overdue, across the open cases the caller can see."""
    return plain(archive.procedure.due(actor=actor, days=days, org_id=org_id, today=today))
