"""The one place a view of results in the tab is written to the audit log (storage/privacy/audit.py).

Called once per view, after the figures were read and before they are returned: a view that
cannot be recorded is not shown (the handler fails). The row names the viewer (their Entra ID
object id, from the token), what they saw and of which unit and month; nothing about answers.
The MED document is recorded by the exporter itself (bot/documents/export.py), like its other doors.
"""

from __future__ import annotations

from typing import Literal

from bot.tab.sso import TabIdentity
from storage.privacy.audit import AuditLog, AuditWhat, Via

TabView = Literal["heatmap", "unit", "results_csv"]
_WHAT: dict[str, AuditWhat] = {
    "heatmap": AuditWhat.HEATMAP,
    "unit": AuditWhat.UNIT_PAGE,
    "results_csv": AuditWhat.RESULTS_EXPORT,
}


async def record_tab_view(
    audit: AuditLog,
    viewer: TabIdentity,
    view: TabView,
    unit_id: str | None,
    period: str | None,
) -> None:
    """`viewer` saw `view` of `unit_id` (None: the viewer's top units) for `period` (None: every
    month the view shows)."""
    await audit.record(
        viewer.aad_object_id,
        unit_id,
        _WHAT[view],
        "csv" if view == "results_csv" else "",
        via=Via.TAB,
        period=period,
    )
