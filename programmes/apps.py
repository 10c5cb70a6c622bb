from django.apps import AppConfig


class ProgrammesConfig(AppConfig):
    name = "programmes"
    verbose_name = "Programmes"

    def ready(self) -> None:
        # The metric page lists linked workstreams through metrics' extension point, so
        # metrics never imports programmes.
        from metrics.panels import panel_provider_register
        from programmes.metric_links import linked_work_panel

        panel_provider_register(linked_work_panel)
        # The audit trail's links and import summaries for plan objects.
        from programmes import audit_links

        audit_links.register()
        # Object permissions of programmes and milestones (`user.has_perm(perm, obj)`).
        from programmes import permissions

        permissions.register()
