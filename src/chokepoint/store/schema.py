"""SQLAlchemy 2 schema of the store, generated from the exchange-format columns.

Portable types only (no SQLite-only SQL), so the same schema runs on PostgreSQL.
List columns are stored as JSON text; every table row keeps its position
(``pos``) so a chain loads back in the order it was saved.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    DateTime,
    Double,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from chokepoint.model.schema import TABLES

metadata = MetaData()

migrations_table = Table(
    "chokepoint_migrations",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("applied_at", DateTime(timezone=True), nullable=False),
)

projects = Table(
    "projects",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("meta", Text, nullable=False, default="{}"),
    Column("perspective", Text, nullable=True),
    UniqueConstraint("name", name="uq_projects_name"),
)

_SQL_TYPES = {"str": Text, "float": Double, "int": Integer, "list": Text}


def _chain_table(name: str) -> Table:
    cols = [
        Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
        Column("pos", Integer, primary_key=True, autoincrement=False),
    ]
    for c in TABLES[name]:
        cols.append(Column(f"c_{c.name}", _SQL_TYPES[c.type], nullable=not c.required))
    return Table(f"chain_{name}", metadata, *cols)


chain_tables: dict[str, Table] = {name: _chain_table(name) for name in TABLES}

#: Saved scenarios (migration 002): one JSON body per (project, name).
scenarios = Table(
    "scenarios",
    metadata,
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
    Column("name", String(200), primary_key=True),
    Column("body", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)


#: Joint R&D tasks (migration 003): stable ids, status and partners kept across list runs.
tasks = Table(
    "tasks",
    metadata,
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
    Column("task_id", String(200), primary_key=True),
    Column("node", String(200), nullable=False),
    Column("status", String(40), nullable=False, default="proposed"),
    Column("body", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)


# ----------------------------------------------------------------- monitoring (migration 004)
users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("role", String(20), nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("disabled", Integer, nullable=False, default=0),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

bindings = Table(
    "user_bindings",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
    Column("actor", String(200), primary_key=True),
)

observations = Table(
    "observations",
    metadata,
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
    Column("indicator", String(100), primary_key=True),
    Column("entity", String(400), primary_key=True),
    Column("period", String(7), primary_key=True),
    Column("entity_type", String(40), nullable=False),
    Column("value", Double, nullable=False),
    Column("reporter", String(200), nullable=False),
    Column("submitted_at", DateTime(timezone=True), nullable=False),
)

observation_history = Table(
    "observation_history",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("indicator", String(100), nullable=False),
    Column("entity", String(400), nullable=False),
    Column("period", String(7), nullable=False),
    Column("old_value", Double, nullable=True),
    Column("new_value", Double, nullable=False),
    Column("changed_by", String(200), nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False),
)

rules = Table(
    "rules",
    metadata,
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
    Column("rule_id", String(200), primary_key=True),
    Column("body", Text, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

rule_history = Table(
    "rule_history",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("rule_id", String(200), nullable=False),
    Column("action", String(20), nullable=False),
    Column("body", Text, nullable=True),
    Column("changed_by", String(200), nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False),
)

alerts = Table(
    "alerts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("key", String(600), nullable=False),
    Column("rule_id", String(200), nullable=False),
    Column("entity_type", String(40), nullable=False),
    Column("entity", String(400), nullable=False),
    Column("level", String(4), nullable=False),
    # the level before the run that last updated it (null until a later run updates the alert)
    Column("level_before", String(4), nullable=True),
    Column("status", String(20), nullable=False),
    Column("values", Text, nullable=False),
    Column("message_en", Text, nullable=False),
    Column("message_zh", Text, nullable=False),
    Column("opened_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("acknowledged_by", String(200), nullable=True),
    Column("acknowledged_at", DateTime(timezone=True), nullable=True),
    Column("resolved_by", String(200), nullable=True),
    Column("resolved_at", DateTime(timezone=True), nullable=True),
)

snapshots = Table(
    "snapshots",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("as_of", String(7), nullable=False),
    Column("perspective", Text, nullable=False),
    Column("body", Text, nullable=False),
)

MONITORING_TABLES = [
    users,
    bindings,
    observations,
    observation_history,
    rules,
    rule_history,
    alerts,
    snapshots,
]


# ---------------------------------------------------------------------- API (migration 005)
api_tokens = Table(
    "api_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)

login_failures = Table(
    "login_failures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(200), nullable=False, index=True),
    Column("address", String(100), nullable=False, index=True),
    Column("at", DateTime(timezone=True), nullable=False),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("user", String(200), nullable=False),
    Column("method", String(10), nullable=False),
    Column("path", Text, nullable=False),
    Column("status", Integer, nullable=False),
    Column("action", String(200), nullable=False),
    Column("before", Text, nullable=True),
    Column("after", Text, nullable=True),
)


#: Named input-output systems (migration 006): the arrays as a compressed numpy archive.
io_datasets = Table(
    "io_datasets",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("title", Text, nullable=False),
    Column("n", Integer, nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)


#: Named trade-flow datasets (migration 007): the long flow table as Parquet.
trade_datasets = Table(
    "trade_datasets",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("layout", String(40), nullable=False),
    Column("rows", Integer, nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)


#: Challenges, capability profiles and bids (migration 008), one JSON body per record.
match_records = Table(
    "match_records",
    metadata,
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
    Column("kind", String(20), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("body", Text, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)


#: Expert judgement (migration 009): one row per (project, expert, node), with who imported it and when.
expert_scores = Table(
    "expert_scores",
    metadata,
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
    Column("expert", String(200), primary_key=True),
    Column("node", String(200), primary_key=True),
    Column("organization", Text, nullable=True),
    Column("gap", Double, nullable=True),
    Column("threshold", Double, nullable=True),
    Column("substitutability", Double, nullable=True),
    Column("gap_years", Double, nullable=True),
    Column("comment", Text, nullable=True),
    Column("source", Text, nullable=False),
    Column("imported_by", String(200), nullable=False),
    Column("scored_at", DateTime(timezone=True), nullable=False),
)


#: Raw-materials datasets (migration 010): production, trade, commodity map and WGI, one zip of Parquet.
materials_datasets = Table(
    "materials_datasets",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("commodities", Integer, nullable=False),
    Column("trade_rows", Integer, nullable=False),
    Column("years", String(40), nullable=False),
    Column("notes", Text, nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)


#: The tamper-evident log of each project (migration 013): one row per appended record, each
#: carrying the hash of the one before it (``chokepoint.ledger``); never updated or deleted.
ledger_entries = Table(
    "ledger_entries",
    metadata,
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("at", String(40), nullable=False),  # ISO 8601 text: hashed exactly as stored
    Column("user", String(200), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("key", String(400), nullable=False),
    Column("body", Text, nullable=False),  # canonical JSON
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Column("mac", String(64), nullable=True),
)

#: Cities, districts and parks below the ISO 3166-2 provinces (migration 015), shared by the
#: projects of the store; one row per code.
regions = Table(
    "regions",
    metadata,
    Column("code", String(80), primary_key=True),
    Column("name", String(400), nullable=False),
    Column("name_zh", String(400), nullable=False, default=""),
    Column("level", String(20), nullable=False),
    Column("parent", String(80), nullable=False),
    Column("park_type", String(80), nullable=False, default=""),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

#: Indicator values of regions and parks (migration 015): one value per (dataset, region,
#: indicator), with its unit, period and source.
region_values = Table(
    "region_values",
    metadata,
    Column("dataset", String(200), primary_key=True),
    Column("region", String(80), primary_key=True),
    Column("indicator", String(200), primary_key=True),
    Column("value", Double, nullable=False),
    Column("unit", String(80), nullable=False, default=""),
    Column("period", String(20), nullable=False, default=""),
    Column("source", String(400), nullable=False, default=""),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

#: Indicator systems (评价指标体系, migration 015): every version kept, the body as JSON.
indicator_systems = Table(
    "indicator_systems",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("body", Text, nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# ----------------------------------------------------------- the reporting network (migration 016)
#: The organisation unit of a user (a country code for the national level, else a region code).
user_units = Table(
    "user_units",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("unit", String(80), nullable=False),
    Column("assigned_at", DateTime(timezone=True), nullable=False),
)

#: Data sets of a project (reporting cycles): the body as JSON (monitor.reporting.DataSet).
data_sets = Table(
    "data_sets",
    metadata,
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
    Column("name", String(80), primary_key=True),
    Column("body", Text, nullable=False),
    Column("updated_by", String(200), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

#: One enterprise's report of a data set for a period, its state and review.
data_reports = Table(
    "data_reports",
    metadata,
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
    Column("data_set", String(80), primary_key=True),
    Column("enterprise", String(200), primary_key=True),
    Column("period", String(7), primary_key=True),
    Column("state", String(20), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("first_submitted_at", DateTime(timezone=True), nullable=True),
    Column("submitted_at", DateTime(timezone=True), nullable=False),
    Column("submitted_by", String(200), nullable=False),
    Column("reviewed_by", String(200), nullable=True),
    Column("reviewed_at", DateTime(timezone=True), nullable=True),
    Column("comment", Text, nullable=False, default=""),
    Column("bundled_revision", Integer, nullable=True),
)

#: Every step of every report (submit, approve, query, return): who, at which unit, why.
report_steps = Table(
    "report_steps",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("data_set", String(80), nullable=False),
    Column("enterprise", String(200), nullable=False),
    Column("period", String(7), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("action", String(20), nullable=False),
    Column("by", String(200), nullable=False),
    Column("unit", String(80), nullable=False, default=""),
    Column("comment", Text, nullable=False, default=""),
    Column("at", DateTime(timezone=True), nullable=False),
)

#: In-app notifications (reminders, returned reports, decisions), per user.
notifications = Table(
    "notifications",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user", String(200), nullable=False, index=True),
    Column("kind", String(40), nullable=False),
    Column("message_en", Text, nullable=False),
    Column("message_zh", Text, nullable=False),
    Column("body", Text, nullable=False, default="{}"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("read_at", DateTime(timezone=True), nullable=True),
)

#: This instance's identity and policy (name, unit, Ed25519 private key, upward policy).
network_settings = Table(
    "network_settings",
    metadata,
    Column("key", String(80), primary_key=True),
    Column("value", Text, nullable=False),
)

#: Registered instances: senders below (their public key) and the receiver above.
peers = Table(
    "peers",
    metadata,
    Column("name", String(80), primary_key=True),
    Column("role", String(10), nullable=False),
    Column("unit", String(80), nullable=False),
    Column("public_key", Text, nullable=False),
    Column("url", Text, nullable=False, default=""),
    Column("registered_by", String(200), nullable=False),
    Column("registered_at", DateTime(timezone=True), nullable=False),
)

#: Signed bundles prepared for the receiver, in sequence; acknowledged once it merged them.
outbox = Table(
    "outbox",
    metadata,
    Column("receiver", String(80), primary_key=True),
    Column("sequence", Integer, primary_key=True, autoincrement=False),
    Column("records", Integer, nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("acked_at", DateTime(timezone=True), nullable=True),
)

#: Bundles merged from each sender: the sequence, digest and when (idempotence, resumption).
inbox = Table(
    "inbox",
    metadata,
    Column("sender", String(80), primary_key=True),
    Column("sequence", Integer, primary_key=True, autoincrement=False),
    Column("digest", String(64), nullable=False),
    Column("records", Integer, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
)

#: Reviewed values received from each sender: an enterprise's (raw) or a unit's sum (aggregate,
#: enterprise blank, ``count`` enterprises).
network_values = Table(
    "network_values",
    metadata,
    Column("sender", String(80), primary_key=True),
    Column("data_set", String(300), primary_key=True),
    Column("unit", String(80), primary_key=True),
    Column("enterprise", String(400), primary_key=True),
    Column("period", String(7), primary_key=True),
    Column("indicator", String(100), primary_key=True),
    Column("value", Double, nullable=False),
    Column("count", Integer, nullable=False),
    Column("revision", Integer, nullable=False),
    Column("sequence", Integer, nullable=False),
)

#: Reporting rates of each sender's units, as of its last bundle.
network_rates = Table(
    "network_rates",
    metadata,
    Column("sender", String(80), primary_key=True),
    Column("data_set", String(300), primary_key=True),
    Column("unit", String(80), primary_key=True),
    Column("period", String(7), primary_key=True),
    Column("expected", Integer, nullable=False),
    Column("submitted", Integer, nullable=False),
    Column("on_time", Integer, nullable=False),
    Column("approved", Integer, nullable=False),
    Column("as_of", DateTime(timezone=True), nullable=False),
)

#: Open alerts of each sender, as of its last bundle (counts by level roll up the hierarchy).
network_alerts = Table(
    "network_alerts",
    metadata,
    Column("sender", String(80), primary_key=True),
    Column("project", String(200), primary_key=True),
    Column("alert_id", Integer, primary_key=True, autoincrement=False),
    Column("unit", String(80), nullable=False),
    Column("level", String(4), nullable=False),
    Column("entity", String(400), nullable=False),
    Column("message_en", Text, nullable=False),
    Column("message_zh", Text, nullable=False),
    Column("as_of", DateTime(timezone=True), nullable=False),
)

#: Chokepoints (level I and II technologies) each sender's assessment finds, as of its last bundle.
network_chokepoints = Table(
    "network_chokepoints",
    metadata,
    Column("sender", String(80), primary_key=True),
    Column("project", String(200), primary_key=True),
    Column("node", String(200), primary_key=True),
    Column("name", Text, nullable=False),
    Column("name_zh", Text, nullable=False),
    Column("level", String(4), nullable=False),
    Column("score", Double, nullable=False),
    Column("as_of", DateTime(timezone=True), nullable=False),
)

#: Escalations of alerts up the hierarchy (决策协同) and the decision taken on each.
escalations = Table(
    "escalations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("origin", String(80), nullable=False, default=""),
    Column("origin_id", Integer, nullable=True),
    Column("project", String(200), nullable=False),
    Column("alert_id", Integer, nullable=False),
    Column("alert", Text, nullable=False),
    Column("from_unit", String(80), nullable=False),
    Column("to_unit", String(80), nullable=False),
    Column("raised_by", String(200), nullable=False),
    Column("raised_at", DateTime(timezone=True), nullable=False),
    Column("reason", Text, nullable=False),
    Column("state", String(20), nullable=False),
    Column("decision", Text, nullable=False, default=""),
    Column("decided_by", String(200), nullable=False, default=""),
    Column("decided_at", DateTime(timezone=True), nullable=True),
    Column("why", Text, nullable=False, default=""),
    UniqueConstraint("origin", "origin_id", name="uq_escalation_origin"),
)

NETWORK_TABLES = [
    user_units, data_sets, data_reports, report_steps, notifications, network_settings, peers,
    outbox, inbox, network_values, network_rates, network_alerts, network_chokepoints, escalations,
]  # fmt: skip
