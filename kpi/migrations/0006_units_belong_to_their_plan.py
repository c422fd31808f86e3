"""Units belong to their plan (issue 12): a unit shared by several plans is copied into each.

The plan that used the unit first (lowest id) keeps the row; every other plan whose KPIs use it
gets its own copy with the same code and settings, and its KPIs point at the copy. A unit no KPI
uses goes to the current plan (or the first one); with no plan at all it is removed, since a
unit now cannot exist outside a plan.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("initiatives", "0003_japanese_constraint_messages"),
        ("kpi", "0005_report_versions"),
    ]

    operations = [
        migrations.AlterField(
            model_name="unit",
            name="code",
            field=models.SlugField(max_length=50, verbose_name="識別子"),
        ),
        migrations.AddField(
            model_name="unit",
            name="plan",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="units",
                to="initiatives.plan",
                verbose_name="方針",
            ),
        ),
    ]
