"""BCF metrics: areas, metric catalogue, observations and uploads."""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from metrics.choices import (
    Aggregation,
    AreaKind,
    BreakKind,
    Frequency,
    MissingMeaning,
    ObservationKind,
    ObservationStatus,
    PeriodKind,
    Polarity,
    Unit,
    UploadState,
)


class Area(models.Model):
    """A place with an ONS code: England, a region, a Health and Wellbeing Board area…"""

    code = models.CharField(max_length=12, unique=True, help_text="ONS code, e.g. E08000009.")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=AreaKind.choices)
    is_hwb = models.BooleanField(
        default=False, help_text="A Health and Wellbeing Board area (BCF plans are made for these)."
    )
    is_comparator = models.BooleanField(
        default=False, help_text="England or a region: shown as a reference, not planned for."
    )
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True, help_text="Abolished after this date.")
    successors = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="predecessors"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class AreaAlias(models.Model):
    """Another code or name for an area: legacy codes, "Stockton On Tees", "Kingston Upon Hull"."""

    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="aliases")
    alias = models.CharField(max_length=200)
    normalised = models.CharField(max_length=200, unique=True, help_text="Folded for matching.")
    is_code = models.BooleanField(default=False)
    learned_from = models.ForeignKey(
        "Upload", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["alias"]
        verbose_name_plural = "area aliases"

    def __str__(self) -> str:
        return self.alias


class MetricFramework(models.Model):
    """A policy framework that sets a list of metrics: BCF 2017–19, BCF 2023–25."""

    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=200)
    starts = models.DateField()
    ends = models.DateField(null=True, blank=True)
    is_current = models.BooleanField(default=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-starts"]

    def __str__(self) -> str:
        return self.name


class Metric(models.Model):
    """A metric definition from the catalogue; charts and status read everything from here."""

    framework = models.ForeignKey(MetricFramework, on_delete=models.PROTECT, related_name="metrics")
    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=300)
    short_name = models.CharField(max_length=80)
    definition = models.TextField()
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="breakdowns",
        help_text="For a sub-measure, e.g. delays attributable to social care.",
    )
    unit = models.CharField(max_length=20, choices=Unit.choices)
    rate_per = models.PositiveIntegerField(
        null=True, blank=True, help_text="For rates: per how many people, e.g. 100000."
    )
    population = models.CharField(max_length=100, blank=True, help_text="e.g. aged 65 and over")
    polarity = models.CharField(max_length=20, choices=Polarity.choices)
    frequency = models.CharField(max_length=20, choices=Frequency.choices)
    aggregation = models.CharField(max_length=10, choices=Aggregation.choices)
    source_collection = models.CharField(max_length=300)
    missing_markers_mean = models.CharField(
        max_length=12, choices=MissingMeaning.choices, default=MissingMeaning.MISSING
    )
    allow_negative = models.BooleanField(default=False)
    tolerance_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=0,
        help_text="How far from plan still counts as on track, in percent.",
    )
    aliases = models.JSONField(default=list, blank=True, help_text="Names used in files.")
    position = models.PositiveSmallIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["framework", "position", "code"]

    def __str__(self) -> str:
        return self.name


class SeriesBreak(models.Model):
    """A known break in a metric's series, drawn and labelled on its charts."""

    metric = models.ForeignKey(Metric, on_delete=models.CASCADE, related_name="series_breaks")
    date = models.DateField(help_text="The first month on the new basis (or after the stop).")
    kind = models.CharField(max_length=30, choices=BreakKind.choices)
    label = models.CharField(max_length=200)

    history = HistoricalRecords()

    class Meta:
        ordering = ["metric", "date"]

    def __str__(self) -> str:
        return self.label


class MappingProfile(models.Model):
    """A saved column mapping for one source's files, so next month's file maps itself."""

    name = models.CharField(max_length=100, unique=True)
    source = models.CharField(max_length=300, blank=True)
    definition = models.JSONField(help_text="The profile as exported to JSON (version 1).")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Upload(models.Model):
    """An activity file an analyst uploaded: kept as sent, validated, then applied or discarded."""

    file = models.FileField(upload_to="uploads/%Y/%m/")
    original_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64, db_index=True)
    size = models.PositiveBigIntegerField(default=0)
    profile = models.ForeignKey(
        MappingProfile, null=True, blank=True, on_delete=models.SET_NULL, related_name="uploads"
    )
    profile_snapshot = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=12, choices=UploadState.choices)
    report = models.JSONField(default=dict, blank=True)
    rows = models.PositiveIntegerField(default=0)
    new_count = models.PositiveIntegerField(default=0)
    changed_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="uploads",
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    applied_at = models.DateTimeField(null=True, blank=True)
    is_demo = models.BooleanField(default=False)
    clear_empty_notes = models.BooleanField(
        default=False, help_text="An empty note in the file clears the stored note."
    )
    previewed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the preview was last compared with stored values."
    )
    series = models.JSONField(
        default=dict, blank=True, help_text="The metric and area ids the file covers."
    )
    reverted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reverted_at = models.DateTimeField(null=True, blank=True)
    revert_reason = models.CharField(max_length=500, blank=True)

    # The report can be large; it is kept on the row itself and never changes meaning.
    history = HistoricalRecords(excluded_fields=["report"])

    class Meta:
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_state_display()})"


class Observation(models.Model):
    """One value of a metric for an area and period: an actual, plan, baseline or target.

    The current value only; earlier values live in ObservationRevision.
    """

    # No index of its own: the unique constraint's index starts with the metric.
    metric = models.ForeignKey(
        Metric, on_delete=models.CASCADE, related_name="observations", db_index=False
    )
    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="observations")
    kind = models.CharField(max_length=10, choices=ObservationKind.choices)
    period_kind = models.CharField(max_length=10, choices=PeriodKind.choices)
    period_start = models.DateField()
    value = models.FloatField(null=True, blank=True)
    numerator = models.FloatField(null=True, blank=True)
    denominator = models.FloatField(null=True, blank=True)
    status = models.CharField(
        max_length=12, choices=ObservationStatus.choices, default=ObservationStatus.REPORTED
    )
    note = models.CharField(max_length=500, blank=True)
    # Indexed by `observation_upload` below (one index, not two: each costs every insert).
    upload = models.ForeignKey(
        Upload, on_delete=models.PROTECT, related_name="observations", db_index=False
    )
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["metric", "area", "kind", "period_kind", "period_start"],
                name="unique_observation",
            )
        ]
        # The unique constraint's index also serves metric pages (metric, area, kind, period).
        indexes = [models.Index(fields=["upload"], name="observation_upload")]

    def __str__(self) -> str:
        return f"{self.metric.code} {self.area.code} {self.kind} {self.period_start}"


class ObservationRevision(models.Model):
    """An earlier value of an observation, kept when a later upload revised it (or when the
    upload that wrote it was reverted)."""

    observation = models.ForeignKey(Observation, on_delete=models.CASCADE, related_name="revisions")
    value = models.FloatField(null=True, blank=True)
    numerator = models.FloatField(null=True, blank=True)
    denominator = models.FloatField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=ObservationStatus.choices)
    note = models.CharField(max_length=500, blank=True)
    upload = models.ForeignKey(Upload, on_delete=models.PROTECT, related_name="+")
    replaced_by = models.ForeignKey(Upload, on_delete=models.PROTECT, related_name="revisions")
    replaced_at = models.DateTimeField()
    by_revert = models.BooleanField(
        default=False, help_text="Replaced when `replaced_by` was reverted, not applied."
    )

    class Meta:
        ordering = ["observation", "-replaced_at"]

    def __str__(self) -> str:
        return f"{self.observation} was {self.value}"


class AnalystArea(models.Model):
    """An area an analyst may publish metric data for; administrators publish for every area."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="analyst_areas"
    )
    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="analysts")

    history = HistoricalRecords()

    class Meta:
        ordering = ["user", "area"]
        constraints = [models.UniqueConstraint(fields=["user", "area"], name="unique_analyst_area")]

    def __str__(self) -> str:
        return f"{self.user} publishes for {self.area}"
