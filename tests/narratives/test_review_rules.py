"""The review table and the rating scale: plain rules, no database."""

import pytest

from narratives import ratings, review


def test_every_state_is_reached_only_through_the_table():
    targets = {t.target for t in review.TRANSITIONS}
    assert targets <= set(review.STATES)
    assert review.transition("draft", "submit").target == "submitted"
    assert review.transition("submitted", "approve").target == "approved"
    assert review.transition("submitted", "return").target == "draft"


@pytest.mark.parametrize(
    ("state", "action"),
    [("draft", "approve"), ("draft", "return"), ("approved", "approve"), ("submitted", "save")],
)
def test_impossible_steps_are_refused(state, action):
    with pytest.raises(review.TransitionError):
        review.transition(state, action)


def test_writers_never_approve_and_reviewers_never_write():
    for state in review.STATES:
        assert review.APPROVE not in review.actions_from(state, review.WRITER)
        assert review.RETURN not in review.actions_from(state, review.WRITER)
        assert review.SAVE not in review.actions_from(state, review.REVIEWER)
        assert review.SUBMIT not in review.actions_from(state, review.REVIEWER)


def test_a_draft_with_a_return_comment_is_shown_as_returned():
    assert review.board_column(None) == "missing"
    assert review.board_column("draft") == "draft"
    assert review.board_column("draft", "数値を追記してください") == "returned"
    assert review.board_column("submitted", "数値を追記してください") == "submitted"
    assert review.board_column("approved") == "approved"


def test_the_default_scale_is_a_to_d():
    scale = ratings.parse_scale(ratings.default_scale_data())
    assert [(r.key, r.label) for r in scale] == [
        ("A", "計画どおり進んでいる"),
        ("B", "おおむね計画どおり"),
        ("C", "遅れている"),
        ("D", "未着手・見直し"),
    ]


@pytest.mark.parametrize(
    "data",
    [
        [],
        [{"key": "A", "label": "順調"}],
        [{"key": "A", "label": "順調"}, {"key": "A", "label": "遅れ"}],
        [{"key": "", "label": "順調"}, {"key": "B", "label": "遅れ"}],
        [{"key": "A", "label": "順調"}, {"key": "B"}],
        [{"key": 1, "label": "順調"}, {"key": "B", "label": "遅れ"}],
        {"A": "順調"},
        [{"key": "A" * 11, "label": "順調"}, {"key": "B", "label": "遅れ"}],
    ],
)
def test_malformed_scales_are_refused(data):
    with pytest.raises(ratings.ScaleError):
        ratings.parse_scale(data)


def test_a_plan_may_define_a_three_step_scale():
    scale = ratings.parse_scale(
        [
            {"key": "順調", "label": "順調"},
            {"key": "やや遅れ", "label": "やや遅れ"},
            {"key": "大幅遅れ", "label": "大幅遅れ"},
        ]
    )
    assert ratings.label_for(scale, "やや遅れ") == "やや遅れ"
    assert ratings.label_for(scale, "gone") == "gone"
