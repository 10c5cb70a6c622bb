"""Fixed vocabularies of the metric catalogue and observations."""

from django.db import models


class Unit(models.TextChoices):
    COUNT = "count", "Count"
    RATE = "rate", "Rate per population"
    PERCENTAGE = "percentage", "Percentage"
    DAYS = "days", "Days"
    GBP = "gbp", "Pounds (£)"


class Polarity(models.TextChoices):
    LOWER_IS_BETTER = "lower_is_better", "Lower is better"
    HIGHER_IS_BETTER = "higher_is_better", "Higher is better"


class Frequency(models.TextChoices):
    MONTHLY = "monthly", "Monthly"
    QUARTERLY = "quarterly", "Quarterly"
    ANNUAL = "annual", "Annual (financial year)"


class Aggregation(models.TextChoices):
    """How a financial year's value is made from its months."""

    SUM = "sum", "Sum of the months"
    MEAN = "mean", "Mean of the months"
    LAST = "last", "Last month's value"
    RATIO = "ratio", "Ratio of summed numerator and denominator"


class MissingMeaning(models.TextChoices):
    """What markers such as '-', 'NA' or '*' mean for a metric (never zero unless stated)."""

    MISSING = "missing", "Missing"
    SUPPRESSED = "suppressed", "Suppressed"
    ZERO = "zero", "Zero"


class BreakKind(models.TextChoices):
    DEFINITION_CHANGE = "definition_change", "Definition changed"
    PUBLICATION_STOPPED = "publication_stopped", "Publication stopped"
    PUBLICATION_STARTED = "publication_started", "Publication started"


class AreaKind(models.TextChoices):
    COUNTRY = "country", "Country"
    REGION = "region", "Region"
    UPPER_TIER = "upper_tier", "Upper-tier local authority (Health and Wellbeing Board area)"
    DISTRICT = "district", "District (lower-tier) authority"
    COMBINED = "combined", "Combined authority or other grouping"


class PeriodKind(models.TextChoices):
    MONTH = "month", "Month"
    QUARTER = "quarter", "Quarter"
    YEAR = "year", "Financial year"


class ObservationKind(models.TextChoices):
    ACTUAL = "actual", "Actual"
    PLAN = "plan", "Plan or trajectory"
    BASELINE = "baseline", "Baseline"
    TARGET = "target", "Target"


class ObservationStatus(models.TextChoices):
    REPORTED = "reported", "Reported"
    PROVISIONAL = "provisional", "Provisional"
    SUPPRESSED = "suppressed", "Suppressed"
    MISSING = "missing", "Missing"


class UploadState(models.TextChoices):
    VALIDATED = "validated", "Validated, waiting to be applied"
    APPLIED = "applied", "Applied"
    DISCARDED = "discarded", "Discarded"
    FAILED = "failed", "Failed"
