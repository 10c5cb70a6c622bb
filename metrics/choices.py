"""Fixed vocabularies of the metric catalogue and observations, and the one home of the words
and tag colours they show as (unit text, aggregation words, status labels and colours)."""

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
    REVERTED = "reverted", "Reverted"

    @property
    def short_label(self) -> str:
        """The state as the uploads list's tag says it."""
        return "Waiting to be applied" if self is UploadState.VALIDATED else self.label

    @property
    def tag_class(self) -> str:
        """The GOV.UK tag modifier that reinforces the label (never replaces it)."""
        return f"govuk-tag--{UPLOAD_STATE_COLOURS[self]}"


UPLOAD_STATE_COLOURS: dict[str, str] = {
    UploadState.VALIDATED: "blue",
    UploadState.APPLIED: "green",
    UploadState.DISCARDED: "grey",
    UploadState.FAILED: "red",
    UploadState.REVERTED: "purple",
}


class OnTrack(models.TextChoices):
    """A metric's status for a financial year, in the national BCF reporting vocabulary."""

    ON_TRACK = "on_track", "On track"
    NOT_ON_TRACK = "not_on_track", "Not on track"
    DATA_NOT_AVAILABLE = "data_not_available", "Data not available"
    ACHIEVED = "achieved", "Achieved"
    NOT_ACHIEVED = "not_achieved", "Not achieved"


# The one place a status's tag colour is chosen (GOV.UK tag modifiers: govuk-tag--<colour>).
ON_TRACK_COLOURS: dict[str, str] = {
    OnTrack.ON_TRACK: "green",
    OnTrack.NOT_ON_TRACK: "red",
    OnTrack.DATA_NOT_AVAILABLE: "grey",
    OnTrack.ACHIEVED: "green",
    OnTrack.NOT_ACHIEVED: "red",
}

# --- how the vocabularies read in sentences, axis titles and hover text -------------------

UNIT_TEXT: dict[str, str] = {
    Unit.COUNT: "count",
    Unit.PERCENTAGE: "%",
    Unit.DAYS: "days",
    Unit.GBP: "£",
}


def unit_text(unit: str, rate_per: int | None = None) -> str:
    """The unit as axis titles and hover text show it: 'per 100,000', '%', 'count'."""
    if unit == Unit.RATE:
        return f"per {rate_per:,}" if rate_per else "rate"
    return UNIT_TEXT.get(unit, unit)


PERIOD_KIND_OF_FREQUENCY: dict[str, str] = {
    Frequency.MONTHLY: PeriodKind.MONTH,
    Frequency.QUARTERLY: PeriodKind.QUARTER,
    Frequency.ANNUAL: PeriodKind.YEAR,
}


def period_kind_of(frequency: str) -> str:
    """The period kind a metric of this frequency is observed in (monthly when unknown)."""
    return PERIOD_KIND_OF_FREQUENCY.get(frequency, PeriodKind.MONTH)


# A year's value in a status reason: "2017/18 total 21,749 against ...".
AGGREGATION_WORD: dict[str, str] = {
    Aggregation.SUM: "total",
    Aggregation.MEAN: "average",
    Aggregation.LAST: "latest month",
    Aggregation.RATIO: "rate",
}

# What a year's value is, as the comparison page explains it.
AGGREGATION_BASIS: dict[str, str] = {
    Aggregation.SUM: "total of the periods with actuals",
    Aggregation.MEAN: "average of the periods with actuals",
    Aggregation.LAST: "latest period with an actual",
    Aggregation.RATIO: "summed numerators over summed denominators (mean of values when "
    "an area sent only percentages)",
}


def polarity_words(polarity: str) -> str:
    """'lower is better' / 'higher is better', as a status reason ends."""
    return Polarity(polarity).label.lower()
