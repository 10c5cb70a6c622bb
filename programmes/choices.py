"""Rating scales, date precision and other fixed vocabularies of programme plans.

Every rating carries a text label and a GOV.UK tag colour: the text is always shown and the
colour only reinforces it (status is never shown by colour alone).
"""

from django.db import models


class Rating(models.TextChoices):
    RED = "red", "Red"
    AMBER_RED = "amber_red", "Amber/Red"
    AMBER = "amber", "Amber"
    AMBER_GREEN = "amber_green", "Amber/Green"
    GREEN = "green", "Green"
    COMPLETE = "complete", "Complete"
    NOT_RATED = "not_rated", "Not rated"

    @property
    def tag_class(self) -> str:
        """The GOV.UK Frontend tag modifier that reinforces the label (never replaces it)."""
        return _RATING_TAG_CLASSES[self]


# The one place a status picks its colour: tags in tables, templates and reports all ask here.
_RATING_TAG_CLASSES = {
    Rating.RED: "govuk-tag--red",
    Rating.AMBER_RED: "govuk-tag--orange",
    Rating.AMBER: "govuk-tag--yellow",
    Rating.AMBER_GREEN: "govuk-tag--turquoise",
    Rating.GREEN: "govuk-tag--green",
    Rating.COMPLETE: "govuk-tag--blue",
    Rating.NOT_RATED: "govuk-tag--grey",
}


def tag_colour(rating: str) -> str:
    """The tag modifier of a stored rating; grey for a value no scale knows (kept as text)."""
    return Rating(rating).tag_class if rating in Rating.values else "govuk-tag--grey"


def rating_label(rating: str | None) -> str:
    """The label of a stored rating; an unknown value is shown as it was stored."""
    return Rating(rating).label if rating in Rating.values else str(rating or "")


# Higher is worse. "Worst rating" of a workstream and "worse than last period" use this order.
RATING_SEVERITY = {
    Rating.NOT_RATED: 0,
    Rating.COMPLETE: 1,
    Rating.GREEN: 2,
    Rating.AMBER_GREEN: 3,
    Rating.AMBER: 4,
    Rating.AMBER_RED: 5,
    Rating.RED: 6,
}

# A rating at or worse than Amber needs a cause and a path back to green.
RATINGS_NEEDING_RECOVERY = frozenset({Rating.RED, Rating.AMBER_RED, Rating.AMBER})


class RatingScale(models.TextChoices):
    RAG = "rag", "Red, Amber, Green (three-point)"
    DELIVERY_CONFIDENCE = "delivery_confidence", "Delivery confidence (five-point)"


SCALE_RATINGS = {
    RatingScale.RAG: (
        Rating.RED,
        Rating.AMBER,
        Rating.GREEN,
        Rating.COMPLETE,
        Rating.NOT_RATED,
    ),
    RatingScale.DELIVERY_CONFIDENCE: (
        Rating.RED,
        Rating.AMBER_RED,
        Rating.AMBER,
        Rating.AMBER_GREEN,
        Rating.GREEN,
        Rating.COMPLETE,
        Rating.NOT_RATED,
    ),
}

# How a sentence names a scale ("which the three-point RAG scale does not have").
SCALE_DESCRIPTIONS = {
    RatingScale.RAG: "three-point RAG scale",
    RatingScale.DELIVERY_CONFIDENCE: "five-point delivery confidence scale",
}


class DatePrecision(models.TextChoices):
    DAY = "day", "Day"
    MONTH = "month", "Month"
    UNDEFINED = "undefined", "To be defined"
    BLANK = "blank", "Not given"


class LeadKind(models.TextChoices):
    PERSON = "person", "Person"
    TEAM = "team", "Team or group"


class StatusSource(models.TextChoices):
    BROWSER = "browser", "Updated in the browser"
    IMPORT = "import", "Imported from a plan file"


class BaselineChange(models.TextChoices):
    """Why a milestone's baseline dates moved: the words the changes report leads with."""

    REBASELINE = "rebaseline", "Re-baselined"
    CORRECTION = "correction", "Corrected"
    IMPORT = "import", "Baseline changed by a plan import"
    UNRECORDED = "", "Baseline changed"


# Ratings that carry no cause or path to green: the milestone is on track or done.
RATINGS_WITHOUT_RECOVERY = frozenset({Rating.GREEN, Rating.COMPLETE})


class ImportState(models.TextChoices):
    PREVIEWED = "previewed", "Previewed, not applied"
    APPLIED = "applied", "Applied"
    DISCARDED = "discarded", "Discarded"

    @property
    def tag_class(self) -> str:
        """The GOV.UK tag modifier that reinforces the label (never replaces it)."""
        return {"applied": "govuk-tag--green", "discarded": "govuk-tag--grey"}.get(
            self.value, "govuk-tag--blue"
        )


class OrganisationKind(models.TextChoices):
    """The kinds of partner an integration programme brings together."""

    COUNCIL = "council", "Council"
    CCG_ICB = "ccg_icb", "CCG or ICB"
    PROVIDER = "provider", "Provider"
    VOLUNTARY = "voluntary", "Voluntary sector"
    OTHER = "other", "Other"


class MembershipRole(models.TextChoices):
    """A member's part in one programme. Managers edit the whole programme and its members;
    contributors record status and forecasts on the milestones of their workstreams and on
    the milestones they lead; viewers read."""

    MANAGER = "manager", "Manager"
    CONTRIBUTOR = "contributor", "Contributor"
    VIEWER = "viewer", "Viewer"


# Strongest first: a user who is both a viewer and (through a team) a manager is a manager.
MEMBERSHIP_STRENGTH = {
    MembershipRole.MANAGER: 0,
    MembershipRole.CONTRIBUTOR: 1,
    MembershipRole.VIEWER: 2,
}
