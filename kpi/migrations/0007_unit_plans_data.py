"""Units belong to their plan, step 2: the data (see 0006). Its own migration, so that on
PostgreSQL the row updates are committed before 0008 alters the table."""

from django.db import migrations

def give_each_plan_its_units(apps, schema_editor):
    Unit = apps.get_model("kpi", "Unit")
    Kpi = apps.get_model("kpi", "Kpi")
    Plan = apps.get_model("initiatives", "Plan")
    fallback = (
        Plan.objects.filter(is_current=True).first() or Plan.objects.order_by("id").first()
    )
    for unit in Unit.objects.order_by("id"):
        plan_ids = list(
            Kpi.objects.filter(unit=unit).order_by("plan_id").values_list("plan_id", flat=True).distinct()
        )
        if not plan_ids:
            if fallback is None:
                unit.delete()
            else:
                unit.plan_id = fallback.id
                unit.save(update_fields=["plan"])
            continue
        unit.plan_id = plan_ids[0]
        unit.save(update_fields=["plan"])
        for plan_id in plan_ids[1:]:
            copy = Unit.objects.create(
                plan_id=plan_id,
                code=unit.code,
                label=unit.label,
                base_label=unit.base_label,
                scale=unit.scale,
                decimals=unit.decimals,
                kind=unit.kind,
            )
            Kpi.objects.filter(unit=unit, plan_id=plan_id).update(unit=copy)


class Migration(migrations.Migration):
    dependencies = [("kpi", "0006_units_belong_to_their_plan")]

    operations = [migrations.RunPython(give_each_plan_its_units, migrations.RunPython.noop)]
