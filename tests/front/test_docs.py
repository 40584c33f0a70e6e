"""The README's front section cannot drift from the code: its flags and its routes are checked."""

from __future__ import annotations

import re
from pathlib import Path

from forwarder import Settings
from forwarder.front.app import create_front_app
from forwarder.front.front import Front, FrontOptions
from forwarder.front.serve import build_parser

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
    app = create_front_app(Front(FrontOptions("http://127.0.0.1:1", Settings("1"))))
    section = front_section()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("ingest."):
            shown = re.sub(r"<any\([^)]*\):method>", "{identify,login,logout}", rule.rule).replace("<mpid>", "<mpid>")
            shown = shown.replace("/identity/v1/{identify,login,logout}", "/identity/v1/").replace(
                "/identity/v1/<mpid>/modify", "/identity/v1/"
            )
            assert shown in section, f"{rule.rule} is not in the README's routes table"
