from django.apps import AppConfig


class MetricsConfig(AppConfig):
    name = "metrics"
    verbose_name = "Metrics"

    def ready(self) -> None:
        # The audit trail's links and upload summaries for metric objects.
        from metrics import audit_links

        audit_links.register()
