from django.contrib import admin

from metrics import models


class SeriesBreakInline(admin.TabularInline):
    model = models.SeriesBreak
    extra = 0


@admin.register(models.MetricFramework)
class MetricFrameworkAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "starts", "ends", "is_current")


@admin.register(models.Metric)
class MetricAdmin(admin.ModelAdmin):
    list_display = ("code", "short_name", "framework", "unit", "polarity", "frequency")
    list_filter = ("framework", "unit", "polarity")
    search_fields = ("code", "name", "short_name")
    inlines = [SeriesBreakInline]


class AreaAliasInline(admin.TabularInline):
    model = models.AreaAlias
    extra = 0
    fields = ("alias", "normalised", "is_code")


@admin.register(models.Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "is_hwb", "valid_to")
    list_filter = ("kind", "is_hwb")
    search_fields = ("code", "name")
    filter_horizontal = ("successors",)
    inlines = [AreaAliasInline]


@admin.register(models.MappingProfile)
class MappingProfileAdmin(admin.ModelAdmin):
    list_display = ("name", "source", "updated_at")


@admin.register(models.AnalystArea)
class AnalystAreaAdmin(admin.ModelAdmin):
    """Administrators assign each analyst the areas they publish metric data for."""

    list_display = ("user", "area")
    list_filter = ("user",)
    autocomplete_fields = ("area",)
