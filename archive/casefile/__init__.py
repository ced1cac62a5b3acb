"""卷宗: the order of a case file (data), assembly, and — later — review and filing."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from .assembly import Plan, plan_volume
from .order import Category, OrderRules, Placeable, load_order, order_items, volume_kind

if TYPE_CHECKING:
    from anjuan.templates.volume.check import DocumentSource, SealStatus, VolumeCheck

    from ..views import Verification

__all__ = [
    "Category",
    "OrderRules",
    "Placeable",
    "Plan",
    "check_volume",
    "load_order",
    "order_items",
    "plan_volume",
    "seal_statuses",
    "volume_kind",
]


def check_volume(
    pdf: bytes,
    *,
    trust: Sequence[bytes] | None = None,
    verify: Callable[[bytes], Verification] | None = None,
    documents: DocumentSource | None = None,
) -> VolumeCheck:
    """The checks of any volume PDF, as a reviewer makes them (no database: ``casefile check``).

    Signatures are checked when a verifier is at hand: ``verify`` (the archive's, with its trust
    roots), else ``trust`` (root certificates, PEM or DER — possibly none, and then every seal is
    untrusted) with ``signing``'s own verifier. Without either, as for the review (which checks the
    volume's seal under its own item), the signatures are not looked at. ``documents`` gives the
    archive's copy of a listed document, to compare the volume's pages with."""
    from anjuan.templates.volume import check_volume as check  # pikepdf: on use

    seals: Callable[[bytes], Sequence[SealStatus]] | None = None
    if verify is not None:
        seals = lambda data: seal_statuses(verify(data))  # noqa: E731 - bound to this call's verifier
    elif trust is not None:
        seals = functools.partial(_verify_offline, roots=tuple(trust))
    return check(pdf, verify=seals, documents=documents)


def _verify_offline(pdf: bytes, *, roots: tuple[bytes, ...]) -> list[SealStatus]:
    from anjuan.signing.pki import load_certificates
    from anjuan.signing.verify import verify_pdf

    report = verify_pdf(pdf, trust_roots=[c for data in roots for c in load_certificates(data)])
    return seal_statuses(report)


def seal_statuses(report: Any) -> list[SealStatus]:
    """The signatures of a verification (``signing``'s report or the archive's :class:`Verification`,
    which name the same fields) as the volume check reads them. File-level problems (changes after the
    last signature) go with the last signature."""
    from anjuan.templates.volume.check import SealStatus

    out = []
    signatures = list(report.signatures)
    for index, sig in enumerate(signatures):
        problems = list(sig.problems)
        if index == len(signatures) - 1:
            problems += [p for p in report.problems if p not in problems]
        out.append(
            SealStatus(
                name=f"{getattr(sig, 'field_name', None) or getattr(sig, 'field', '')}（{sig.signer}）",
                ok=sig.intact and sig.valid and sig.trusted and not problems,
                # Timestamps and revocation data (DSS) may follow the last signature; nothing else.
                whole_file=sig.covers_whole_file or sig.modification_level in ("NONE", "LTA_UPDATES"),
                problems=tuple(problems),
            )
        )
    return out
