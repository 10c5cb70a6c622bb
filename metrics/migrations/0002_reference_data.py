"""Load the metric catalogue and the areas of England (fixtures/reference/) into every database.

Calls the same loader as everything else, with this migration's historical models, so that
fixes to the reference files flow through; loading twice changes nothing.
"""

from django.db import migrations


def load(apps, schema_editor):
    from metrics.reference import migration_models, reference_data_load

    reference_data_load(models=migration_models(apps))


class Migration(migrations.Migration):
    dependencies = [
        ("metrics", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(load, migrations.RunPython.noop, elidable=False),
    ]
