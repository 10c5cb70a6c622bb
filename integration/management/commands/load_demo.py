from django.core.management.base import BaseCommand
from django.db import transaction

from integration.demo import demo_users_ensure
from metrics.demo import load_demo_data as metrics_demo_load
from programmes.demo import load_demo_data as programmes_demo_load


class Command(BaseCommand):
    help = "Create the demo users and load the demo data (idempotent: safe to run again)."

    def handle(self, *args, **options) -> None:
        with transaction.atomic():
            demo_users_ensure(stdout=self.stdout)
        # Metrics first: programme demo data may link workstreams to metrics.
        metrics_demo_load(stdout=self.stdout)
        programmes_demo_load(stdout=self.stdout)
