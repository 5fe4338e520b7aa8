"""The anonymous side: sealed answers of open rounds, aggregate counters, comments, participation.

Rules 1 and 2 of the design are enforced by the shape of these tables: no user id, no
conversation id, no timestamp; rows that exist once per answer have random keys and are stored
in key order (`WITHOUT ROWID` on SQLite), so neither an id nor the physical order of the rows
tells who came first. Rule 10 by when they are written: while a round is open only
`staged_answers` (sealed, storage/anonymity/seal.py), `participation` and `round_responses` change;
the counters and comments are written when the round closes, all at once, in key order
(storage/rounds/tally.py).
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.tables.directory import Base

KEY_ORDERED = {"sqlite_with_rowid": False}


class AnswerCount(Base):
    """round × item × value → how many chose it. Counters, never answers."""

    __tablename__ = "answer_counts"

    round_id: Mapped[str] = mapped_column(
        ForeignKey("pulse_rounds.id", ondelete="CASCADE"), primary_key=True
    )
    item_id: Mapped[str] = mapped_column(String(20), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, primary_key=True)
    count: Mapped[int] = mapped_column(Integer)

    __table_args__ = KEY_ORDERED


class RoundResponses(Base):
    """How many people answered a round: the number k is checked against."""

    __tablename__ = "round_responses"

    round_id: Mapped[str] = mapped_column(
        ForeignKey("pulse_rounds.id", ondelete="CASCADE"), primary_key=True
    )
    responses: Mapped[int] = mapped_column(Integer)

    __table_args__ = KEY_ORDERED


class AnonymousComment(Base):
    """A free-text comment: round and text only, under a random key."""

    __tablename__ = "anonymous_comments"

    round_id: Mapped[str] = mapped_column(
        ForeignKey("pulse_rounds.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    text: Mapped[str] = mapped_column(Text)

    __table_args__ = KEY_ORDERED


class Participation(Base):
    """HMAC(secret, round ∥ user): refuses a second answer and targets reminders; deleted at close."""

    __tablename__ = "participation"

    round_id: Mapped[str] = mapped_column(
        ForeignKey("pulse_rounds.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(64), primary_key=True)

    __table_args__ = KEY_ORDERED


class StagedAnswer(Base):
    """One submission to an open round, sealed whole (values and comment), under a random key.

    Every blob has the same length; deleted when the round closes, in the transaction that counts it.
    """

    __tablename__ = "staged_answers"

    round_id: Mapped[str] = mapped_column(
        ForeignKey("pulse_rounds.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)

    __table_args__ = KEY_ORDERED


class RoundKey(Base):
    """The random salt of an open round's sealing key; deleted at close, so that what a file still
    holds of the round's sealed answers can never be opened again, not even with the secret."""

    __tablename__ = "round_keys"

    round_id: Mapped[str] = mapped_column(
        ForeignKey("pulse_rounds.id", ondelete="CASCADE"), primary_key=True
    )
    salt: Mapped[bytes] = mapped_column(LargeBinary)

    __table_args__ = KEY_ORDERED


class FileRewrite(Base):
    """A round closed whose old rows the database files may still hold: the rewrite
    (storage/db/file_rewrite.py) is due. Written by the closing transaction, deleted after the
    rewrite, so a crash in between only means the rewrite runs again."""

    __tablename__ = "file_rewrites"

    round_id: Mapped[str] = mapped_column(
        ForeignKey("pulse_rounds.id", ondelete="CASCADE"), primary_key=True
    )

    __table_args__ = KEY_ORDERED
