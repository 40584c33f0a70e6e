"""The README's front section cannot drift from the code: its flags and its routes are checked."""

from __future__ import annotations

import re
from pathlib import Path

from forwarder.front.serve import build_parser
from forwarder.front.site import INGEST_FAMILIES, ROUTES

README = Path(__file__).resolve().parents[2] / "README.md"


def front_section() -> str:
    text = README.read_text()
    start = text.index("## The front:")
    return text[start : text.index("\n## ", start + 1)]


def test_the_usage_block_lists_exactly_the_serve_flags() -> None:
    usage = front_section().split("```sh", 1)[1].split("```", 1)[0]
    documented = set(re.findall(r"--[a-z][a-z-]+", usage))
    flags = {
        option
        for action in build_parser()._actions
        for option in action.option_strings
        if option.startswith("--") and option != "--help"
    }
    assert documented == flags


def test_every_mparticle_route_is_in_the_routes_table() -> None:
    section = front_section()
    for route in ROUTES:
        if route.family in INGEST_FAMILIES:
            shown = route.template.replace("{method:identify|login|logout}", "{identify,login,logout}")
            if shown.startswith("/identity/v1/"):
                shown = "/identity/v1/"  # the table gives the CNAME prefix once for both identity routes
            assert shown in section, f"{route.template} is not in the README's routes table"
