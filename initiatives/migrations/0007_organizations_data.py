"""One organization per distinct Plan.government, each plan assigned to its government's."""

from django.db import migrations
from django.utils.text import slugify

KIND_BY_SUFFIX = (("都", "prefecture"), ("道", "prefecture"), ("府", "prefecture"),
                  ("県", "prefecture"), ("区", "special_ward"), ("市", "municipality"),
                  ("町", "municipality"), ("村", "municipality"))  # fmt: skip


def kind_of(name: str) -> str:
    return next((kind for suffix, kind in KIND_BY_SUFFIX if name.endswith(suffix)), "other")


def unique_slug(Organization, name: str) -> str:
    base = slugify(name, allow_unicode=True)[:70] or "organization"
    slug, n = base, 1
    while Organization.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def forwards(apps, schema_editor):
    Organization = apps.get_model("initiatives", "Organization")
    Plan = apps.get_model("initiatives", "Plan")
    for government in Plan.objects.order_by("government").values_list("government", flat=True).distinct():
        name = government.strip() or "（団体名なし）"
        org = Organization.objects.create(
            slug=unique_slug(Organization, name), name=name, kind=kind_of(name)
        )
        Plan.objects.filter(government=government).update(organization=org)


class Migration(migrations.Migration):
    dependencies = [("initiatives", "0006_organizations")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
