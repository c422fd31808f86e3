"""Page furniture shared by every section: the role-aware header links and scroll frames.

`{% site_nav %}` renders the header's site-wide links. Each link is shown only to the users
for whom it answers 200 (the same checks as the views, from kpi/permissions.py), so nobody is
offered a page that would refuse them.

`{% scrollframe label %}…{% endscrollframe %}` wraps a wide table in a frame that scrolls
sideways by itself, so the page does not (WCAG 2.1 SC 1.4.10 Reflow). The frame is a named,
focusable region so that keyboard users can scroll it too (axe rule scrollable-region-focusable).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django import template
from django.conf import settings
from django.contrib import admin as django_admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from kpi import permissions
from narratives import permissions as narrative_permissions

register = template.Library()


@register.simple_tag
def site_tagline() -> str:
    """The header's tagline: settings.SITE_TAGLINE, or a neutral default in the UI language."""
    return settings.SITE_TAGLINE or _("成果指標の進捗")


@dataclass(frozen=True)
class NavLink:
    label: str
    url: str
    current: bool = False


def _plan_and_year(context, user) -> tuple[object, int] | None:
    """The page's own plan and year when it has them; otherwise the current plan of the user's
    organization (any organization's for a site administrator)."""
    plan = context.get("plan")
    if plan is None or not hasattr(plan, "slug"):
        from initiatives.models import Plan

        plan = Plan.objects.current(organization=permissions.organization_id(user))
        if plan is None:
            return None
        return plan, plan.last_fy
    year = context.get("fiscal_year") or context.get("as_of") or plan.last_fy
    return plan, int(year)


def nav_links(context) -> list[NavLink]:
    """The header's site-wide links for the user of this request, in display order.

    Shape: a list of NavLink(label, url, current). Rules (the same as the views'):
    everyone gets the organization and plan lists; entry users of the page's plan's organization
    (kpi.permissions.can_use_entry) get value entry and upload; its admins
    (kpi.permissions.is_admin) the entry status board; its editors, reviewers and admins
    (narratives.permissions.can_use) the board of item progress and KPI explanations; admins of any organization plan import
    and their staff and departments;
    staff users (is_staff, which the Django admin requires) get the admin site, and
    superusers its user list.
    """
    request = context.get("request")
    user = getattr(request, "user", None)
    view_name = getattr(getattr(request, "resolver_match", None), "view_name", "")
    links = [
        NavLink(
            _("団体の一覧"),
            reverse("organization_list"),
            view_name in ("organization_list", "organization_detail"),
        ),
        NavLink(_("方針の一覧"), reverse("plan_list"), view_name == "plan_list"),
    ]
    if user is None or not user.is_authenticated:
        return links
    found = _plan_and_year(context, user) if permissions.can_use_entry_anywhere(user) else None
    if found is None and narrative_permissions.is_reviewer_anywhere(user):
        found = _plan_and_year(context, user)
    if found is not None:
        plan, year = found
        # Links to the page's plan only where they answer 200: the user's own organization.
        admin = permissions.is_admin(user, plan)
        if admin or permissions.can_use_entry(user, plan):
            args = (plan.slug, year)
            links.append(
                NavLink(
                    _("実績値の入力"), reverse("kpi:entry", args=args), view_name == "kpi:entry"
                )
            )
            links.append(
                NavLink(
                    _("実績値の一括登録"),
                    reverse("kpi:upload_values", args=args),
                    view_name == "kpi:upload_values",
                )
            )
            if admin:
                links.append(
                    NavLink(
                        _("入力状況"),
                        reverse("kpi:entry_status", args=args),
                        view_name == "kpi:entry_status",
                    )
                )
        if narrative_permissions.can_use(user, plan):
            # Where reviewers find what waits for their approval (they have no entry page).
            links.append(
                NavLink(
                    _("取組の進捗・成果指標の説明"),
                    reverse("narratives:board", args=(plan.slug, year)),
                    view_name == "narratives:board",
                )
            )
    if permissions.is_admin_anywhere(user):
        links.append(
            NavLink(_("方針の読み込み"), reverse("plan_import"), view_name == "plan_import")
        )
        staff_url = reverse("staff_list")
        page_plan = context.get("plan")
        if user.is_superuser and hasattr(page_plan, "organization_id"):
            # The site administrator manages any organization: the one of the page's plan.
            staff_url += "?" + urlencode({"org": page_plan.organization.slug})
        links.append(
            NavLink(
                _("職員と所管課"),
                staff_url,
                view_name in ("staff_list", "department_list"),
            )
        )
    if user.is_active and user.is_staff and django_admin.site.has_permission(request):
        # The User admin is the site administrator's (kpi/admin.py); an organization's admins
        # manage their staff on /manage/staff/.
        if user.is_superuser:
            links.append(NavLink(_("利用者"), reverse("admin:auth_user_changelist")))
        links.append(NavLink(_("管理サイト"), reverse("admin:index")))
    return links


@register.inclusion_tag("includes/site_nav.html", takes_context=True)
def site_nav(context) -> dict:
    return {"links": nav_links(context)}


class ScrollFrameNode(template.Node):
    def __init__(self, label: template.base.FilterExpression, nodelist: template.NodeList):
        self.label = label
        self.nodelist = nodelist

    def render(self, context) -> str:
        return format_html(
            '<div class="table-scroll" role="region" tabindex="0" aria-label="{}">{}</div>',
            self.label.resolve(context),
            self.nodelist.render(context),
        )


@register.tag
def scrollframe(parser, token) -> ScrollFrameNode:
    """`{% scrollframe label %}<table>…</table>{% endscrollframe %}`; label is the region's
    accessible name (a variable, or `_("…")` for translated text)."""
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError("scrollframe takes one argument: the frame's label")
    label = parser.compile_filter(bits[1])
    nodelist = parser.parse(("endscrollframe",))
    parser.delete_first_token()
    return ScrollFrameNode(label, nodelist)
