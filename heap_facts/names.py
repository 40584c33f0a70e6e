"""Names the sources fix: mParticle event types, the Heap event names the seed gives them, and
property names Heap reserves."""

from __future__ import annotations

from typing import Final

# Seed, Supported Event Types: "Custom Events, Commerce Event, Screen View, Session Start/End"
# as mParticle's batch spells them (S1's event_type enum).
CUSTOM_EVENT = "custom_event"
SCREEN_VIEW = "screen_view"
COMMERCE_EVENT = "commerce_event"
SESSION_START = "session_start"
SESSION_END = "session_end"
SUPPORTED_EVENT_TYPES = (CUSTOM_EVENT, SCREEN_VIEW, SESSION_START, SESSION_END, COMMERCE_EVENT)
# Seed, Supported Event Types: "Session Start/End", with no Heap name given, so named in the seed's own words.
SESSION_EVENT_NAMES = {SESSION_START: "Session Start", SESSION_END: "Session End"}

# S1: the fields of a batch's event the mapping reads by name: every event's type, and a screen
# view's name (in its `data`). Heap properties of the same spelling (below) are other facts, kept
# apart so that code says which one it means.
EVENT_TYPE_FIELD = "event_type"
SCREEN_NAME_FIELD = "screen_name"

# Seed, Screen View Events: "mapped into Heap as Viewed: screen_name_here".
SCREEN_VIEW_PREFIX = "Viewed: "
# Seed, Custom Events: custom event types go to `properties.event_type`; Event Data Mapping: screen_name.
EVENT_TYPE_PROPERTY = "event_type"
# S4: an event's custom_event_type defaults to `other`, so an event without one is sent as that.
DEFAULT_CUSTOM_EVENT_TYPE = "other"
SCREEN_NAME_PROPERTY = "screen_name"

# Seed, Commerce Events table: the main event per commerce kind, and the sub-event per product or promotion.
PRODUCT_ACTION_EVENT = "Product Action Event"
IMPRESSION_EVENT = "Impression Event"
PROMOTION_EVENT = "Promotion Event"
ITEM_EVENT = "Item"
MAIN_EVENT_NAMES = {"product_action": PRODUCT_ACTION_EVENT, "impression": IMPRESSION_EVENT, "promotion": PROMOTION_EVENT}

# The Customer ID in a batch's `user_identities`: in the object form, the Events API's key (S1, S2)
# and `customerid`, the key mParticle's Python SDK sends (S6: `mparticle/models/user_identities.py`,
# whose attribute_map serialises `customerid` as `customerid`); in the outbound array form, the
# entry whose identity_type is `customer_id` (S1).
# mParticle's Identity API names the identity type `customerid` too (S8, the web SDK's identity types).
CUSTOMER_ID: Final = "customer_id"
SDK_CUSTOMER_ID = "customerid"
CUSTOMER_ID_KEYS = (CUSTOMER_ID, SDK_CUSTOMER_ID)
CUSTOMER_ID_TYPE = CUSTOMER_ID

# S1: the mParticle ID, as a batch (its `mpid`) and mParticle's APIs name it.
MPID: Final = "mpid"
# Seed, Connection Settings: External ID, "MPID or Customer ID" (default MPID), which of a batch's
# identities becomes Heap's identity; each choice is spelled as the batch names what it reads.
EXTERNAL_IDS = (MPID, CUSTOMER_ID)

# D-aup, D-baup: a user property may not be named `id`, in any casing.
RESERVED_USER_PROPERTY = "id"


def is_reserved_user_property(name: str) -> bool:
    return name.lower() == RESERVED_USER_PROPERTY
