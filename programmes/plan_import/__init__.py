"""Plan import: read a CSV or Excel plan, preview what it would change, then apply it.

The steps, each in its own module, in the shape of every importer (`metrics/ingest/` is the
other): `reading` (the file into plan rows, through `integration.tabular`), `parsing` (pure cell
parsing: dates, statuses, leads, references, column names), `rows` (a row fully parsed and
checked into plain values), `matching` (workstream numbers, stable keys, stored milestones),
`writing` (the writes) and `services` (preview, apply, discard). Findings are
`integration.findings.Finding`, as for every importer.
"""

from programmes.plan_import.matching import framework_label, import_key, title_key
from programmes.plan_import.reading import (
    ALLOWED_EXTENSIONS,
    MAX_FILE_BYTES,
    PlanFileError,
    PlanTable,
    plan_file_check,
    plan_file_read,
)
from programmes.plan_import.services import (
    PlanImportError,
    PlanImportStale,
    plan_import_apply,
    plan_import_discard,
    plan_import_preview,
    plan_import_programme_create,
)
from programmes.plan_import.writing import person_for_name

__all__ = [
    "ALLOWED_EXTENSIONS",
    "MAX_FILE_BYTES",
    "PlanFileError",
    "PlanImportError",
    "PlanImportStale",
    "PlanTable",
    "framework_label",
    "import_key",
    "person_for_name",
    "plan_file_check",
    "plan_file_read",
    "plan_import_apply",
    "plan_import_discard",
    "plan_import_preview",
    "plan_import_programme_create",
    "title_key",
]
