from django.contrib.auth.models import User
from django.db import models
from simple_history import register
from simple_history.models import HistoricalRecords


class DemoDataLoad(models.Model):
    """A demo dataset loaded into this database, so every page can say that it holds demo data."""

    dataset = models.CharField(max_length=100, unique=True)
    description = models.CharField(max_length=300)
    loaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["dataset"]

    def __str__(self) -> str:
        return self.description


class UserOrganisation(models.Model):
    """The partner organisation a user works for, from their organisation account's e-mail domain.

    Held by name (as in `programmes.Organisation.name`) because `integration` sits below
    `programmes` and may not point at its tables.
    """

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="user_organisation")
    organisation_name = models.CharField(max_length=200)

    history = HistoricalRecords()

    class Meta:
        ordering = ["organisation_name", "user__username"]

    def __str__(self) -> str:
        return f"{self.user.get_username()}: {self.organisation_name}"


# Users' roles are their groups: who gave whom which role, and when, is kept like any change.
register(User, app="integration", m2m_fields=[User.groups.field])
