"""``GET /_sandbox/vouchers``: the sandbox's vouchers and their state, for people trying the demo
shop (an HTML page), and ``GET /_sandbox/sessions``, the same as JSON for scripts."""

from __future__ import annotations

from datetime import datetime
from html import escape
from typing import Any

from .state import CouponSession, SandboxState
from .wire import SESSION_URL_BASE, moment

_STYLE = """
body { font: 15px/1.4 system-ui, sans-serif; margin: 2rem; color: #222; }
table { border-collapse: collapse; }
th, td { border-bottom: 1px solid #ddd; padding: .4rem .8rem; text-align: left; }
code { font-size: 1.05em; }
.claimed { color: #176f2c; } .locked { color: #a15c00; }
.validated, .voided, .expired { color: #8a1c1c; }
"""


def session_row(session: CouponSession, now: datetime) -> dict[str, Any]:
    """One session as the page and ``/_sandbox/sessions`` show it."""
    return {
        "session": session.session,
        "url": session.url(SESSION_URL_BASE),
        "campaign": session.campaign.code,
        "campaign_id": session.campaign.id,
        "title": session.campaign.title,
        "value": session.value,
        "custom": dict(session.custom),
        "state": session.state(now),
        "locked_by": session.locked_by or "",
        "validation_date_utc": moment(session.validated),
        "money_spent": "" if session.money_spent is None else f"{session.money_spent:.3f}",
        "expiration_date": moment(session.expiration),
        "note": session.note,
    }


def session_rows(state: SandboxState, now: datetime) -> list[dict[str, Any]]:
    with state.lock:
        return [session_row(session, now) for session in state.sessions.values()]


def _value(row: dict[str, Any]) -> str:
    if row["value"]:
        return escape(row["value"])
    return escape(", ".join(f"{k}: {v}" for k, v in row["custom"].items()))


def vouchers_page(state: SandboxState, now: datetime) -> str:
    rows = session_rows(state, now)
    body = "\n".join(
        "<tr>"
        f"<td><code>{escape(row['session'])}</code></td>"
        f"<td>{escape(row['title'])}<br><small>{escape(row['campaign_id'])}</small></td>"
        f"<td>{_value(row)}</td>"
        f'<td class="{escape(row["state"])}">{escape(row["state"])}'
        + (f"<br><small>by {escape(row['locked_by'])}</small>" if row["locked_by"] else "")
        + "</td>"
        f"<td>{escape(row['validation_date_utc'])}"
        + (f"<br><small>{escape(row['money_spent'])} spent</small>" if row["money_spent"] else "")
        + "</td>"
        f"<td>{escape(row['expiration_date'])}</td>"
        f"<td>{escape(row['note'])}<br><small>{escape(row['url'])}</small></td>"
        "</tr>"
        for row in rows
    )
    return f"""<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Coupontools sandbox: vouchers</title>
<style>{_STYLE}</style></head>
<body>
<h1>Coupontools sandbox: {escape(state.company)}</h1>
<p>The vouchers this sandbox knows, and their state at {escape(moment(now))} UTC. Type a session
id (or paste its URL) into the shop's voucher field. <code>POST /_sandbox/reset</code> puts
them back as they were.</p>
<table>
<thead><tr><th>Session</th><th>Campaign</th><th>Value</th><th>State</th><th>Validated (UTC)</th>
<th>Expires (UTC)</th><th>Note</th></tr></thead>
<tbody>
{body}
</tbody>
</table>
</body>
</html>
"""


__all__ = ["session_row", "session_rows", "vouchers_page"]
