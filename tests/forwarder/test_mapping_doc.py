"""MAPPING.md cannot drift from the code: every name the mapping invents must be written there."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from forwarder import Settings, commerce, explain, map_batch, mapping, sections, values
from tests.forwarder.conftest import sample

MAPPING_MD = (Path(__file__).parents[2] / "MAPPING.md").read_text()

INVENTED_NAMES = [
    mapping.SESSION_START_EVENT,
    mapping.SESSION_END_EVENT,
    mapping.SCREEN_VIEW_PREFIX.strip(),
    mapping.DEFAULT_CUSTOM_EVENT_TYPE,
    commerce.PRODUCT_ACTION_EVENT,
    commerce.PROMOTION_EVENT,
    commerce.IMPRESSION_EVENT,
    commerce.ITEM_EVENT,
    *(name for _, name in commerce.PRODUCT_FIELDS),
    *commerce.ACTION_FIELDS,
    *(name for _, name in commerce.PROMOTION_FIELDS),
    "product_ids",
    "promotion_ids",
    "product_impression_lists",
    "product_impression_list",
    "session_duration_ms",
    "mparticle_",
]


@pytest.mark.parametrize("name", INVENTED_NAMES)
def test_every_invented_name_is_documented(name: str) -> None:
    assert f"`{name}" in MAPPING_MD, f"{name!r} is used by the mapping but not written in MAPPING.md"


def test_every_property_the_mapping_adds_to_the_python_sdk_batch_is_documented() -> None:
    batch = sample("python_sdk_0_16_1_batch.json")
    custom_attribute_names = {"coupon", "color", "genre", "liked", "rating", "tab"}
    for request in map_batch(batch, Settings(app_id="11", external_id="customer_id")).requests:
        for event in request.body.get("events", [request.body]):
            for name in set(event.get("properties", {})) - custom_attribute_names:
                assert f"`{name}`" in MAPPING_MD, f"property {name!r} of {event['event']!r} is not in MAPPING.md"


SECTION_ROWS = set(re.findall(r"^\| (\d+\.\d+) \|", MAPPING_MD, flags=re.MULTILINE))
CITED_SECTIONS = {name: value for name, value in vars(sections).items() if name.isupper() and isinstance(value, str)}


@pytest.mark.parametrize("name", sorted(CITED_SECTIONS))
def test_every_section_the_mapping_cites_is_a_numbered_row_of_mapping_md(name: str) -> None:
    number = CITED_SECTIONS[name]
    assert number in SECTION_ROWS, f"sections.{name} cites MAPPING.md {number}, which has no row numbered {number}"
    assert number in sections.TITLES, f"sections.{name} ({number}) has no title for the pipeline view"


def test_the_mapping_cites_sections_only_through_forwarder_sections() -> None:
    # A literal "4.6" in a note would escape the check above; every mapping module uses the constants.
    for module in (mapping, commerce, values, explain):
        source = Path(module.__file__).read_text()
        literal = re.findall(r"""["'](\d\.\d)["']""", source)
        assert not literal, f"{module.__name__} cites sections {literal} as literals: use forwarder.sections"
