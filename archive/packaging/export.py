"""归档信息包: a filed case as a BagIt bag (RFC 8493, SHA-256 manifests) — the sealed document PDFs
byte for byte, the volume, the evidence attachments, and DA/T 46-style metadata XML per item and per
case with each one's process history from the hash-chained log.

Layout (件号 follows the order of the volume)::

    bagit.txt  bag-info.txt  manifest-sha256.txt  tagmanifest-sha256.txt
    data/case.xml                          案卷: 档号, 归档号, 题名, 案由, 责任者, 保管期限, 件数, 页数, items, history
    data/volume/casefile.pdf, .xml         the sealed case-file volume
    data/documents/0001-<form>.pdf, .xml   each issued document (sealed) and its metadata
    data/attachments/0003-<kind>.<ext>, .pdf, .xml   evidence as received, its page rendition, metadata
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import bagit
from lxml import etree
from sqlalchemy import or_, select

from anjuan import __version__

from .. import events
from ..access import Principal, require_case
from ..catalogue import resolve_form
from ..clock import beijing_date
from ..errors import Conflict, Forbidden
from ..models import Attachment, CaseFile, Document, Event
from ..views import PackageExport, Verification

if TYPE_CHECKING:
    from ..kernel import Kernel

__all__ = ["NS", "export_package"]

NS = "urn:anjuan:aip:1"
_EXT = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}
# RFC 8493. The bagit library writes 0.97 whatever it is asked; the bag is rewritten as 1.0 below.
BAGIT_TXT = "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"


def _el(parent: etree._Element, tag: str, text: Any = None, label: str | None = None, **attrs: Any) -> etree._Element:
    element = etree.SubElement(parent, f"{{{NS}}}{tag}", {k: str(v) for k, v in attrs.items() if v is not None})
    if label:
        element.set("label", label)
    if text is not None:
        element.text = str(text)
    return element


def _write(path: Path, root: etree._Element) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def _history(parent: etree._Element, rows: list[Event]) -> None:
    history = _el(parent, "history", label="处理过程")
    for e in rows:
        _el(
            history,
            "event",
            seq=e.seq,
            at=e.at.isoformat() if e.at else None,
            actor=e.actor,
            action=e.action,
            entity=e.entity,
            entity_id=e.entity_id,
            hash=e.hash,
        )


def export_package(kernel: Kernel, *, actor: Principal, case_id: int, out_dir: Path) -> PackageExport:
    """Write the bag of a filed case to ``out_dir`` (which must not exist or be empty)."""
    if not (actor.can("file") or actor.can("audit")):
        raise Forbidden("无权导出归档信息包", "only archivists and auditors export packages", code="not_permitted")
    out_dir = Path(out_dir)
    if out_dir.exists() and any(out_dir.iterdir()):
        raise Conflict(f"目录{out_dir}不为空", f"{out_dir} is not empty", code="target_not_empty")
    with kernel.db.read() as s:
        case = require_case(s, actor, case_id)
        if case.filed_at is None:
            raise Conflict("案件尚未归档，不能导出归档信息包", "only a filed case is exported", code="not_filed")
        volume = s.scalars(
            select(CaseFile).where(CaseFile.case_id == case_id).order_by(CaseFile.version.desc())
        ).first()
        assert volume is not None  # filing builds the volume
        docs = {d.id: d for d in s.scalars(select(Document).where(Document.case_id == case_id))}
        atts = {a.id: a for a in s.scalars(select(Attachment).where(Attachment.case_id == case_id))}
        history = list(
            s.scalars(
                select(Event)
                .where(
                    or_(
                        (Event.entity == "case") & (Event.entity_id == case_id),
                        (Event.entity == "document") & Event.entity_id.in_(list(docs) or [-1]),
                    )
                )
                .order_by(Event.seq)
            )
        )
        org, party = case.org, case.party
        info = {
            "file_no": case.file_no,
            "archive_no": case.archive_no,
            "name": case.name,
            "cause": case.cause,
            "org": org.name,
            "party": party.name,
            "closed": case.closed_on,
            "retention": case.retention,
            "filed_at": case.filed_at,
        }
        opened = next((d.doc_date for d in docs.values() if d.form_id == "case_filing_approval"), None)

    # bagit turns a directory into a bag in place (moving its contents under data/): write the
    # payload at the top of out_dir, then bag it.
    staging = out_dir
    staging.mkdir(parents=True, exist_ok=True)
    root = etree.Element(f"{{{NS}}}case_file", nsmap={None: NS})
    for tag, value, label in (
        ("file_no", info["file_no"], "档号"),
        ("archive_no", info["archive_no"], "归档号"),
        ("title", info["name"], "题名"),
        ("cause", info["cause"], "案由"),
        ("responsible", info["org"], "责任者"),
        ("party", info["party"], "当事人"),
        ("opened", opened.isoformat() if opened else "", "立案日期"),
        ("closed", info["closed"].isoformat() if info["closed"] else "", "结案日期"),
        ("retention", info["retention"], "保管期限"),
        ("items", len(volume.entries), "件数"),
        ("pages", volume.content_pages, "页数"),
    ):
        _el(root, tag, value, label)
    pdf = kernel.blobs.get(volume.sha256)
    (staging / "volume").mkdir(parents=True, exist_ok=True)
    (staging / "volume" / "casefile.pdf").write_bytes(pdf)
    _el(root, "volume", file="volume/casefile.pdf", metadata="volume/casefile.xml")
    vol_meta = etree.Element(f"{{{NS}}}record", nsmap={None: NS})
    _fill_record(
        vol_meta,
        item_no=0,
        file_no=info["file_no"],
        title=f"{info['name']}（卷宗）",
        number=info["archive_no"],
        responsible=info["org"],
        date=volume.built_at.date(),
        retention=info["retention"],
        pages=volume.pages,
        media="application/pdf",
        data=pdf,
        report=kernel.verify(pdf),
    )
    _history(vol_meta, [e for e in history if e.entity == "case" and e.action in ("casefile_built", "filed")])
    _write(staging / "volume" / "casefile.xml", vol_meta)

    items = _el(root, "contents", label="卷内文件")
    for item_no, entry in enumerate(volume.entries, start=1):
        kind, _, ident = str(entry["key"]).partition(":")
        if kind == "document":
            doc = docs[int(ident)]
            assert doc.pdf_sha256 is not None
            data = kernel.blobs.get(doc.pdf_sha256)
            name = f"documents/{item_no:04d}-{doc.form_id}"
            (staging / f"{name}.pdf").parent.mkdir(parents=True, exist_ok=True)
            (staging / f"{name}.pdf").write_bytes(data)
            meta = etree.Element(f"{{{NS}}}record", nsmap={None: NS})
            _fill_record(
                meta,
                item_no=item_no,
                file_no=f"{info['file_no']}-{item_no:04d}",
                title=resolve_form(kernel.rules.catalogue, doc.form_id).name,
                number=doc.number or "",
                responsible=info["org"],
                date=doc.doc_date or beijing_date(doc.issued_at),  # 日期 is required (YJ-2-4)
                retention=info["retention"],
                pages=doc.pages or 0,
                media="application/pdf",
                data=data,
                report=kernel.verify(data),
                signers=doc.signatures,
            )
            _history(meta, [e for e in history if e.entity == "document" and e.entity_id == doc.id])
            _write(staging / f"{name}.xml", meta)
            _el(items, "item", item_no=item_no, kind="document", file=f"{name}.pdf", metadata=f"{name}.xml")
        else:
            att = atts[int(ident)]
            original = kernel.blobs.get(att.sha256)
            rendition = kernel.blobs.get(att.pdf_sha256)
            name = f"attachments/{item_no:04d}-{att.kind}"
            ext = _EXT.get(att.media_type, "bin")
            (staging / "attachments").mkdir(parents=True, exist_ok=True)
            files = [(f"{name}.{ext}", original, att.media_type)]
            # A scan whose active content was removed on upload goes in as its clean rendition: the
            # package must pass 安全性 (YJ-4-3). The original stays in the archive's blob store, and
            # its SHA-256 and what was removed are in this item's metadata (<sanitised>).
            sanitised = att.media_type == "application/pdf" and att.pdf_sha256 != att.sha256
            if sanitised:
                original = rendition
                files = [(f"{name}.pdf", rendition, att.media_type)]
            elif att.media_type != "application/pdf":
                files.append((f"{name}.pdf", rendition, "application/pdf"))
            for path, data, _media in files:
                (staging / path).write_bytes(data)
            meta = etree.Element(f"{{{NS}}}record", nsmap={None: NS})
            _fill_record(
                meta,
                item_no=item_no,
                file_no=f"{info['file_no']}-{item_no:04d}",
                title=att.title,
                number="",
                responsible=att.responsible or info["party"],
                date=att.date or beijing_date(att.created_at),  # undated evidence: the day it was received
                retention=info["retention"],
                pages=att.pages,
                media=att.media_type,
                data=original,
                rendition=(f"{name}.pdf", rendition) if att.media_type != "application/pdf" else None,
            )
            added = [e for e in history if e.action == "attachment_added" and e.data.get("attachment_id") == att.id]
            if sanitised:
                # What was received (its SHA-256; the file itself stays in the archive) and what was
                # removed from it before it could go into a volume.
                removed = next((e.data.get("sanitised") for e in added if e.data.get("sanitised")), None) or []
                cleaned = _el(meta, "sanitised", label="已清除活动内容", original_sha256=att.sha256)
                for item in removed:
                    _el(cleaned, "removed", item)
            _history(meta, added)
            _write(staging / f"{name}.xml", meta)
            _el(items, "item", item_no=item_no, kind="attachment", file=files[0][0], metadata=f"{name}.xml")
    _history(root, history)
    _write(staging / "case.xml", root)

    bag = bagit.make_bag(
        str(out_dir),
        bag_info={
            "Source-Organization": info["org"],
            "External-Identifier": info["file_no"] or "",
            "Internal-Sender-Identifier": info["archive_no"] or "",
            "Internal-Sender-Description": f"{info['name']} 归档信息包",
            "Bagging-Date": kernel.clock.today().isoformat(),
            "Bag-Software-Agent": f"anjuan {__version__}",
        },
        checksums=["sha256"],
    )
    _declare_bagit_1_0(out_dir)
    manifest = (out_dir / "manifest-sha256.txt").read_bytes()
    digest = hashlib.sha256(manifest).hexdigest()
    with kernel.db.write() as s:
        events.record(
            s,
            actor=actor.name,
            entity="case",
            entity_id=case_id,
            action="package_exported",
            file_no=info["file_no"],
            payload_oxum=bag.info.get("Payload-Oxum"),
            manifest_sha256=digest,
        )
    return PackageExport(
        path=str(out_dir),
        file_no=info["file_no"],
        payload_oxum=bag.info.get("Payload-Oxum"),
        manifest_sha256=digest,
    )


def _declare_bagit_1_0(bag_dir: Path) -> None:
    """Rewrite ``bagit.txt`` as BagIt 1.0 (RFC 8493) and recompute the tag manifest over it."""
    (bag_dir / "bagit.txt").write_bytes(BAGIT_TXT.encode("utf-8"))
    lines = []
    for tag_file in sorted(bag_dir.iterdir()):
        if tag_file.name == "data" or tag_file.name.startswith("tagmanifest-") or not tag_file.is_file():
            continue
        lines.append(f"{hashlib.sha256(tag_file.read_bytes()).hexdigest()}  {tag_file.name}\n")
    (bag_dir / "tagmanifest-sha256.txt").write_bytes("".join(lines).encode("utf-8"))


def _fill_record(
    meta: etree._Element,
    *,
    item_no: int,
    file_no: str | None,
    title: str,
    number: str | None,
    responsible: str,
    date: dt.date | None,
    retention: str | None,
    pages: int,
    media: str,
    data: bytes,
    report: Verification | None = None,
    signers: list[dict[str, Any]] | None = None,
    rendition: tuple[str, bytes] | None = None,
) -> None:
    for tag, value, label in (
        ("item_no", item_no, "件号"),
        ("file_no", file_no or "", "档号"),
        ("title", title, "题名"),
        ("doc_number", number or "", "文号"),
        ("responsible", responsible, "责任者"),
        ("date", date.isoformat() if date else "", "日期"),
        ("retention", retention or "", "保管期限"),
        ("pages", pages, "页数"),
        ("format", media, "格式"),
        ("size", len(data), "计算机文件大小"),
        ("sha256", hashlib.sha256(data).hexdigest(), "数字摘要"),
    ):
        _el(meta, tag, value, label)
    if rendition is not None:
        _el(
            meta,
            "rendition",
            file=rendition[0],
            sha256=hashlib.sha256(rendition[1]).hexdigest(),
            size=len(rendition[1]),
        )
    if report is not None or signers:
        sigs = _el(meta, "signatures", label="电子签名", verified_ok=str(bool(report and report.ok)).lower())
        by_field = {s.field: s for s in (report.signatures if report else ())}
        for signer in signers or [{"field": s.field, "role": s.role, "name": s.signer} for s in by_field.values()]:
            checked = by_field.get(signer.get("field"))
            _el(
                sigs,
                "signature",
                field=signer.get("field"),
                role=signer.get("role"),
                name=signer.get("name"),
                intact=str(checked.intact).lower() if checked else None,
                valid=str(checked.valid).lower() if checked else None,
                signing_time=checked.signing_time.isoformat() if checked and checked.signing_time else None,
            )
