"""The MAPPING.md sections the mapping cites when it explains what it did to each field.

Every change and every skip the mapping reports names one of these, so a developer reading the
pipeline view can look the decision up. Only constants from here are cited (never a literal), and
`tests/forwarder/test_mapping_doc.py` checks that each is a numbered row of MAPPING.md, so a
section cannot be cited that the document does not have.
"""

from __future__ import annotations

EVENT_TYPES = "1.1"
PLATFORMS = "1.2"
WEB_SERVER_SIDE = "1.3"
IDENTITY = "1.4"
CUSTOM_EVENT_NAME = "2.1"
SCREEN_VIEW_NAME = "2.2"
SESSION_NAMES = "2.3"
COMMERCE_NAMES = "2.4"
TIMESTAMP = "3.1"
SESSION_ID = "3.2"
IDEMPOTENCY_KEY = "3.3"
FIELDS_LEFT_OUT = "3.4"
CUSTOM_ATTRIBUTES = "4.1"
CUSTOM_EVENT_TYPE = "4.2"
SCREEN_NAME = "4.3"
SESSION_PROPERTIES = "4.4"
CUT = "4.5"
VALUE_RULE = "4.6"
DECIMAL_STRINGS = "4.7"
COMMERCE_BULK = "5.1"
PRODUCT_ACTION = "5.2"
PRODUCT_ITEM = "5.3"
IMPRESSIONS = "5.4"
PROMOTIONS = "5.5"
COMMERCE_EMPTY = "5.7"
USER_ATTRIBUTES = "6.1"
RESERVED_USER_PROPERTY = "6.2"
DELETED_USER_ATTRIBUTES = "6.3"

# What each section decides, in a few words (the pipeline view shows it beside the number).
TITLES: dict[str, str] = {
    EVENT_TYPES: "which event types are forwarded",
    PLATFORMS: "which platforms are forwarded",
    WEB_SERVER_SIDE: "the Forward Web Requests Server Side setting",
    IDENTITY: "the identity: the External ID setting",
    CUSTOM_EVENT_NAME: "a custom event's name",
    SCREEN_VIEW_NAME: "a screen view's name",
    SESSION_NAMES: "session start and end names",
    COMMERCE_NAMES: "commerce event names",
    TIMESTAMP: "timestamp",
    SESSION_ID: "session_id",
    IDEMPOTENCY_KEY: "idempotency_key",
    FIELDS_LEFT_OUT: "event fields not sent",
    CUSTOM_ATTRIBUTES: "custom attributes become properties",
    CUSTOM_EVENT_TYPE: "custom event type",
    SCREEN_NAME: "screen_name property",
    SESSION_PROPERTIES: "session properties",
    CUT: "names and values cut to 1023 characters",
    VALUE_RULE: "the one value rule",
    DECIMAL_STRINGS: "decimal strings become numbers",
    COMMERCE_BULK: "commerce events in one bulk request",
    PRODUCT_ACTION: "a product action's main event",
    PRODUCT_ITEM: "a product's Item",
    IMPRESSIONS: "product impressions' main event",
    PROMOTIONS: "a promotion action's events",
    COMMERCE_EMPTY: "a commerce event with nothing to map",
    USER_ATTRIBUTES: "user attributes and the Forward User Attributes setting",
    RESERVED_USER_PROPERTY: "user properties named id",
    DELETED_USER_ATTRIBUTES: "deleted user attributes",
}
