"""Programme plans: governance bodies, people, programmes, workstreams, milestones, status."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

from programmes.choices import (
    BaselineChange,
    DatePrecision,
    ImportState,
    LeadKind,
    MembershipRole,
    OrganisationKind,
    Rating,
    RatingScale,
    StatusSource,
)
from programmes.querysets import (
    MembershipQuerySet,
    MilestoneQuerySet,
    ProgrammeQuerySet,
    StatusUpdateQuerySet,
)


class Organisation(models.Model):
    """A council, NHS trust, CCG/ICB or other partner in an integration programme."""

    name = models.CharField(max_length=200, unique=True)
    short_name = models.CharField(max_length=50, blank=True)
    aliases = models.JSONField(default=list, blank=True, help_text="Other names seen in files.")
    kind = models.CharField(
        max_length=12, choices=OrganisationKind.choices, default=OrganisationKind.OTHER
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.short_name or self.name


class Team(models.Model):
    """A partner organisation's team: a membership given to it counts for every member."""

    name = models.CharField(max_length=200, unique=True)
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="teams"
    )
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="teams")

    history = HistoricalRecords(m2m_fields=["members"])

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class GovernanceBody(models.Model):
    """A board, committee or group that milestones report to (HWB, JCB, WIB, WDG…)."""

    acronym = models.CharField(max_length=30, unique=True)
    name = models.CharField(max_length=200, blank=True)
    reports_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reporting_bodies"
    )
    former_names = models.JSONField(default=list, blank=True)
    aliases = models.JSONField(default=list, blank=True, help_text="Other spellings in files.")

    history = HistoricalRecords()

    class Meta:
        ordering = ["acronym"]
        verbose_name_plural = "governance bodies"

    def __str__(self) -> str:
        return f"{self.acronym} ({self.name})" if self.name else self.acronym


class Person(models.Model):
    """A lead or SRO: a named person, initials only, or a team given as free text ("All")."""

    name = models.CharField(max_length=200, blank=True)
    initials = models.CharField(max_length=20, blank=True, db_index=True)
    kind = models.CharField(max_length=10, choices=LeadKind.choices, default=LeadKind.PERSON)
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="people"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["initials", "name"]
        verbose_name_plural = "people"

    def __str__(self) -> str:
        if self.name and self.initials:
            return f"{self.name} ({self.initials})"
        return self.name or self.initials


class Framework(models.Model):
    """A set of codes milestones cross-refer to: CQC areas of improvement, HICM changes…"""

    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class FrameworkCode(models.Model):
    """One code of a framework (AOI7, HICM change 4). Descriptions are never invented."""

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="codes")
    code = models.CharField(max_length=30)
    title = models.CharField(max_length=300, blank=True)
    description = models.TextField(blank=True)
    aliases = models.JSONField(
        default=list, blank=True, help_text="Other labels documents use for this code."
    )
    position = models.PositiveSmallIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["framework", "position", "code"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "code"], name="unique_code_per_framework")
        ]

    def __str__(self) -> str:
        return self.code


class Programme(models.Model):
    """An integration programme: a BCF plan, ASC transformation or CQC action plan."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    area = models.CharField(max_length=200, blank=True, help_text="Place, e.g. Wiltshire.")
    description = models.TextField(blank=True)
    owning_body = models.ForeignKey(
        GovernanceBody, null=True, blank=True, on_delete=models.SET_NULL, related_name="programmes"
    )
    rating_scale = models.CharField(
        max_length=30, choices=RatingScale.choices, default=RatingScale.RAG
    )
    reporting_date = models.DateField(
        null=True,
        blank=True,
        help_text="The date reports are 'as at' by default. Empty means today.",
    )
    exception_threshold = models.CharField(
        max_length=20,
        choices=Rating.choices,
        default=Rating.AMBER,
        help_text="Ratings this bad or worse appear in the exception report.",
    )
    slippage_tolerance_days = models.PositiveIntegerField(
        default=0, help_text="A forecast this many days past the baseline end is not yet slippage."
    )
    is_demo = models.BooleanField(default=False, help_text="Loaded as demonstration data.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProgrammeQuerySet.as_manager()

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Workstream(models.Model):
    """A theme of a programme with its senior responsible owners (SROs)."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="workstreams")
    number = models.CharField(max_length=10)
    name = models.CharField(max_length=300)
    objective = models.TextField(blank=True)
    sros = models.ManyToManyField(Person, blank=True, related_name="sro_of")
    sro_text = models.CharField(max_length=300, blank=True, help_text="SROs as written.")
    position = models.PositiveSmallIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["programme", "position", "number"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "number"], name="unique_workstream_number")
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.name}"


class Membership(models.Model):
    """A user's or a team's role in one programme (`MembershipRole`); contributors are
    assigned workstreams. Who may do what with it is decided in `programmes.permissions`."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="programme_memberships",
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=12, choices=MembershipRole.choices)
    workstreams = models.ManyToManyField(Workstream, blank=True, related_name="contributors")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    history = HistoricalRecords(m2m_fields=["workstreams"])

    class Meta:
        ordering = ["programme", "role", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(user__isnull=False, team__isnull=True)
                | models.Q(user__isnull=True, team__isnull=False),
                name="membership_user_or_team",
            ),
            models.UniqueConstraint(
                fields=["programme", "user"],
                condition=models.Q(user__isnull=False),
                name="unique_user_membership",
            ),
            models.UniqueConstraint(
                fields=["programme", "team"],
                condition=models.Q(team__isnull=False),
                name="unique_team_membership",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user or self.team}: {self.get_role_display()} of {self.programme}"


class AccessRefusal(models.Model):
    """A request refused for want of a right, kept so the change log shows who tried what."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    path = models.CharField(max_length=500)
    method = models.CharField(max_length=10)
    permission = models.CharField(max_length=100)
    object_label = models.CharField(max_length=300, blank=True)
    refused_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-refused_at", "-id"]

    def __str__(self) -> str:
        return f"Refused {self.method} {self.path} ({self.permission})"


class Milestone(models.Model):
    """A tracker row: an action with leads, dates, a governance body and cross-references.

    `rating`, `forecast_end` and `status_as_of` are the latest StatusUpdate's values,
    denormalised by `services.status_record` in the same transaction for fast lists.
    """

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="milestones")
    workstream = models.ForeignKey(Workstream, on_delete=models.CASCADE, related_name="milestones")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="sub_steps"
    )
    ref = models.CharField(max_length=30, blank=True, help_text="Need not be unique.")
    title = models.TextField()
    sub_group = models.CharField(max_length=300, blank=True)
    section = models.CharField(max_length=100, blank=True)
    leads = models.ManyToManyField(Person, blank=True, related_name="milestones_led")
    lead_text = models.CharField(max_length=300, blank=True, help_text="Leads as written.")
    baseline_start = models.DateField(null=True, blank=True)
    baseline_start_precision = models.CharField(
        max_length=10, choices=DatePrecision.choices, default=DatePrecision.BLANK
    )
    baseline_start_raw = models.CharField(max_length=100, blank=True)
    baseline_end = models.DateField(null=True, blank=True)
    baseline_end_precision = models.CharField(
        max_length=10, choices=DatePrecision.choices, default=DatePrecision.BLANK
    )
    baseline_end_raw = models.CharField(max_length=100, blank=True)
    forecast_end = models.DateField(null=True, blank=True)
    completed_on = models.DateField(null=True, blank=True)
    governance_body = models.ForeignKey(
        GovernanceBody, null=True, blank=True, on_delete=models.SET_NULL, related_name="milestones"
    )
    governance_raw = models.CharField(max_length=100, blank=True)
    references = models.ManyToManyField(
        FrameworkCode, through="MilestoneReference", blank=True, related_name="milestones"
    )
    references_raw = models.CharField(max_length=300, blank=True)
    rating = models.CharField(max_length=20, choices=Rating.choices, default=Rating.NOT_RATED)
    status_as_of = models.DateField(null=True, blank=True)
    added_on = models.DateField(help_text="The date the milestone entered the plan.")
    removed_on = models.DateField(null=True, blank=True, help_text="Taken out of the plan.")
    position = models.PositiveIntegerField(default=0)
    import_key = models.CharField(max_length=200, blank=True, db_index=True)
    version = models.PositiveIntegerField(default=1, help_text="For stale-edit detection.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MilestoneQuerySet.as_manager()

    history = HistoricalRecords(m2m_fields=["leads"])

    class Meta:
        ordering = ["workstream__position", "position", "id"]
        indexes = [
            # Milestone list and exception report: filter by programme and rating or end date.
            models.Index(fields=["programme", "rating"], name="milestone_prog_rating"),
            models.Index(fields=["programme", "baseline_end"], name="milestone_prog_end"),
        ]

    def __str__(self) -> str:
        return f"{self.ref} {self.title[:60]}".strip()


class MilestoneReference(models.Model):
    """A milestone's cross-reference to a framework code, with the text it was read from."""

    milestone = models.ForeignKey(Milestone, on_delete=models.CASCADE)
    code = models.ForeignKey(FrameworkCode, on_delete=models.CASCADE)
    raw_token = models.CharField(max_length=50, blank=True)
    auto_corrected = models.BooleanField(default=False)

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["milestone", "code"], name="unique_milestone_code")
        ]

    def __str__(self) -> str:
        return self.raw_token or str(self.code)


class UnresolvedReference(models.Model):
    """A cross-reference that could not be read safely ("AO13": AOI13 or AOI3?), for review."""

    milestone = models.ForeignKey(
        Milestone, on_delete=models.CASCADE, related_name="unresolved_references"
    )
    framework = models.ForeignKey(Framework, on_delete=models.CASCADE)
    raw_token = models.CharField(max_length=50)
    candidates = models.ManyToManyField(FrameworkCode, blank=True, related_name="+")
    message = models.CharField(max_length=300, blank=True)
    resolved_code = models.ForeignKey(
        FrameworkCode, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["milestone", "framework", "raw_token"], name="unique_unresolved_token"
            )
        ]

    def __str__(self) -> str:
        return self.raw_token


class StatusUpdate(models.Model):
    """One immutable status report on a milestone; the newest by `as_of` is the current one."""

    milestone = models.ForeignKey(
        Milestone, on_delete=models.CASCADE, related_name="status_updates"
    )
    rating = models.CharField(max_length=20, choices=Rating.choices)
    rating_raw = models.CharField(max_length=100, blank=True, help_text="Status text as imported.")
    narrative = models.TextField(blank=True, help_text="Progress since the last update.")
    cause = models.TextField(blank=True)
    path_to_green = models.TextField(blank=True, help_text="Recovery actions.")
    forecast_end = models.DateField(null=True, blank=True)
    forecast_reason = models.TextField(blank=True, help_text="Why the forecast is late.")
    as_of = models.DateField(help_text="The date this status was true.")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    author_name = models.CharField(max_length=200, blank=True)
    source = models.CharField(
        max_length=10, choices=StatusSource.choices, default=StatusSource.BROWSER
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    # Struck out as entered in error: kept and shown struck through, ignored by reports.
    struck_at = models.DateTimeField(null=True, blank=True)
    struck_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    struck_reason = models.TextField(blank=True)

    objects = StatusUpdateQuerySet.as_manager()

    history = HistoricalRecords()

    # The only fields a saved update may still change: striking it out.
    STRIKE_FIELDS = frozenset({"struck_at", "struck_by", "struck_reason"})

    class Meta:
        ordering = ["-as_of", "-recorded_at", "-id"]
        indexes = [
            # Milestone history and "as at" reconstruction: latest row per milestone by date.
            models.Index(fields=["milestone", "as_of", "recorded_at"], name="status_history"),
        ]

    def __str__(self) -> str:
        return f"{self.get_rating_display()} as at {self.as_of:%d %b %Y}"

    def save(self, *args, **kwargs) -> None:
        striking = set(kwargs.get("update_fields") or ()) <= self.STRIKE_FIELDS
        if self.pk is not None and not (kwargs.get("update_fields") and striking):
            raise ValidationError("A status update is history and cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("A status update is history and cannot be deleted.")

    @property
    def is_struck(self) -> bool:
        return self.struck_at is not None


class PlanImport(models.Model):
    """An uploaded plan file: the kept original, what its preview found, and whether it applied.

    The report is the JSON the preview page and `import_plan --report json` show. Applying
    re-reads the kept file, so what is applied is exactly what was uploaded.
    """

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="imports")
    file = models.FileField(upload_to="plan-imports/%Y/%m/")
    original_name = models.CharField(max_length=255)
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64, db_index=True)
    as_of = models.DateField(help_text="The date the file's statuses and dates were true.")
    state = models.CharField(
        max_length=10, choices=ImportState.choices, default=ImportState.PREVIEWED
    )
    report = models.JSONField(default=dict, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="plan_imports",
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    # The report can be large; it is kept on the row itself and never changes meaning.
    history = HistoricalRecords(excluded_fields=["report"])

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        indexes = [
            # "Latest applied import of this programme" (older-file detection).
            models.Index(fields=["programme", "state", "as_of"], name="plan_import_latest"),
        ]

    def __str__(self) -> str:
        return f"{self.original_name} as at {self.as_of:%d %b %Y} ({self.get_state_display()})"

    @property
    def has_errors(self) -> bool:
        return bool(self.report.get("errors"))


class MetricLink(models.Model):
    """A workstream (or one of its milestones) linked to a BCF metric in an area it aims to move."""

    workstream = models.ForeignKey(
        Workstream, on_delete=models.CASCADE, related_name="metric_links"
    )
    milestone = models.ForeignKey(
        Milestone, null=True, blank=True, on_delete=models.CASCADE, related_name="metric_links"
    )
    metric = models.ForeignKey("metrics.Metric", on_delete=models.CASCADE, related_name="+")
    area = models.ForeignKey("metrics.Area", on_delete=models.CASCADE, related_name="+")
    note = models.CharField(max_length=300, blank=True, help_text="How the work moves the metric.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["workstream", "metric__position"]
        constraints = [
            # NULL milestones are distinct in a plain unique constraint, so split the rule.
            models.UniqueConstraint(
                fields=["workstream", "metric", "area"],
                condition=models.Q(milestone__isnull=True),
                name="unique_workstream_metric_link",
            ),
            models.UniqueConstraint(
                fields=["milestone", "metric", "area"],
                condition=models.Q(milestone__isnull=False),
                name="unique_milestone_metric_link",
            ),
        ]
        indexes = [
            # The metric page lists the workstreams linked to a metric in an area.
            models.Index(fields=["metric", "area"], name="metric_link_metric_area"),
        ]

    def __str__(self) -> str:
        target = self.milestone or self.workstream
        return f"{target} → {self.metric.short_name} ({self.area.name})"


class BaselineRevision(models.Model):
    """A milestone's baseline dates as they stood until a change took effect on `changed_on`.

    The milestone holds the current baseline; reports "as at" an earlier date read these rows,
    so a board sees the dates it saw then.
    """

    milestone = models.ForeignKey(
        Milestone, on_delete=models.CASCADE, related_name="baseline_revisions"
    )
    baseline_start = models.DateField(null=True, blank=True)
    baseline_start_precision = models.CharField(max_length=10, choices=DatePrecision.choices)
    baseline_end = models.DateField(null=True, blank=True)
    baseline_end_precision = models.CharField(max_length=10, choices=DatePrecision.choices)
    changed_on = models.DateField(help_text="The date the new baseline took effect.")
    recorded_at = models.DateTimeField(auto_now_add=True)
    # The baseline that took effect on `changed_on`, and why it moved, by whom.
    new_baseline_start = models.DateField(null=True, blank=True)
    new_baseline_end = models.DateField(null=True, blank=True)
    kind = models.CharField(
        max_length=12, choices=BaselineChange.choices, blank=True, default=BaselineChange.UNRECORDED
    )
    reason = models.TextField(blank=True)
    approved_by = models.ForeignKey(
        GovernanceBody, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["milestone", "changed_on", "id"]

    def __str__(self) -> str:
        return f"{self.milestone} baseline until {self.changed_on}"
