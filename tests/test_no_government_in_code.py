"""Nothing specific to one government lives in code or templates: it comes from its plan data.

Site name, header, report cover and committee come from the plan or from settings; only the
fixtures (the plans themselves), the tests and the translations may name a government.
"""

import re
import subprocess

import pytest

from tests.conftest import ROOT

# The words of the one plan we started with; any of them in code means code written for it.
# (The demo command names the demo plan's fixture by its lower-case slug, which is data.)
GOVERNMENT_WORDS = re.compile(r"北海道|Smart道庁|Society\s*5\.0|Hokkaido")
ALLOWED_TOP = {"fixtures", "tests", "locale", "README.md", "bench"}
CHECKED_SUFFIXES = {".py", ".html", ".js", ".css", ".txt", ".toml", ".cfg", ".sh", ".service"}


def _tracked_files():
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    for name in listed:
        path = ROOT / name
        if name.split("/", 1)[0] in ALLOWED_TOP or not path.is_file():
            continue
        if path.suffix in CHECKED_SUFFIXES or name.startswith("deploy/"):
            yield name, path


def test_the_check_sees_templates_and_code():
    names = [name for name, _ in _tracked_files()]
    assert "templates/base.html" in names and "kpi/progress.py" in names


@pytest.mark.parametrize("word", ["北海道", "Smart道庁", "Society5.0", "Society 5.0", "Hokkaido"])
def test_the_pattern_catches_each_word(word):
    assert GOVERNMENT_WORDS.search(f"x {word} y")


def test_no_government_is_named_outside_fixtures_tests_and_translations():
    found = []
    for name, path in _tracked_files():
        text = path.read_text(encoding="utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), 1):
            if GOVERNMENT_WORDS.search(line):
                found.append(f"{name}:{number}: {line.strip()[:80]}")
    assert found == []
