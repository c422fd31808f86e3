"""manage.py import_values SLUG FY FILE --user NAME [--apply]: the spreadsheet upload, in a shell."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from initiatives.models import Plan
from kpi import services, value_upload
from kpi.evaluation import value_years
from smartdocho.fiscal import FiscalYearError, parse_fy


class Command(BaseCommand):
    help = "CSV/XLSX の実績値を確認し、--apply で取り込みます（入力画面と同じ検証・権限・履歴）。"

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("fiscal_year", help="例: R6, 2024")
        parser.add_argument("file")
        parser.add_argument("--user", required=True, help="入力者として記録する利用者名")
        parser.add_argument("--apply", action="store_true", help="確認の後、取り込める行を保存する")

    def handle(self, *args, slug, fiscal_year, file, user, apply=False, **options):
        plan = Plan.objects.filter(slug=slug).first()
        if plan is None:
            raise CommandError(f"方針が見つかりません: {slug}")
        try:
            fy = parse_fy(fiscal_year)
        except FiscalYearError as err:
            raise CommandError(str(err)) from None
        if fy not in value_years(plan):
            raise CommandError("方針の期間外の年度です。")
        account = get_user_model().objects.filter(username=user, is_active=True).first()
        if account is None:
            raise CommandError(f"利用者が見つかりません: {user}")
        path = Path(file)
        try:
            with path.open("rb") as handle:
                content = handle.read(value_upload.MAX_UPLOAD_BYTES + 1)
            if len(content) > value_upload.MAX_UPLOAD_BYTES:
                raise value_upload.UploadError(value_upload.FILE_TOO_BIG)
            rows = value_upload.read_table(content, path.name)
        except (OSError, value_upload.UploadError) as err:
            raise CommandError(str(err)) from None
        preview = value_upload.preview(account, plan, fy, rows)
        for r in preview:
            self.stdout.write(
                f"{r.line}\t{r.code}\t{r.state_label}\t{r.value if r.value is not None else ''}\t{r.reason}"
            )
        valid = [r for r in preview if r.state in (value_upload.NEW, value_upload.CHANGED)]
        self.stdout.write(f"取り込める行: {len(valid)} / {len(preview)}")
        if not apply:
            self.stdout.write("確認のみです。保存するには --apply を付けてください。")
            return
        try:
            result = value_upload.apply(account, plan, fy, [r.to_session() for r in valid])
        except services.EntryRefused as refused:
            raise CommandError(
                f"保存できませんでした。何も保存していません: {refused.result.errors}"
            ) from None
        self.stdout.write(self.style.SUCCESS(f"{len(result.changed)}件を保存しました。"))
