"""The review flow of a narrative (initiative progress, KPI commentary), as a plain table.

    draft ──submit──▶ submitted ──approve──▶ approved
      ▲                  │  │                    │
      └──────return──────┘  └──withdraw──▶ draft │
      └───────────────────save (reopens)─────────┘

A return sends the entry back to draft with the reviewer's comment kept, so the board shows it
as 返却 until it is submitted again. Editing an approved entry makes it a draft again; the
public keeps seeing the last approved text (read from the history) until the new one is approved.
Who may take an action is the actor: "writer" (an editor of an owning department, or an admin)
or "reviewer" (a 承認者 of the answering department, or an admin). No Django here.
"""

from __future__ import annotations

from dataclasses import dataclass

DRAFT = "draft"
SUBMITTED = "submitted"
APPROVED = "approved"
STATES = (DRAFT, SUBMITTED, APPROVED)

# How the status board sorts entries; "returned" is a draft that carries a return comment.
MISSING = "missing"
RETURNED = "returned"
BOARD_COLUMNS = (MISSING, DRAFT, SUBMITTED, RETURNED, APPROVED)

SAVE = "save"
SUBMIT = "submit"
WITHDRAW = "withdraw"
APPROVE = "approve"
RETURN = "return"

WRITER = "writer"
REVIEWER = "reviewer"


@dataclass(frozen=True)
class Transition:
    source: str
    action: str
    target: str
    actor: str  # WRITER or REVIEWER
    change_reason: str  # what the history row says


TRANSITIONS: tuple[Transition, ...] = (
    Transition(DRAFT, SAVE, DRAFT, WRITER, "下書き保存"),
    Transition(DRAFT, SUBMIT, SUBMITTED, WRITER, "提出"),
    Transition(SUBMITTED, WITHDRAW, DRAFT, WRITER, "提出の取り下げ"),
    Transition(SUBMITTED, APPROVE, APPROVED, REVIEWER, "承認"),
    Transition(SUBMITTED, RETURN, DRAFT, REVIEWER, "差し戻し"),
    Transition(APPROVED, SAVE, DRAFT, WRITER, "承認後の修正（下書きに戻す）"),
    Transition(APPROVED, SUBMIT, SUBMITTED, WRITER, "承認後の修正を提出"),
)
_BY_KEY = {(t.source, t.action): t for t in TRANSITIONS}


class TransitionError(Exception):
    """The action is not possible from the entry's current state."""


def transition(state: str, action: str) -> Transition:
    """The transition for `action` from `state`; TransitionError if there is none."""
    try:
        return _BY_KEY[(state, action)]
    except KeyError:
        raise TransitionError(f"{state} → {action}") from None


def actions_from(state: str, actor: str) -> list[str]:
    """The actions `actor` may take from `state`, in table order."""
    return [t.action for t in TRANSITIONS if t.source == state and t.actor == actor]


def board_column(state: str | None, review_comment: str = "") -> str:
    """Where an entry sits on the status board: missing, draft, submitted, returned, approved."""
    if state is None:
        return MISSING
    if state == DRAFT and review_comment:
        return RETURNED
    return state
