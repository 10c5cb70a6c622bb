"""Load the cross-reference frameworks (CQC AOI, HICM, BCF national conditions).

Creates only what is missing, so it is safe on a database where administrators have already
edited the titles and descriptions.
"""

from django.db import migrations


def load(apps, schema_editor):
    from programmes.reference import frameworks_load

    frameworks_load(
        framework_model=apps.get_model("programmes", "Framework"),
        code_model=apps.get_model("programmes", "FrameworkCode"),
    )


class Migration(migrations.Migration):
    dependencies = [("programmes", "0002_plan_import")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
