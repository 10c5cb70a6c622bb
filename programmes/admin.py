from django.contrib import admin

from programmes import models


class FrameworkCodeInline(admin.TabularInline):
    model = models.FrameworkCode
    extra = 0
    fields = ("code", "title", "description", "position")


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
    list_display = ("name", "short_name")
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
