"""Path converters for the site's URLs."""

from __future__ import annotations


class IdConverter:
    """`<id:name>`: a positive whole number of at most 9 digits, for database ids, pillar and
    item numbers and report versions.

    Django's `<int:…>` takes any length, and a number past the column's range reaches the
    database as an error (SQLite: OverflowError; PostgreSQL: integer out of range), a 500. No
    id of ours reaches a billion, so a longer number simply matches no page: 404.
    """

    regex = "[0-9]{1,9}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(int(value))
