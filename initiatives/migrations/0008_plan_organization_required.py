import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("initiatives", "0007_organizations_data")]

    operations = [
        migrations.AlterField(
            model_name="plan",
            name="organization",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="plans",
                to="initiatives.organization",
                verbose_name="団体",
            ),
        ),
    ]
