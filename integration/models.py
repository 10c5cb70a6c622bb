from django.contrib.auth.models import User
from django.db import models
from simple_history import register


class DemoDataLoad(models.Model):
    """A demo dataset loaded into this database, so every page can say that it holds demo data."""

    dataset = models.CharField(max_length=100, unique=True)
    description = models.CharField(max_length=300)
    loaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["dataset"]

    def __str__(self) -> str:
        return self.description


# Users' roles are their groups: who gave whom which role, and when, is kept like any change.
register(User, app="integration", m2m_fields=[User.groups.field])
