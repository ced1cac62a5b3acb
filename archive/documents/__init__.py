"""执法文书: a document's life from draft to issued (or voided), its approvals and later changes.

- :mod:`.lifecycle` — keyword-only functions over a session: drafts, the three steps of issuing
  (number, publish, record), voiding, the procedure gates checked before a number is taken;
- :mod:`.context` — what a template is given (:class:`~anjuan.templates.context.DocumentContext`);
- :mod:`.approvals` — 审核/审批 steps (``procedure/approvals.yaml``) and their decisions;
- :mod:`.changes` — 更改/作废/删除 of issued records (seed 003 第七条, ``procedure/changes.yaml``);
- :mod:`.service`, :mod:`.approval_service`, :mod:`.change_service` — what users act through
  (``archive.documents``, ``archive.approvals``, ``archive.changes``): rights and scope checked,
  one transaction per step, every change logged.

Nothing is imported here, so that a rule loader may read ``approvals`` without pulling the services.
"""
