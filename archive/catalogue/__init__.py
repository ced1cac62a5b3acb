"""The document catalogue (文书目录) and the fixed legal clauses (法定条款), as validated data.

``catalogue.yaml`` lists every form with its fields, 代字, number rule, seal and approval steps;
``clauses.yaml`` the clause texts with their periods of validity. See :mod:`.model` for the schema
and :mod:`.loader` for loading and lookups.
"""

from .loader import (
    CLAUSE_CONTEXT_NAMES,
    CatalogueError,
    UnknownForm,
    clauses_in_force,
    form_keys,
    load_catalogue,
    load_clauses,
    normalise_key,
    resolve_form,
)
from .model import (
    ApprovalStep,
    CaseKind,
    Catalogue,
    Clause,
    ClauseSet,
    CounterSpec,
    FieldSpec,
    FieldType,
    FormSpec,
    NumberRule,
    Procedure,
    SealType,
)

__all__ = [
    "CLAUSE_CONTEXT_NAMES",
    "ApprovalStep",
    "CaseKind",
    "Catalogue",
    "CatalogueError",
    "Clause",
    "ClauseSet",
    "CounterSpec",
    "FieldSpec",
    "FieldType",
    "FormSpec",
    "NumberRule",
    "Procedure",
    "SealType",
    "UnknownForm",
    "clauses_in_force",
    "form_keys",
    "load_catalogue",
    "load_clauses",
    "normalise_key",
    "resolve_form",
]
