"""The activity upload's pure pipeline: read → detect header → map columns → reshape → clean →
validate → records and findings. No Django here: the metrics services call these functions and
pass in the metric rules and an area resolver built from the database.
"""

from metrics.ingest.mapping import column_examples, row_labels
from metrics.ingest.pipeline import empty_records, parse
from metrics.ingest.profiles import (
    BUILTIN_ALIASES,
    DEFAULT_TOTALS,
    FORMAT_VERSION,
    LAYOUTS,
    ROLES,
    ColumnMap,
    ColumnMapping,
    Profile,
    ProfileError,
    guess_profile,
    map_columns,
    normalise_header,
    profile_from_json,
    profile_to_json,
)
from metrics.ingest.reading import read_table
from metrics.ingest.types import (
    AREA_KINDS,
    KINDS,
    RECORD_COLUMNS,
    STATUSES,
    UNITS,
    AreaMatch,
    AreaResolver,
    Finding,
    IngestError,
    IngestResult,
    MetricRule,
    RawTable,
)
from metrics.ingest.values import MARKERS

__all__ = [
    "AREA_KINDS",
    "BUILTIN_ALIASES",
    "DEFAULT_TOTALS",
    "FORMAT_VERSION",
    "KINDS",
    "LAYOUTS",
    "MARKERS",
    "RECORD_COLUMNS",
    "ROLES",
    "STATUSES",
    "UNITS",
    "AreaMatch",
    "AreaResolver",
    "ColumnMap",
    "ColumnMapping",
    "Finding",
    "IngestError",
    "IngestResult",
    "MetricRule",
    "Profile",
    "ProfileError",
    "RawTable",
    "column_examples",
    "empty_records",
    "guess_profile",
    "map_columns",
    "normalise_header",
    "parse",
    "profile_from_json",
    "profile_to_json",
    "read_table",
    "row_labels",
]
