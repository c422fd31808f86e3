"""Hostile plan files and posts: never a 5xx, always a clear message, nothing written.

Each file is posted to the import page as an admin and given to the `import_plan` command; the
database (dumped before and after) must not change, and the answer must come quickly (alias
bombs and deep nesting are refused before anything is built).
"""

import base64
import hashlib
import io
import os
import subprocess
import sys
import time

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError

from initiatives import plan_reader
from initiatives.models import Plan
from kpi import roles
from kpi.models import StaffProfile
from pages.views import IMPORT_SESSION_KEY
from tests.conftest import ROOT

pytestmark = pytest.mark.django_db

URL = "/manage/import-plan/"
TEMPLATE = ROOT / "fixtures" / "templates" / "plan_template.yaml"

UNIT = (
    "- model: kpi.unit\n  fields: {code: c, label: 件, base_label: 件, scale: '1', kind: count}\n"
)
BILLION_LAUGHS = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(9)
)
PLAN = (
    "- model: initiatives.plan\n"
    "  fields: {slug: x, government: 例, title: 例, first_fy: FIRST, last_fy: 2027}\n"
)

# (case, file name, content, what the message says)
HOSTILE = [
    ("bad extension", "plan.csv", b"code,label\n", ".yaml"),
    ("no extension", "plan", UNIT.encode(), ".yaml"),
    ("invalid YAML", "plan.yaml", b"- model: kpi.unit\n  fields: {code: [unclosed\n", "YAML"),
    ("invalid JSON", "plan.json", b'[{"model": "kpi.unit", ', "JSON"),
    ("over 5 MB", "plan.yaml", b"#" * (plan_reader.MAX_BYTES + 1), "5MB"),
    ("pk present", "plan.yaml", b"- model: kpi.unit\n  pk: 3\n  fields: {code: x}\n", "pk"),
    ("model not allowed", "plan.yaml", b"- model: admin.logentry\n  fields: {}\n", "読み込めない"),
    (
        "superuser through the page",
        "plan.yaml",
        b"- model: auth.user\n  fields: {username: evil, is_superuser: true}\n",
        "import_plan コマンド",
    ),
    ("too many objects for the page", "plan.yaml", (UNIT * 1001).encode(), "多すぎます"),
    ("billion laughs", "plan.yaml", BILLION_LAUGHS.encode(), "要素が多すぎます"),
    ("recursive alias", "plan.yaml", b"- &a [*a]\n", "自分自身"),
    ("deep flow nesting", "plan.yaml", b"[" * 50_000 + b"]" * 50_000, "YAML"),
    ("nesting past the limit", "plan.yaml", b"[" * 40 + b"]" * 40, "入れ子が深すぎます"),
    ("deep JSON nesting", "plan.json", b"[" * 100_000 + b"]" * 100_000, "入れ子が深すぎます"),
    ("raw NUL byte", "plan.yaml", UNIT.replace("件,", "件\x00,", 1).encode(), "YAML"),
    (
        "escaped NUL in YAML",
        "plan.yaml",
        UNIT.replace("label: 件", 'label: "\\0"').encode(),
        "U+0000",
    ),
    (
        "escaped NUL in JSON",
        "plan.json",
        b'[{"model": "kpi.unit", "fields": {"label": "\\u0000"}}]',
        "U+0000",
    ),
    (
        "lone surrogate in JSON",
        "plan.json",
        b'[{"model": "kpi.unit", "fields": {"label": "\\ud800"}}]',
        "サロゲート",
    ),
    (
        "lone surrogate escaped in YAML",
        "plan.yaml",
        UNIT.replace("label: 件", 'label: "\\uDC00"').encode(),
        "YAMLの書き方に誤りがあります",
    ),
    (
        "surrogate bytes",
        "plan.yaml",
        UNIT.encode().replace("件".encode(), b"\xed\xa0\x80", 1),
        "UTF-8",
    ),
    (
        "escape character",
        "plan.yaml",
        UNIT.replace("label: 件", 'label: "\\e[31m"').encode(),
        "U+001B",
    ),
    ("integer overflow", "plan.yaml", PLAN.replace("FIRST", "9" * 30).encode(), "範囲"),
    (
        "overflow in a reference",
        "plan.yaml",
        b"- model: initiatives.pillar\n  fields: {plan: [x], number: 1, title: t}\n"
        b"- model: initiatives.policydirection\n  fields: {pillar: [x, 99999999999999999999999], number: 1, text: t}\n",
        "範囲",
    ),
    ("octal-looking year", "plan.yaml", PLAN.replace("FIRST", "0o3720").encode(), "10進数"),
    ("huge decimal", "plan.yaml", UNIT.replace("'1'", "1e999999999").encode(), "scale"),
    ("infinite float tag", "plan.yaml", UNIT.replace("'1'", "!!float .inf").encode(), "inf"),
    ("NaN in JSON", "plan.json", b'[{"model": "kpi.unit", "fields": {"scale": NaN}}]', "NaN"),
    ("python tag", "plan.yaml", b"- !!python/object/apply:os.system [echo hi]\n", "YAML"),
    ("unknown tag", "plan.yaml", b"- !evil {model: kpi.unit, fields: {}}\n", "YAML"),
    ("two documents", "plan.yaml", (UNIT + "---\n" + UNIT).encode(), "YAML"),
    ("not a list", "plan.yaml", b"model: kpi.unit\n", "リスト"),
    ("empty file", "plan.yaml", b"", "リスト"),
    ("list of scalars", "plan.yaml", b"- 1\n- 2\n", "model と fields"),
    ("fields not a mapping", "plan.yaml", b"- {model: kpi.unit, fields: [1]}\n", "model と fields"),
    ("model not text", "plan.yaml", b"- {model: [1], fields: {}}\n", "model と fields"),
    ("cp932 file", "plan.yaml", UNIT.encode("cp932"), "UTF-8"),
    (
        "reference by pk",
        "plan.yaml",
        b"- model: initiatives.pillar\n  fields: {plan: 1, number: 1, title: t}\n",
        "一覧で",
    ),
    (
        "reference of the wrong length",
        "plan.yaml",
        b"- model: initiatives.pillar\n  fields: {plan: [x, y], number: 1, title: t}\n",
        "1個の値",
    ),
    ("code as a boolean", "plan.yaml", UNIT.replace("code: c", "code: off").encode(), "引用符"),
    (
        "alias bomb inside a record",
        "plan.yaml",
        (
            "- model: kpi.unit\n  fields: {label: &a [lol, lol, lol, lol, lol, lol, lol, lol]}\n"
            + "".join(
                f"- {{model: kpi.unit, fields: {{label: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 8)}]}}}}\n"
                for i in range(9)
            )
        ).encode(),
        "要素が多すぎます",
    ),
]


def _world() -> str:
    out = io.StringIO()
    call_command("dumpdata", "initiatives", "kpi", "auth", stdout=out)
    return out.getvalue()


@pytest.fixture
def world(db):
    """A small plan with a value: what a hostile file must leave exactly as it was."""
    call_command("import_plan", str(TEMPLATE), stdout=io.StringIO())


@pytest.fixture
def admin_client(client, world):
    # No password: hashing one costs a second per test, and force_login needs none.
    admin = get_user_model().objects.create(username="kanri", is_staff=True)
    admin.groups.add(Group.objects.get_or_create(name=roles.ADMIN)[0])
    # An admin of the organization whose plan the world holds (the template's).
    world_plan = Plan.objects.get(slug="example-city-dx-1")
    StaffProfile.objects.create(user=admin, organization=world_plan.organization)
    client.force_login(admin)
    return client


@pytest.mark.parametrize(("case", "name", "content", "says"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_file_posted_gets_400_with_its_message_and_writes_nothing(
    admin_client, case, name, content, says
):
    before = _world()
    started = time.monotonic()
    response = admin_client.post(URL, {"file": SimpleUploadedFile(name, content)})
    assert time.monotonic() - started < 10
    assert response.status_code == 400, response.content.decode()[:500]
    page = response.content.decode()
    assert "何も書き込んでいません" in page and says in page, page[-2000:]
    assert IMPORT_SESSION_KEY not in admin_client.session
    assert _world() == before


@pytest.mark.parametrize(("case", "name", "content", "says"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_file_given_to_the_command_fails_with_a_message(
    world, tmp_path, capsys, case, name, content, says
):
    if case in ("superuser through the page", "too many objects for the page"):
        return  # the command restores accounts and large files: the server's operator runs it
    before = _world()
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(CommandError, match="何も書き込んでいません"):
        call_command("import_plan", str(path), stdout=io.StringIO())
    assert says in capsys.readouterr().err or "5MB" in says
    assert _world() == before


def test_command_exits_non_zero_without_a_traceback(tmp_path):
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(BILLION_LAUGHS, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DATABASE_URL")}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'unused.sqlite3'}"
    result = subprocess.run(
        [sys.executable, "manage.py", "import_plan", str(bomb)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "要素が多すぎます" in result.stderr and "何も書き込んでいません" in result.stderr
    assert "Traceback" not in result.stderr


def _checked(client) -> str:
    """Check the blank template (a valid file) and return the confirm token shown."""
    upload = SimpleUploadedFile(TEMPLATE.name, TEMPLATE.read_bytes())
    response = client.post(URL, {"file": upload})
    assert response.status_code == 200
    return response.context["token"]


def _set_pending(client, value) -> None:
    session = client.session
    session[IMPORT_SESSION_KEY] = value
    session.save()


POSTS = [
    ("missing file", lambda c: c.post(URL, {}), "ファイルを1つ選んでください"),
    (
        "file sent as text",
        lambda c: c.post(URL, {"file": "plan.yaml"}),
        "ファイルを1つ選んでください",
    ),
    (
        "two files",
        lambda c: c.post(
            URL,
            {
                "file": [
                    SimpleUploadedFile("a.yaml", TEMPLATE.read_bytes()),
                    SimpleUploadedFile("b.yaml", TEMPLATE.read_bytes()),
                ]
            },
        ),
        "ファイルを1つ選んでください",
    ),
    (
        "confirm with nothing checked",
        lambda c: c.post(URL, {"confirm": "1"}),
        "確認する取り込みがありません",
    ),
    (
        "confirm with a wrong token",
        lambda c: (_checked(c), c.post(URL, {"confirm": "1", "token": "0" * 64}))[1],
        "確認した内容と",
    ),
    (
        "confirm without a token",
        lambda c: (_checked(c), c.post(URL, {"confirm": "1"}))[1],
        "確認した内容と",
    ),
    (
        "confirm with a payload that is not base64",
        lambda c: (
            _set_pending(c, {"name": "p.yaml", "content": "%%%", "digest": "x"}),
            c.post(URL, {"confirm": "1", "token": "x"}),
        )[1],
        "確認する取り込みがありません",
    ),
    (
        "confirm with a payload of the wrong shape",
        lambda c: (_set_pending(c, ["p.yaml"]), c.post(URL, {"confirm": "1"}))[1],
        "確認する取り込みがありません",
    ),
    (
        "confirm with a payload missing its digest",
        lambda c: (
            _set_pending(c, {"name": "p.yaml", "content": base64.b64encode(b"x").decode()}),
            c.post(URL, {"confirm": "1", "token": ""}),
        )[1],
        "確認する取り込みがありません",
    ),
    (
        "confirm with content swapped after the check",
        lambda c: (
            _set_pending(
                c,
                {
                    "name": "p.yaml",
                    "content": base64.b64encode(UNIT.encode()).decode(),
                    "digest": hashlib.sha256(TEMPLATE.read_bytes()).hexdigest(),
                },
            ),
            c.post(
                URL, {"confirm": "1", "token": hashlib.sha256(TEMPLATE.read_bytes()).hexdigest()}
            ),
        )[1],
        "確認した内容と",
    ),
    (
        "confirm of a hostile payload",
        lambda c: (
            _set_pending(
                c,
                {
                    "name": "p.yaml",
                    "content": base64.b64encode(BILLION_LAUGHS.encode()).decode(),
                    "digest": hashlib.sha256(BILLION_LAUGHS.encode()).hexdigest(),
                },
            ),
            c.post(
                URL, {"confirm": "1", "token": hashlib.sha256(BILLION_LAUGHS.encode()).hexdigest()}
            ),
        )[1],
        "要素が多すぎます",
    ),
]


@pytest.mark.parametrize(("case", "send", "says"), POSTS, ids=[p[0] for p in POSTS])
def test_hostile_post_gets_400_with_its_message_and_writes_nothing(admin_client, case, send, says):
    before = _world()
    response = send(admin_client)
    assert response.status_code == 400
    assert says in response.content.decode()
    assert _world() == before


def test_checked_file_loads_on_confirm_with_its_token(admin_client):
    token = _checked(admin_client)
    response = admin_client.post(URL, {"confirm": "1", "token": token})
    assert response.status_code == 200 and response.context["applied"]
    assert IMPORT_SESSION_KEY not in admin_client.session


def test_non_admin_is_refused_without_a_server_error(client, editor):
    client.force_login(editor)
    response = client.post(URL, {"file": SimpleUploadedFile("p.yaml", BILLION_LAUGHS.encode())})
    assert response.status_code == 403
