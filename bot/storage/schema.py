"""The tables as the repositories query them.

Lightweight ``table()``/``column()`` clauses: enough for SQLAlchemy to build portable
statements, while the DDL itself (keys, indexes, constraints) lives in the migrations,
the one place a schema change is written. Columns carry their type all the same (``#``
marks an integer): asyncpg casts each parameter to its type, and a Telegram id passed
as a plain ``INTEGER`` would overflow.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, TableClause, Text, column, table

__all__ = [
    "bookings",
    "broadcasts",
    "inbox",
    "join_claims",
    "oauth_states",
    "outbox",
    "processed_updates",
    "rate_windows",
    "slot_watchers",
    "slot_watches",
    "ptb_chat_data",
    "ptb_conversations",
    "ptb_singletons",
    "ptb_user_data",
    "subscriptions",
    "ticket_notices",
    "tickets",
    "users",
    "vendor_refs",
    "vendor_tokens",
]


def _t(name: str, columns: str) -> TableClause:
    return table(
        name,
        *(
            column(c.rstrip("#"), BigInteger() if c.endswith("#") else Text())
            for c in columns.split()
        ),
    )


users = _t("users", "telegram_id# language role blocked_bot# created_at seen_at")
vendor_tokens = _t("vendor_tokens", "vendor owner kind ciphertext expires_at updated_at")
bookings = _t(
    "bookings",
    "id# vendor external_id owner# site_id site_name service_id service_name label start_utc"
    " end_utc timezone state price details idempotency_key created_at updated_at",
)
tickets = _t(
    "tickets",
    "id# vendor external_id owner# site_id site_name number state desk card_chat_id#"
    " card_message_id# card_hash created_at updated_at",
)
ticket_notices = _t("ticket_notices", "ticket_id# notice sent_at")
oauth_states = _t("oauth_states", "state telegram_id# vendor code_verifier expires_at created_at")
subscriptions = _t(
    "subscriptions", "vendor scope external_id url secret expires_at created_at updated_at"
)
broadcasts = _t(
    "broadcasts",
    "id# author# text audience photo paid# state progress_chat_id# progress_message_id# created_at",
)
outbox = _t(
    "outbox",
    "id# key chat_id# kind priority# batch payload due_at state lease_owner lease_until attempts#"
    " error created_at updated_at sent_at",
)
processed_updates = _t("processed_updates", "update_id# processed_at")
inbox = _t("inbox", "update_id# body attempts# received_at")
ptb_user_data = _t("ptb_user_data", "user_id# data")
ptb_chat_data = _t("ptb_chat_data", "chat_id# data")
ptb_singletons = _t("ptb_singletons", "name data")
ptb_conversations = _t("ptb_conversations", "name key state")
vendor_refs = _t("vendor_refs", "vendor owner ref_id data created_at")
join_claims = _t("join_claims", "claim_key vendor owner# site_id site_name request created_at")
rate_windows = _t("rate_windows", "key window_start# used#")
slot_watches = _t(
    "slot_watches",
    "id# vendor site_id service_id day site service timezone interval_ms# check_at created_at",
)
slot_watchers = _t(
    "slot_watchers", "watch_id# telegram_id# language round# created_at notified_at"
)
