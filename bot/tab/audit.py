"""Where a view of results in the tab would be written to the audit log of result views.

The audit log is being built in parallel (its own issue); until it lands, a view is logged as one
structured line that names what was viewed, never who (the log is not the audit log's store).
"""

from __future__ import annotations

import logging

from bot.tab.sso import TabIdentity

log = logging.getLogger(__name__)


async def record_tab_view(
    viewer: TabIdentity, view: str, unit_id: str | None, period: str | None
) -> None:
    """THE place where the tab records that `viewer` saw `view` ("heatmap", "unit",
    "results_csv") of `unit_id` (None: the viewer's top units) for `period` (None: all months
    the view shows). Called once per successful view, after the figures were read."""
    log.info("tab.view", extra={"view": view, "unit": unit_id, "period": period})
