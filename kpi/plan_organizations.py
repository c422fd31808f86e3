"""Which organization (issue 14) a plan file's plans, departments and staff belong to, and
whether an organization's admin may load the file at all. Used by plan_io.import_plan.

Records are plan_io.read_records' (model label in lower case, fields as written); refusals are
(record position, model label) pairs, each refused with OTHER_ORGANIZATION.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils.text import slugify

from initiatives.models import Organization, Plan

from .models import Department, StaffProfile

User = get_user_model()

OTHER_ORGANIZATION = (
    "別の団体の方針・所管課・団体に触れる記述があります。自分の団体のものだけを読み込めます。"
)
ORGANIZATION_KINDS = (("都", "prefecture"), ("道", "prefecture"), ("府", "prefecture"),
                      ("県", "prefecture"), ("区", "special_ward"), ("市", "municipality"),
                      ("町", "municipality"), ("村", "municipality"))  # fmt: skip


def _new_organization_slug(name: str, taken: set[str]) -> str:
    base = slugify(name, allow_unicode=True)[:70] or "organization"
    slug, n = base, 1
    while slug in taken or Organization.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def with_organizations(
    records: list[dict], organization: Organization | None
) -> tuple[list[dict], list[tuple[int, str]]]:
    """Each plan, department and staff profile of the file with its organization (issue 14).

    A file written before organizations (the plan names only its `government`) is read as it
    meant: its plan belongs to `organization` (the importing admin's), else to the organization
    the plan already has, else to the file's one organization record, else to an organization of
    that name, else to a new organization record put first in the file. Departments and staff
    profiles the file lists without one, and not already in the database with one, belong to the
    organization of the file's plans when they all have the same (with `organization`, to it).
    With `organization`, a file that touches anything of another organization is refused.
    """
    problems: list[tuple[int, str]] = []
    out = list(records)
    org_records = [r for r in records if r["model"] == "initiatives.organization"]
    taken = {str(r["fields"].get("slug")) for r in org_records}
    plan_orgs: set[str] = set()
    for record in records:
        if record["model"] != "initiatives.plan":
            continue
        fields = record["fields"]
        existing = Plan.objects.filter(slug=str(fields.get("slug"))).select_related("organization")
        existing = existing.first()
        if organization is not None and existing and existing.organization_id != organization.pk:
            continue  # another organization's plan: refused by _outside
        if "organization" not in fields:
            government = str(fields.get("government") or "").strip()
            named = Organization.objects.filter(name=government).order_by("pk").first()
            if organization is not None:
                slug = organization.slug
            elif existing is not None:
                slug = existing.organization.slug
            elif len(org_records) == 1:
                slug = str(org_records[0]["fields"].get("slug"))
            elif named is not None:
                slug = named.slug
            else:
                name = government or "（団体名なし）"
                slug = _new_organization_slug(name, taken)
                taken.add(slug)
                kind = next((k for end, k in ORGANIZATION_KINDS if name.endswith(end)), "other")
                new = {"slug": slug, "name": name, "kind": kind}
                out.insert(0, {"model": "initiatives.organization", "fields": new})
            fields["organization"] = [slug]
        ref = fields["organization"]
        plan_orgs.add(str(ref[0]) if isinstance(ref, list) and len(ref) == 1 else str(ref))
    if organization is not None:
        problems += _outside(records, organization)
    if organization is not None:
        plan_orgs = {organization.slug}
    if len(plan_orgs) == 1:
        (slug,) = plan_orgs
        for record in records:
            fields = record["fields"]
            if "organization" in fields:
                continue
            if record["model"] == "kpi.department":
                known = Department.objects.filter(code=str(fields.get("code")))
            elif record["model"] == "kpi.staffprofile":
                user = fields.get("user")
                name = str(user[0]) if isinstance(user, list) and user else str(user)
                known = StaffProfile.objects.filter(**{f"user__{User.USERNAME_FIELD}": name})
            else:
                continue
            if not known.filter(organization__isnull=False).exists():
                fields["organization"] = [slug]
    return out, problems


# Fields whose natural key starts with the slug of the plan the referenced object belongs to.
PLAN_REFERENCES = ("plan", "pillar", "item", "kpi", "unit", "parent")


def _first(ref: object) -> str | None:
    return str(ref[0]) if isinstance(ref, list) and ref else None


def _outside(records: list[dict], organization: Organization) -> list[tuple[int, str]]:
    """Every record of the file that would touch another organization than `organization`: an
    organization record, a department of another organization, or anything of another
    organization's plan (named by the plan slug that starts its references)."""
    problems = []
    plans = dict(Plan.objects.values_list("slug", "organization_id"))
    departments = dict(Department.objects.values_list("code", "organization_id"))
    for i, record in enumerate(records, start=1):
        label, fields = record["model"], record["fields"]
        named = fields.get("organization")
        if named is not None and _first(named) != organization.slug:
            other = True
        elif label == "initiatives.organization":
            other = str(fields.get("slug")) != organization.slug
        elif label == "kpi.department":
            known = departments.get(str(fields.get("code")))
            other = known is not None and known != organization.pk
        else:
            slugs = {_first(fields.get(name)) for name in PLAN_REFERENCES} - {None}
            if label == "initiatives.plan":
                slugs.add(str(fields.get("slug")))
            other = any(plans.get(slug, organization.pk) != organization.pk for slug in slugs)
        if other:
            problems.append((i, label))
    return problems
