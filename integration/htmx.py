"""Events the server sends to htmx in response headers (`HX-Trigger`)."""

from __future__ import annotations

import json

# As Django's json_script does: <, > and & as Unicode escapes, so a milestone title typed as
# markup stays inert wherever the message ends up (the script reads it as text in any case).
_MARKUP_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def htmx_event_header(event: str, **detail: str) -> str:
    """The `HX-Trigger` value that fires `event` with `detail` in the browser: ASCII only (a
    header carries no raw line breaks or non-ASCII), markup characters escaped."""
    return json.dumps({event: detail}, ensure_ascii=True).translate(_MARKUP_ESCAPES)
