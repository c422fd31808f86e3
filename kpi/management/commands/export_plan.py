"""manage.py export_plan SLUG [--with-values] [-o FILE]: the plan as a fixture import_plan reads.

manage.py export_plan --organization ORG [--with-values] [-o FILE]: one organization (its slug
or 6-digit 全国地方公共団体コード) with all its plans, departments and staff (users without
password hashes: users loaded from it get an unusable password), for another installation.

With --with-values, or with --organization, the file names users: it is written readable by its
owner only (0600), whatever the umask.
"""

from __future__ import annotations

import os

from django.core.management.base import BaseCommand, CommandError

from initiatives.models import Plan
from kpi import plan_xlsx
from kpi.plan_io import export_organization, export_plan, find_organization


class Command(BaseCommand):
    help = "方針（構成・目標・再設定、--with-values で実績値と履歴も）をフィクスチャとして書き出します。"

    def add_arguments(self, parser):
        parser.add_argument("slug", nargs="?", help="方針の識別子（--organization のときは省略）")
        parser.add_argument(
            "--organization",
            help="団体の識別子か6桁の全国地方公共団体コード: その団体の方針・所管課・職員をすべて",
        )
        parser.add_argument("--with-values", action="store_true", help="実績値とその履歴も含める")
        parser.add_argument("-o", "--output", help="書き出すファイル（省略時は標準出力）")
        parser.add_argument(
            "--format",
            choices=["yaml", "xlsx"],
            default="yaml",
            help="yaml（既定）か xlsx（成果指標の表。-o が必要）",
        )

    def handle(self, *args, slug=None, with_values: bool = False, output=None, **options):
        organization = options.get("organization")
        if organization is not None:
            text = self._organization(organization, slug, with_values=with_values, **options)
        else:
            if not slug:
                raise CommandError("方針の識別子か --organization 団体 を指定してください。")
            if not Plan.objects.filter(slug=slug).exists():
                raise CommandError(f"方針が見つかりません: {slug}")
            if options.get("format") == "xlsx":
                self._write_xlsx(slug, output, with_values=with_values)
                return
            text = export_plan(slug, with_values=with_values)
        if output:
            try:
                fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                os.fchmod(fd, 0o600)  # an existing file keeps its mode through os.open
                with os.fdopen(fd, "w", encoding="utf-8") as out:
                    out.write(text)
            except OSError as err:
                raise CommandError(f"書き出せません: {output}: {err.strerror}") from None
        else:
            self.stdout.write(text, ending="")

    def _organization(self, name: str, slug, *, with_values: bool, **options) -> str:
        if slug:
            raise CommandError("方針の識別子と --organization は同時に指定できません。")
        if options.get("format") == "xlsx":
            raise CommandError("--organization は yaml でだけ使えます。")
        organization = find_organization(name)
        if organization is None:
            raise CommandError(f"団体が見つかりません（識別子か6桁の団体コード）: {name}")
        return export_organization(organization, with_values=with_values)

    def _write_xlsx(self, slug: str, output, *, with_values: bool) -> None:
        if with_values:
            raise CommandError("--with-values は yaml でだけ使えます（xlsx は方針の表だけです）。")
        if not output:
            raise CommandError("xlsx は -o ファイル名 を指定してください。")
        try:
            with open(output, "wb") as out:
                out.write(plan_xlsx.write_workbook(slug))
        except OSError as err:
            raise CommandError(f"書き出せません: {output}: {err.strerror}") from None
