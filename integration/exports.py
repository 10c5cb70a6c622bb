"""CSV and Excel exports shared by every list and report page (`?format=csv` / `?format=xlsx`).

Cells that a spreadsheet would run as a formula are neutralised with a leading single quote
(OWASP "CSV injection"): a milestone title typed as "=HYPERLINK(...)" must stay text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from openpyxl import Workbook

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    """One export column: its header and how to read the value from a row."""

    header: str
    value: Callable[[Any], Any]


def safe_cell(value: Any) -> Any:
    """Text that a spreadsheet would treat as a formula gets a leading quote; other values
    (numbers, dates, None) pass through for the Excel writer to type properly."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def export_response(
    *,
    rows: Iterable[Any],
    columns: Sequence[Column],
    filename: str,
    file_format: str,
) -> HttpResponse:
    """Every row (not one page) as a CSV or Excel download; an unknown format is a 400."""
    if file_format not in FORMATS:
        return HttpResponseBadRequest(
            f"Unknown export format {file_format!r}. Use ?format=csv or ?format=xlsx.",
            content_type="text/plain; charset=utf-8",
        )
    headers = [c.header for c in columns]
    if file_format == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(headers)
        for row in rows:
            writer.writerow([safe_cell(_text(c.value(row))) for c in columns])
        # A byte-order mark so Excel opens UTF-8 (names with accents) correctly.
        content: bytes = ("\ufeff" + buffer.getvalue()).encode("utf-8")
    else:
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(title=filename[:31] or "Export")
        sheet.append(headers)
        for row in rows:
            cells = []
            for c in columns:
                value = c.value(row)
                if isinstance(value, datetime):
                    value = value.replace(tzinfo=None)
                elif not isinstance(value, (int, float, date)) or isinstance(value, bool):
                    value = _text(value)
                cells.append(safe_cell(value))
            sheet.append(cells)
        out = io.BytesIO()
        workbook.save(out)
        content = out.getvalue()
    response = HttpResponse(content, content_type=FORMATS[file_format])
    response["Content-Disposition"] = f'attachment; filename="{filename}.{file_format}"'
    return response


def requested_format(request: HttpRequest) -> str:
    """The export the page was asked for (`?format=csv|xlsx`), or "" for the page itself."""
    return request.GET.get("format", "").strip().lower()


def export_links(request: HttpRequest, **overrides: str) -> dict[str, str]:
    """Query strings for the page's CSV and Excel links: the page's own filters and sort (so the
    download holds exactly what is shown, every page of it), with `overrides` applied."""
    query = request.GET.copy()
    query.pop("page", None)
    for name, value in overrides.items():
        query[name] = value
    links = {}
    for fmt in FORMATS:
        query["format"] = fmt
        links[fmt] = query.urlencode()
    return links


def export_if_requested(
    request: HttpRequest,
    *,
    rows: Callable[[], Iterable[Any]],
    columns: Sequence[Column],
    filename: str,
) -> HttpResponse | None:
    """The one answer to `?format=`: the download when one was asked for, else None so the view
    renders its page. `rows` is called only for a download."""
    file_format = requested_format(request)
    if not file_format:
        return None
    return export_response(rows=rows(), columns=columns, filename=filename, file_format=file_format)
