from django.contrib import admin

from integration.forms import AdminSignInForm
from integration.models import UserOrganisation
from integration.roles import is_administrator


class AdministratorsAdminSite(admin.AdminSite):
    """The Django admin is open to the Administrator role only (not to every staff user)."""

    site_header = "Integration tracker administration"
    site_title = "Integration tracker admin"
    # Administrators (the role) sign in here too; Django's own form wants is_staff.
    login_form = AdminSignInForm

    def has_permission(self, request) -> bool:
        return is_administrator(request.user)


@admin.register(UserOrganisation)
class UserOrganisationAdmin(admin.ModelAdmin):
    """Which partner each user works for: set at organisation sign-in, correctable here."""

    list_display = ["user", "organisation_name"]
    search_fields = ["user__username", "user__email", "organisation_name"]
    autocomplete_fields = ["user"]
