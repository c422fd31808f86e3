"""Units belong to their plan, step 3: every unit has its plan; codes are unique per plan."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("kpi", "0007_unit_plans_data")]

    operations = [
        migrations.AlterField(
            model_name="unit",
            name="plan",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="units",
                to="initiatives.plan",
                verbose_name="方針",
            ),
        ),
        migrations.AlterModelOptions(
            name="unit",
            options={"ordering": ["plan", "code"], "verbose_name": "単位", "verbose_name_plural": "単位"},
        ),
        migrations.AddConstraint(
            model_name="unit",
            constraint=models.UniqueConstraint(
                fields=("plan", "code"),
                name="unit_code_unique_in_plan",
                violation_error_message="同じ方針に同じ識別子の単位がすでにあります。",
            ),
        ),
    ]
