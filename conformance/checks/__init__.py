"""One check per rule: `CHECKS[rule_id](context, verdict)` records the rule's expectations on one fixture."""

from __future__ import annotations

from collections.abc import Callable

from conformance.checks import batch_settings, carried, commerce, conventions, delivery, mapping, truncation
from conformance.context import Context
from conformance.results import Verdict

Check = Callable[[Context, Verdict], None]

CHECKS: dict[str, Check] = {
    "MAP-CUSTOM-EVENT": mapping.check_custom_event,
    "MAP-CUSTOM-EVENT-TYPE": mapping.check_custom_event_type,
    "MAP-SCREEN-NAME": mapping.check_screen_name,
    "MAP-SCREEN-PROPERTY": mapping.check_screen_property,
    "MAP-SESSION": mapping.check_session,
    "MAP-UNLISTED": mapping.check_unlisted,
    "COMMERCE-FANOUT": commerce.check_fanout,
    "COMMERCE-NAMES": commerce.check_names,
    "COMMERCE-ONE-REQUEST": commerce.check_one_request,
    "COMMERCE-MAIN-CONTENT": commerce.check_main_content,
    "COMMERCE-ITEM-CONTENT": commerce.check_item_content,
    "EVENT-TIMESTAMP": carried.check_timestamp,
    "EVENT-SESSION-ID": carried.check_session_id,
    "EVENT-IDENTITY": carried.check_identity,
    "USER-ATTRIBUTES": carried.check_user_attributes,
    "TRUNCATE-1024": truncation.check_truncate,
    "TRUNCATE-EVENT-NAME": truncation.check_truncate_event_name,
    "PLATFORMS": batch_settings.check_platforms,
    "WEB-SERVER-SIDE": batch_settings.check_web_server_side,
    "LIMIT-TRACK": delivery.check_limit_track,
    "LIMIT-USER-PROPERTIES": delivery.check_limit_user_properties,
    "LIMIT-BULK-IDENTITY": delivery.check_limit_bulk_identity,
    "LIMIT-BULK-APP": delivery.check_limit_bulk_app,
    "RETRY-AFTER": delivery.check_retry_after,
    "DELIVER-ALL": delivery.check_deliver_all,
    "EXACTLY-ONCE": delivery.check_exactly_once,
    "NO-RETRY-400": delivery.check_no_retry_400,
    "CONV-SESSION-NAMES": conventions.check_session_names,
    "CONV-SCREEN-FALLBACK": conventions.check_screen_fallback,
    "CONV-CUSTOM-TYPE-DEFAULT": conventions.check_custom_type_default,
    "CONV-VALUES": conventions.check_values,
    "CONV-SESSION-UUID": conventions.check_session_uuid,
    "CONV-COMMERCE-ORDER": conventions.check_commerce_order,
    "CONV-COMMERCE-SPLIT": conventions.check_commerce_split,
    "CONV-COMMERCE-PROPERTIES": conventions.check_commerce_properties,
    "CONV-TIMESTAMP-FALLBACK": conventions.check_timestamp_fallback,
    "CONV-IDEMPOTENCY": conventions.check_idempotency,
    "CONV-USER-ID-RENAME": conventions.check_user_id_rename,
}


def judge(rule_id: str, ctx: Context) -> Verdict:
    """Run one rule's check on one fixture's context."""
    verdict = Verdict(rule_id, ctx.fixture.id)
    CHECKS[rule_id](ctx, verdict)
    return verdict
