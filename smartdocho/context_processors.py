"""Template context every page gets beyond Django's own."""

from __future__ import annotations


def shared_render(request) -> dict:
    """`shared_render`: the page is rendered once for every reader of its class and kept
    (smartdocho/etags.public_page), so the header holds a marker where each answer puts its own
    reader's name."""
    return {"shared_render": getattr(request, "shared_render", False)}
