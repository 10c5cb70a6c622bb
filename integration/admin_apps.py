from django.contrib.admin.apps import AdminConfig


class IntegrationAdminConfig(AdminConfig):
    """The Django admin, restricted to the Administrator role (see integration.admin)."""

    default_site = "integration.admin.AdministratorsAdminSite"
