"""Sample initiative progress and KPI commentary for the demo plan (called by setup_demo)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from narratives.demo import load_demo

PLAN_SLUG = "hokkaido-smart-docho-3"


class Command(BaseCommand):
    help = "デモ用に、架空の取組の進捗と成果指標の説明（サンプル）と承認者を作成します。"

    def add_arguments(self, parser):
        parser.add_argument("--plan", default=PLAN_SLUG)
        parser.add_argument("--force", action="store_true")

    def handle(self, *args, plan: str, force: bool = False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "デモ利用者のパスワードは公開されているため、DEBUG が無効な環境では実行しません。"
            )
        load_demo(plan)
