"""Published reports get versions (訂正版), a publishing office and a sample flag.

Reports published before this migration become version 1, in force, published by the plan's
government (the office was not recorded), sample if their frozen copy says so.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def fill_office_and_sample(apps, schema_editor):
    PublishedReport = apps.get_model("kpi", "PublishedReport")
    for report in PublishedReport.objects.select_related("plan"):
        report.office = report.plan.government or "—"
        report.is_sample = bool(report.snapshot.get("sample_data"))
        report.includes_preliminary = any(
            r.get("preliminary") for p in report.snapshot.get("pillars", []) for r in p["kpis"]
        )
        report.save(update_fields=["office", "is_sample", "includes_preliminary"])


class Migration(migrations.Migration):
    dependencies = [
        ("initiatives", "0003_japanese_constraint_messages"),
        ("kpi", "0004_japanese_constraint_messages"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="publishedreport",
            name="report_one_per_plan_and_year",
        ),
        migrations.AlterModelOptions(
            name="publishedreport",
            options={
                "ordering": ["plan", "-fiscal_year", "-version"],
                "verbose_name": "公表した報告書",
                "verbose_name_plural": "公表した報告書",
            },
        ),
        migrations.AddField(
            model_name="publishedreport",
            name="version",
            field=models.PositiveSmallIntegerField(default=1, verbose_name="版"),
        ),
        migrations.AddField(
            model_name="publishedreport",
            name="office",
            field=models.CharField(default="", max_length=200, verbose_name="公表した部署"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="publishedreport",
            name="correction_reason",
            field=models.TextField(blank=True, verbose_name="訂正の理由"),
        ),
        migrations.AddField(
            model_name="publishedreport",
            name="includes_preliminary",
            field=models.BooleanField(default=False, verbose_name="速報値を含めて公表"),
        ),
        migrations.AddField(
            model_name="publishedreport",
            name="is_sample",
            field=models.BooleanField(
                default=False,
                help_text="説明用の架空の値による報告書。",
                verbose_name="サンプルとして公表",
            ),
        ),
        migrations.AddField(
            model_name="publishedreport",
            name="superseded_at",
            field=models.DateTimeField(
                blank=True, null=True, verbose_name="訂正版に置き換えた日時"
            ),
        ),
        migrations.AlterField(
            model_name="publishedreport",
            name="published_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="公表の操作をした職員",
            ),
        ),
        migrations.RunPython(fill_office_and_sample, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="publishedreport",
            constraint=models.UniqueConstraint(
                fields=("plan", "fiscal_year", "version"),
                name="report_unique_version",
                violation_error_message="この年度の報告書のこの版はすでにあります。",
            ),
        ),
        migrations.AddConstraint(
            model_name="publishedreport",
            constraint=models.UniqueConstraint(
                condition=models.Q(("superseded_at__isnull", True)),
                fields=("plan", "fiscal_year"),
                name="report_one_in_force_per_plan_and_year",
                violation_error_message="この年度の報告書はすでに公表されています（訂正版として公表してください）。",
            ),
        ),
        migrations.AddConstraint(
            model_name="publishedreport",
            constraint=models.CheckConstraint(
                condition=models.Q(("version__gte", 1)),
                name="report_version_positive",
                violation_error_message="版は1以上です。",
            ),
        ),
        migrations.AddConstraint(
            model_name="publishedreport",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("version", 1),
                    models.Q(("correction_reason", ""), _negated=True),
                    _connector="OR",
                ),
                name="report_correction_has_reason",
                violation_error_message="訂正版には訂正の理由を記入してください。",
            ),
        ),
        migrations.AddConstraint(
            model_name="publishedreport",
            constraint=models.CheckConstraint(
                condition=models.Q(("office", ""), _negated=True),
                name="report_has_office",
                violation_error_message="公表した部署を記入してください。",
            ),
        ),
        migrations.AddConstraint(
            model_name="publishedreport",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("is_sample", True), ("snapshot__sample_data", False), _connector="OR"
                ),
                name="report_sample_published_as_sample",
                violation_error_message="サンプル値を含む報告書は、サンプルとしてのみ公表できます。",
            ),
        ),
    ]
