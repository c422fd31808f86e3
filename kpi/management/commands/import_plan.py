"""manage.py import_plan FILE [--dry-run]: check a plan fixture, then load it or nothing.

An Excel KPI table (.xlsx, kpi/plan_xlsx.py) is read into the same records first.

Also the restore of a backup written by `export_plan --with-values`, and the load of one
organization written by `export_plan --organization` (found here by slug or 全国地方公共団体コード,
else created): users, groups and staff profiles load here (never through the upload page). A
user name this installation gives to another organization's user is refused, never merged.
"""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from initiatives.plan_reader import MAX_BYTES
from kpi.plan_io import PlanFileError, Report, import_plan


def progress_bar(stream, *, minimum: int = 200):
    """Progress for long files, on stderr so that stdout stays the report.

    On a terminal a bar redrawn in place; elsewhere (logs, CI) a line at every quarter.
    """
    tty = stream.isatty()
    shown = {"step": -1}

    def show(done: int, total: int) -> None:
        if total < minimum:
            return
        if tty:
            width = 30
            filled = int(width * done / total)
            stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
            if done == total:
                stream.write("\n")
        else:
            step = 4 * done // total
            if step == shown["step"]:
                return
            shown["step"] = step
            stream.write(f"{done}/{total} 件を処理しました\n")
        stream.flush()

    return show


def write_report(command: BaseCommand, report: Report, *, dry_run: bool) -> None:
    out = command.stdout
    out.write(f"{report.records}件のオブジェクトを確認しました。")
    out.write("種類\t新規\t更新\t変更なし\t既存の値を保持")
    for name, created, updated, unchanged, kept in report.summary():
        out.write(f"{name}\t{created}\t{updated}\t{unchanged}\t{kept}")
    for created in report.new:
        out.write(f"新規: {created}")
    for change in report.changes:
        out.write(f"変更: {change}")
    for r in report.retargeted:
        out.write(
            f"注意: 実績値のある成果指標の目標を変えます（当初の目標として扱われます。計画途中の"
            f"見直しなら「目標の再設定」で記録してください）: {r.key} {r.name}: {r.old} → {r.new}"
            f"（実績値 {r.values} 件）"
        )
    for reading in report.readings:
        out.write(f"目標の読み方: {reading.key} {reading.name}: {reading.reading}")
    for absent in report.absent:
        out.write(f"ファイルにない（そのまま残ります）: {absent.model} {absent.key} {absent.name}")
    if report.users_created:
        out.write("利用者（無効な状態で作成）: " + ", ".join(report.users_created))
    if report.problems:
        for problem in report.problems:
            command.stderr.write(str(problem))
    elif dry_run:
        out.write(command.style.WARNING("確認のみ（--dry-run）: データベースは変更していません。"))
    else:
        out.write(command.style.SUCCESS("読み込みました。"))


class Command(BaseCommand):
    help = "方針のフィクスチャ（YAML/JSON）をすべて検証してから読み込みます。誤りがあれば何も書き込みません。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="読み込むファイル（.yaml, .yml, .json, .xlsx）")
        parser.add_argument("--dry-run", action="store_true", help="確認だけして、書き込まない")

    def handle(self, *args, file: str, dry_run: bool = False, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"ファイルが見つかりません: {file}")
        try:
            if path.stat().st_size > MAX_BYTES:
                raise CommandError(
                    f"ファイルが大きすぎます（{MAX_BYTES // (1024 * 1024)}MBまで）。"
                    "何も書き込んでいません。"
                )
            content = path.read_bytes()
        except OSError as err:
            raise CommandError(f"ファイルを読めません: {err.strerror}") from None
        try:
            report = import_plan(
                content,
                path.name,
                dry_run=dry_run,
                accounts=True,
                progress=progress_bar(sys.stderr),
            )
        except PlanFileError as err:
            for problem in err.problems:
                self.stderr.write(str(problem))
            raise CommandError("ファイルを読み込めませんでした。何も書き込んでいません。") from None
        write_report(self, report, dry_run=dry_run)
        if report.problems:
            raise CommandError(
                f"{len(report.problems)}件の誤りがあります。何も書き込んでいません。"
            )
