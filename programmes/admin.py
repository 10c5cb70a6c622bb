from django.contrib import admin

from programmes import models


class FrameworkCodeInline(admin.TabularInline):
    model = models.FrameworkCode
    extra = 0
    fields = ("code", "title", "description", "aliases", "position")


@admin.register(models.Framework)
class FrameworkAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "position")
    inlines = [FrameworkCodeInline]


@admin.register(models.FrameworkCode)
class FrameworkCodeAdmin(admin.ModelAdmin):
    list_display = ("code", "framework", "title")
    list_filter = ("framework",)
    search_fields = ("code", "title", "description")


@admin.register(models.GovernanceBody)
class GovernanceBodyAdmin(admin.ModelAdmin):
    list_display = ("acronym", "name", "reports_to")
    search_fields = ("acronym", "name")


@admin.register(models.Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "short_name", "kind")
    search_fields = ("name", "short_name")


@admin.register(models.Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ("initials", "name", "kind", "organisation", "user")
    list_filter = ("kind",)
    search_fields = ("initials", "name")


@admin.register(models.Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "area", "rating_scale", "reporting_date", "is_demo")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(models.PlanImport)
class PlanImportAdmin(admin.ModelAdmin):
    """Imports are history: readable here, changed only through the import pages."""

    list_display = ("original_name", "programme", "as_of", "state", "uploaded_by", "uploaded_at")
    list_filter = ("state", "programme")
    search_fields = ("original_name", "sha256")
    readonly_fields = [f.name for f in models.PlanImport._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(models.UnresolvedReference)
class UnresolvedReferenceAdmin(admin.ModelAdmin):
    list_display = ("raw_token", "milestone", "framework", "resolved_code", "resolved_by")
    list_filter = ("framework",)
    search_fields = ("raw_token", "milestone__ref", "milestone__title")
    raw_id_fields = ("milestone",)
    readonly_fields = ("resolved_by", "resolved_at")


@admin.register(models.Team)
class TeamAdmin(admin.ModelAdmin):
    """A partner organisation's team; programmes' Members pages can add the whole team."""

    list_display = ("name", "organisation")
    filter_horizontal = ("members",)
