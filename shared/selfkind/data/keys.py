"""Key layout of the single table. Every item of a user lives under pk = USER#<sub>."""

from __future__ import annotations


def user_pk(user_id: str) -> str:
    return f"USER#{user_id}"


SYNC_HEAD_SK = "SYNC#HEAD"
SYNC_RECORD_PREFIX = "REC#"
SEQ_INDEX = "by_seq"


def record_sk(table: str, record_id: str) -> str:
    return f"{SYNC_RECORD_PREFIX}{table}#{record_id}"
