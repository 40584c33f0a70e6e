"""The batch-level settings: which platforms are forwarded, and web batches with Forward Web Requests Server Side."""

from __future__ import annotations

from conformance.checks.mapping import at, describe
from conformance.context import Context
from conformance.oracle import SourceBatch
from conformance.results import Verdict
from heap_facts.platforms import WEB, is_web


def _expect_batch(v: Verdict, ctx: Context, batch: SourceBatch, forwarded: bool, why: str) -> None:
    """Expect every supported event of a batch delivered, or nothing of the batch at all."""
    for source in batch.events:
        if not source.supported:
            continue
        got = ctx.received(source)
        if forwarded:
            v.expect(bool(got), source.subject, f"Heap event(s) at {at(source)} ({why})", describe(got), ctx.evidence(source))
        else:
            v.expect(not got, source.subject, f"no Heap event ({why})", describe(got), [e.summary() for e in got[:3]])
    if not forwarded and batch.identity is not None:
        user = ctx.heap.users.get((ctx.app_id, batch.identity))
        v.expect(user is None, batch.about("user attributes"), f"no user properties ({why})", repr(user))


def check_platforms(ctx: Context, v: Verdict) -> None:
    for batch in ctx.batches:
        if batch.identity is None or (is_web(batch.platform) and not ctx.fixture.settings.forward_web_requests_server_side):
            continue
        label = f"platform {batch.platform!r}" if batch.platform else "a data feed (no platform)"
        _expect_batch(v, ctx, batch, batch.skip_reason is None, label)


def check_web_server_side(ctx: Context, v: Verdict) -> None:
    web_on = ctx.fixture.settings.forward_web_requests_server_side
    for batch in ctx.batches:
        if batch.identity is None or (batch.skip_reason is not None and "not supported" in batch.skip_reason):
            continue
        web = is_web(batch.platform)
        setting = f"Forward Web Requests Server Side {'on' if web_on else 'off'}"
        _expect_batch(v, ctx, batch, web_on or not web, f"{WEB if web else batch.platform or 'data feed'} batch, {setting}")
