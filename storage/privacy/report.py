"""`trivselsbot privacy report`: which personal data the database holds and why, from the live
schema, the classification in storage/privacy/catalog.py and row counts."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import func, inspect, select, table
from sqlalchemy.engine import Connection

from storage.db.engine import SessionFactory
from storage.privacy.catalog import CATALOG, KIND_TITLES, LABELS, Kind
from storage.privacy.retention import RetentionPolicy


class ColumnNote(BaseModel):
    model_config = ConfigDict(frozen=True)

    column: str
    meaning: str


class TableReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    table: str
    kind: Kind | None  # None: the table is not classified
    rows: int
    purpose: str
    retention: str
    personal_columns: list[ColumnNote]
    unclassified_columns: list[str]


class PrivacyReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    language: str
    database: str
    tables: list[TableReport]
    missing_tables: list[str]  # classified but not in the database (an outdated classification)

    @property
    def complete(self) -> bool:
        """Every table and column in the database is classified, and nothing classified is gone."""
        return not self.missing_tables and all(
            t.kind is not None and not t.unclassified_columns for t in self.tables
        )


def _schema(connection: Connection) -> dict[str, list[str]]:
    inspector = inspect(connection)
    return {
        name: [column["name"] for column in inspector.get_columns(name)]
        for name in inspector.get_table_names()
    }


async def live_schema(factory: SessionFactory) -> dict[str, list[str]]:
    """Tables and their columns as the database has them (not as the models say)."""
    async with factory() as session:
        connection = await session.connection()
        return await connection.run_sync(_schema)


async def privacy_report(
    factory: SessionFactory, policy: RetentionPolicy, language: str = "da"
) -> PrivacyReport:
    schema = await live_schema(factory)
    values: dict[str, Any] = {
        "years": policy.years,
        "grace_hours": int(policy.participation_grace.total_seconds() // 3600),
        "delivery_days": policy.delivery_days,
        "audit_days": policy.audit_days,
    }
    tables: list[TableReport] = []
    async with factory() as session:
        database = session.get_bind().dialect.name
        for name in sorted(schema):
            rows = int(await session.scalar(select(func.count()).select_from(table(name))) or 0)
            entry = CATALOG.get(name)
            if entry is None:
                tables.append(
                    TableReport(
                        table=name,
                        kind=None,
                        rows=rows,
                        purpose=LABELS["unclassified"].get(language),
                        retention="",
                        personal_columns=[],
                        unclassified_columns=schema[name],
                    )
                )
                continue
            known = set(entry.personal) | set(entry.other)
            tables.append(
                TableReport(
                    table=name,
                    kind=entry.kind,
                    rows=rows,
                    purpose=entry.purpose.get(language),
                    retention=entry.retention.get(language).format(**values),
                    personal_columns=[
                        ColumnNote(column=column, meaning=meaning.get(language))
                        for column, meaning in entry.personal.items()
                        if column in schema[name]
                    ],
                    unclassified_columns=[c for c in schema[name] if c not in known],
                )
            )
    return PrivacyReport(
        language=language,
        database=database,
        tables=tables,
        missing_tables=sorted(set(CATALOG) - set(schema)),
    )


def render_text(report: PrivacyReport) -> str:
    """Plain text for a terminal or a file a DPO can read; grouped by kind, personal data first."""
    language = report.language

    def label(key: str) -> str:
        return LABELS[key].get(language)

    lines = [label("title"), "", label("intro").format(database=report.database), ""]
    groups: list[tuple[str, list[TableReport]]] = [
        (KIND_TITLES[kind].get(language), [t for t in report.tables if t.kind is kind])
        for kind in Kind
    ]
    groups.append((label("unclassified"), [t for t in report.tables if t.kind is None]))
    for title, tables in groups:
        if not tables:
            continue
        lines += [f"== {title} ==", ""]
        for entry in tables:
            lines.append(f"{entry.table} ({entry.rows} {label('rows')})")
            lines.append(f"  {label('purpose')}: {entry.purpose}")
            if entry.retention:
                lines.append(f"  {label('retention')}: {entry.retention}")
            if entry.kind in (Kind.PERSONAL, Kind.PSEUDONYMOUS):
                lines.append(f"  {label('personal')}:")
                lines += [f"    - {n.column}: {n.meaning}" for n in entry.personal_columns]
            if entry.unclassified_columns:
                columns = ", ".join(entry.unclassified_columns)
                lines.append(f"  {label('unclassified')}: {columns}")
            lines.append("")
    for name in report.missing_tables:
        lines.append(f"? {name}: classified, but not in the database")
    return "\n".join(lines).rstrip() + "\n"
