from django.db import models


class DemoDataLoad(models.Model):
    """A demo dataset loaded into this database, so every page can say that it holds demo data."""

    dataset = models.CharField(max_length=100, unique=True)
    description = models.CharField(max_length=300)
    loaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["dataset"]

    def __str__(self) -> str:
        return self.description
