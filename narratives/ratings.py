"""A plan's progress-rating scale for initiative items: ordered keys with labels.

The default is the four-step scale of a typical prefectural 検証票; a plan may define its own
(e.g. 順調／やや遅れ／大幅遅れ) in the admin (narratives.RatingScale). Ratings are stored by key,
so a label can be reworded without touching the entries. No Django here.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_SCALE: tuple[tuple[str, str], ...] = (
    ("A", "計画どおり進んでいる"),
    ("B", "おおむね計画どおり"),
    ("C", "遅れている"),
    ("D", "未着手・見直し"),
)
KEY_MAX = 10
LABEL_MAX = 60
MAX_STEPS = 10


class ScaleError(ValueError):
    pass


@dataclass(frozen=True)
class Rating:
    key: str
    label: str

    def __str__(self) -> str:
        return f"{self.key} {self.label}"


def default_scale_data() -> list[dict[str, str]]:
    """The default scale as stored in the JSON field: [{"key": "A", "label": "…"}, …]."""
    return [{"key": k, "label": label} for k, label in DEFAULT_SCALE]


def parse_scale(data) -> list[Rating]:
    """The stored scale as Ratings, best first. Raises ScaleError on a malformed scale."""
    if not isinstance(data, list) or not 2 <= len(data) <= MAX_STEPS:
        raise ScaleError(f"評価の段階は2～{MAX_STEPS}個の一覧にしてください。")
    ratings: list[Rating] = []
    for entry in data:
        if not isinstance(entry, dict) or set(entry) != {"key", "label"}:
            raise ScaleError('評価の段階は {"key": "A", "label": "…"} の形で書いてください。')
        key, label = entry["key"], entry["label"]
        if not isinstance(key, str) or not isinstance(label, str):
            raise ScaleError("評価の記号と名称は文字列にしてください。")
        key, label = key.strip(), label.strip()
        if not key or len(key) > KEY_MAX or not label or len(label) > LABEL_MAX:
            raise ScaleError(
                f"評価の記号は1～{KEY_MAX}文字、名称は1～{LABEL_MAX}文字にしてください。"
            )
        ratings.append(Rating(key, label))
    if len({r.key for r in ratings}) != len(ratings):
        raise ScaleError("評価の記号が重複しています。")
    return ratings


def label_for(ratings: list[Rating], key: str) -> str:
    """The label of `key` on the scale; the key itself if the scale no longer has it."""
    for r in ratings:
        if r.key == key:
            return r.label
    return key
