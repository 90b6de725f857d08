"""The alerts block of the run's HTML report (``optimizer.report``): one table of the account's alerts.

``alerts_html(alerts, language)`` renders stored alerts (``optimizer.store.Alert``)
or, on a dry run, the day's findings (``Finding``: no id, state or first seen)
as a heading and a table in the ``[ui] language``; no alerts is one line
saying so, so the section is always there to look for.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from optimizer.alerts.texts import evidence_lines, kind_name, lang_of
from optimizer.i18n import t

__all__ = ["alerts_html"]


def _cells(alert: Any, lang: str) -> list[str]:
    state = getattr(alert, "state", None)
    first = getattr(alert, "first_seen", None)
    return [
        f"#{alert.id}" if getattr(alert, "id", None) is not None else "",
        kind_name(alert.kind, lang),
        f"{alert.campaign_name} ({alert.campaign_id})" if alert.campaign_name else str(alert.campaign_id),
        str(alert.data_date or ""),
        t(f"alerts.state_{state}", lang=lang) if state else "",
        f"{first:%Y-%m-%d %H:%M} UTC" if first is not None else "",
        "; ".join(evidence_lines(alert.evidence, lang)),
    ]


def alerts_html(alerts: Sequence[Any], language: str | None = None) -> str:
    """``<h2>`` + a table of ``alerts`` (critical first, then by campaign), or a line saying there are none.

    ``language``: default the current one (``optimizer.i18n.use_language``)."""
    from optimizer.i18n import current_language

    lang = lang_of(language or current_language())
    esc = html.escape
    head = f'<h2 id="alerts">{esc(t("alerts.report_head", lang=lang))}</h2>'
    if not alerts:
        return f"{head}<p>{esc(t('alerts.report_none', lang=lang))}</p>"
    ordered = sorted(alerts, key=lambda a: (a.severity != "critical", str(a.campaign_id), a.kind))
    columns = "".join(f"<th>{esc(c)}</th>" for c in t("alerts.report_columns", lang=lang).split("|"))
    rows = "".join(
        f'<tr class="{esc(a.severity)}">' + "".join(f"<td>{esc(c)}</td>" for c in _cells(a, lang)) + "</tr>"
        for a in ordered
    )
    return f'{head}<table class="alerts"><tr>{columns}</tr>{rows}</table>'
