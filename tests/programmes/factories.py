"""factory_boy factories for programme plans, shared by every programmes test.

Defaults are small and valid: a milestone belongs to a workstream of the same programme, a
framework code to a framework, and dates are plain day-precise dates.
"""

from datetime import date

import factory

from programmes import models
from programmes.choices import DatePrecision, LeadKind, Rating, RatingScale
from tests.conftest import persona_memberships_grant


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Organisation
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Organisation {n}")


class GovernanceBodyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.GovernanceBody
        django_get_or_create = ("acronym",)

    acronym = factory.Sequence(lambda n: f"GB{n}")
    name = factory.LazyAttribute(lambda o: f"{o.acronym} board")


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Person

    name = factory.Sequence(lambda n: f"Person {n}")
    initials = factory.Sequence(lambda n: f"P{n}")
    kind = LeadKind.PERSON


class FrameworkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Framework
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"framework-{n}")
    name = factory.LazyAttribute(lambda o: f"Framework {o.slug}")


class FrameworkCodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.FrameworkCode
        django_get_or_create = ("framework", "code")

    framework = factory.SubFactory(FrameworkFactory)
    code = factory.Sequence(lambda n: f"C{n}")
    position = factory.Sequence(lambda n: n)


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Programme
        django_get_or_create = ("slug",)
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Programme {n}")
    slug = factory.Sequence(lambda n: f"programme-{n}")
    area = "Wiltshire"
    rating_scale = RatingScale.RAG

    @factory.post_generation
    def personas(obj, create, extracted, **kwargs):  # noqa: N805 - factory_boy's signature
        """The personas pm (manager) and board (viewer) take part, as in the demo."""
        if create:
            persona_memberships_grant()


class WorkstreamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Workstream

    programme = factory.SubFactory(ProgrammeFactory)
    number = factory.Sequence(lambda n: str(n + 1))
    name = factory.Sequence(lambda n: f"Workstream {n + 1}")
    position = factory.Sequence(lambda n: n)


class MilestoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Milestone
        skip_postgeneration_save = True

    workstream = factory.SubFactory(WorkstreamFactory)
    programme = factory.SelfAttribute("workstream.programme")
    ref = factory.Sequence(lambda n: f"1.{n + 1}")
    title = factory.Sequence(lambda n: f"Milestone {n + 1}")
    baseline_start = date(2018, 7, 1)
    baseline_start_precision = DatePrecision.DAY
    baseline_end = date(2019, 3, 31)
    baseline_end_precision = DatePrecision.DAY
    rating = Rating.NOT_RATED
    added_on = date(2018, 9, 6)
    position = factory.Sequence(lambda n: n)

    @factory.post_generation
    def leads(self, create, extracted, **kwargs):
        if create and extracted:
            self.leads.set(extracted)


class MilestoneReferenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.MilestoneReference

    milestone = factory.SubFactory(MilestoneFactory)
    code = factory.SubFactory(FrameworkCodeFactory)
    raw_token = factory.LazyAttribute(lambda o: o.code.code)
