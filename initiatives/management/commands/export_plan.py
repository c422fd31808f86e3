"""manage.py export_plan SLUG [--with-values] [-o FILE]: the plan as a fixture import_plan reads."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from initiatives.models import Plan
from initiatives.plan_io import export_plan


class Command(BaseCommand):
    help = "方針（構成・目標・再設定、--with-values で実績値と履歴も）をフィクスチャとして書き出します。"

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--with-values", action="store_true", help="実績値とその履歴も含める")
        parser.add_argument("-o", "--output", help="書き出すファイル（省略時は標準出力）")

    def handle(self, *args, slug: str, with_values: bool = False, output=None, **options):
        if not Plan.objects.filter(slug=slug).exists():
            raise CommandError(f"方針が見つかりません: {slug}")
        text = export_plan(slug, with_values=with_values)
        if output:
            Path(output).write_text(text, encoding="utf-8")
        else:
            self.stdout.write(text, ending="")
