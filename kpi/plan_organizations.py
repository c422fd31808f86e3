"""Which organization (issue 14) a plan file's plans, departments and staff belong to, and
whether an organization's admin may load the file at all. Used by plan_io.import_plan.

Records are plan_io.read_records' (model label in lower case, fields as written); refusals are
(record position, model label) pairs, each refused with OTHER_ORGANIZATION.
"""

from __future__ import annotations

import unicodedata

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
    that name, else to a new organization record put first in the file. Departments the file
    lists without one belong to the organization of the file's plans (or of the plans its records
    name, when it lists none) when they all have the same (with `organization`, to it), else to
    the organization of the only department of that code in the database. Staff profiles without one, and not already in the database with one,
    likewise belong to the organization of the file's plans. A department named by its code
    alone (`department: [somu]`) is then named within its organization (department_keys).
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
        plan_orgs = {organization.slug}
    elif not plan_orgs:  # no plan record: the plans its records belong to
        slugs = {_first(r["fields"].get(name)) for r in records for name in PLAN_REFERENCES}
        plan_orgs = set(
            Plan.objects.filter(slug__in=slugs - {None}).values_list(
                "organization__slug", flat=True
            )
        )
    slug = next(iter(plan_orgs)) if len(plan_orgs) == 1 else None
    for record in records:
        fields = record["fields"]
        if "organization" in fields:
            continue
        if record["model"] == "kpi.department":
            if slug is not None:
                fields["organization"] = [slug]
                continue
            known = Department.objects.filter(code=str(fields.get("code")))
            orgs = set(
                known.exclude(organization=None).values_list("organization__slug", flat=True)
            )
            if len(orgs) == 1 and not known.filter(organization=None).exists():
                fields["organization"] = [orgs.pop()]
        elif record["model"] == "kpi.staffprofile" and slug is not None:
            user = fields.get("user")
            name = str(user[0]) if isinstance(user, list) and user else str(user)
            known = StaffProfile.objects.filter(**{f"user__{User.USERNAME_FIELD}": name})
            if not known.filter(organization__isnull=False).exists():
                fields["organization"] = [slug]
    department_keys(out)
    if organization is not None:
        problems += _outside(out, organization)
    return out, problems


# Records that name a department, and the field naming the plan whose organization it is in.
DEPARTMENT_REFERENCES = {"kpi.kpi": "plan", "kpi.historicalkpi": "plan", "kpi.staffprofile": None}


def department_keys(records: list[dict]) -> None:
    """Each department named by its code alone (`department: [somu]`, as files written before
    codes were per organization name it) named within its organization, in place:
    `[<organization slug>, somu]`. The organization is the record's plan's (a KPI and its
    history: the plan's record in the file, else the plan in the database), a staff profile's
    own, else the one organization the file's department records of that code belong to.
    A name whose organization cannot be told is left as it is (DepartmentManager reads it).
    """
    plans = {
        str(r["fields"].get("slug")): _first(r["fields"].get("organization"))
        for r in records
        if r["model"] == "initiatives.plan"
    }
    listed: dict[str, set[str | None]] = {}
    for r in records:
        if r["model"] == "kpi.department":
            code = str(r["fields"].get("code"))
            listed.setdefault(code, set()).add(_first(r["fields"].get("organization")))
    for record in records:
        if record["model"] not in DEPARTMENT_REFERENCES:
            continue
        fields = record["fields"]
        ref = fields.get("department")
        if not isinstance(ref, list) or len(ref) != 1:
            continue
        code = str(ref[0])
        plan_field = DEPARTMENT_REFERENCES[record["model"]]
        org = None
        if plan_field is not None:
            plan = _first(fields.get(plan_field))
            if plan is not None:
                org = plans.get(plan)
                if org is None:
                    org = (
                        Plan.objects.filter(slug=plan)
                        .values_list("organization__slug", flat=True)
                        .first()
                    )
        else:
            org = _first(fields.get("organization"))
        if org is None and len(listed.get(code, ())) == 1:
            org = next(iter(listed[code]))
        if org is not None:
            fields["department"] = [org, ref[0]]


# Fields whose natural key starts with the slug of the plan the referenced object belongs to.
PLAN_REFERENCES = ("plan", "pillar", "item", "kpi", "unit", "parent")


def _first(ref: object) -> str | None:
    return str(ref[0]) if isinstance(ref, list) and ref else None


def _outside(records: list[dict], organization: Organization) -> list[tuple[int, str]]:
    """Every record of the file that would touch another organization than `organization`: an
    organization record, a department of another organization (or named as one), or anything of
    another organization's plan (named by the plan slug that starts its references)."""
    problems = []
    plans = dict(Plan.objects.values_list("slug", "organization_id"))
    for i, record in enumerate(records, start=1):
        label, fields = record["model"], record["fields"]
        named = fields.get("organization")
        department = fields.get("department")
        if named is not None and _first(named) != organization.slug:
            other = True
        elif (
            isinstance(department, list)
            and len(department) == 2
            and _first(department) != organization.slug
        ):
            other = True  # [organization, code]: another organization's department
        elif label == "initiatives.organization":
            other = str(fields.get("slug")) != organization.slug
        else:
            slugs = {_first(fields.get(name)) for name in PLAN_REFERENCES} - {None}
            if label == "initiatives.plan":
                slugs.add(str(fields.get("slug")))
            other = any(plans.get(slug, organization.pk) != organization.pk for slug in slugs)
        if other:
            problems.append((i, label))
    return problems


ORGANIZATION_FIXED = (
    "団体の名称・種類・全国地方公共団体コードは、サイト管理者だけが変えられます"
    "（登録されている団体：%(name)s）。ファイルの団体の記述を登録どおりにしてください。"
)
GOVERNMENT_NOT_OURS = (
    "方針の団体名「%(government)s」が、読み込む団体「%(name)s」と違います。"
    "団体名を「%(name)s」にしてください（ほかの団体の方針として読み込むことはできません）。"
)


def _same_text(a: object, b: object) -> bool:
    fold = lambda text: unicodedata.normalize("NFKC", str(text or "")).strip()  # noqa: E731
    return fold(a) == fold(b)


def identity_problems(
    records: list[dict], organization: Organization
) -> list[tuple[int, dict, str, str]]:
    """What an organization's admin may not say in a plan file: a name, kind or code of their
    organization other than the registered one (only the site administrator changes those), or a
    plan that names another government (`government`, the 団体名 shown on its pages and the
    report's cover), so that no admin publishes a plan under another government's name.

    Returns (record position from 1, record, field, message) for each; empty when all is well.
    Names compare after NFKC folding and trimming (full-width and half-width alike); a plan's
    `government` that matches is set to the registered name, in place.
    """
    found = []
    for i, record in enumerate(records, start=1):
        label, fields = record["model"], record["fields"]
        if label == "initiatives.organization" and str(fields.get("slug")) == organization.slug:
            for field in ("name", "kind", "code"):
                if field in fields and not _same_text(fields[field], getattr(organization, field)):
                    message = ORGANIZATION_FIXED % {"name": organization.name}
                    found.append((i, record, field, message))
                    break
        elif label == "initiatives.plan" and "government" in fields:
            if not _same_text(fields["government"], organization.name):
                values = {"government": fields["government"], "name": organization.name}
                found.append((i, record, "government", GOVERNMENT_NOT_OURS % values))
            else:
                # The same name in other widths ("ｻﾝﾌﾟﾙ市(架空)") is saved as registered, so
                # that pages and the report's cover name the government one way.
                fields["government"] = organization.name
    return found


def same_organizations(records: list[dict]) -> None:
    """An organization record whose slug this database does not have, but whose 全国地方公共団体
    コード it does, stands for that organization (another installation named it differently):
    the record and every reference to its slug (`organization: [slug]`, a department's
    `[slug, code]`) are renamed to this database's slug, in place.
    """
    renamed: dict[str, str] = {}
    for record in records:
        if record["model"] != "initiatives.organization":
            continue
        fields = record["fields"]
        slug, code = str(fields.get("slug")), str(fields.get("code") or "")
        if not code or Organization.objects.filter(slug=slug).exists():
            continue
        here = Organization.objects.filter(code=code).values_list("slug", flat=True).first()
        if here is not None:
            renamed[slug] = here
            fields["slug"] = here
    if not renamed:
        return
    for record in records:
        fields = record["fields"]
        for name in ("organization", "department"):
            ref = fields.get(name)
            if isinstance(ref, list) and ref and str(ref[0]) in renamed:
                if name == "organization" or len(ref) == 2:
                    fields[name] = [renamed[str(ref[0])], *ref[1:]]


USER_OF_ANOTHER_ORGANIZATION = (
    "利用者名「{name}」は、このサーバーですでに{owner}が使っています。利用者はサーバー全体で"
    "共通のため、別の人として読み込むことも、同じ人として合わせることもしません。"
    "どちらかの利用者名を変えてから、もう一度読み込んでください。"
)


def user_collisions(records: list[dict]) -> list[tuple[int, str, str]]:
    """Staff of the file whose user name this database already gives to someone else: a user
    whose staff profile is in another organization than the file's profile, or who has no
    profile at all (a site administrator). Users are global in Django: such a name is refused, never merged.
    Shapes: records in; (record position, model label, message) for each refusal out."""
    problems = []
    for i, record in enumerate(records, start=1):
        if record["model"] != "kpi.staffprofile":
            continue
        fields = record["fields"]
        name = _first(fields.get("user")) or str(fields.get("user"))
        user = User.objects.filter(**{User.USERNAME_FIELD: name}).first()
        if user is None:
            continue
        profile = StaffProfile.objects.filter(user=user).select_related("organization").first()
        mine = _first(fields.get("organization"))
        if profile is not None:
            if profile.organization is None or profile.organization.slug == mine:
                continue  # the same member of staff (a profile here is kept as it is)
            owner = f"団体「{profile.organization.name}」の利用者"
        else:
            owner = "団体に属さない利用者（サイト管理者など）"
        problems.append(
            (i, record["model"], USER_OF_ANOTHER_ORGANIZATION.format(name=name, owner=owner))
        )
    return problems
