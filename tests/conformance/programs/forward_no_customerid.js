// A forwarder another team might write in Node from mParticle's Heap integration page and the
// Events API's own schema: custom events, screen views and sessions, one track request each.
// It reads the Customer ID only as the Events API spells it (`customer_id`, or the outbound
// array's `identity_type`), so a batch from mParticle's Python SDK, which sends `customerid`,
// is skipped: the gap the conformance report must show as one cause, with its input.
// It says what it does on stdout and stderr, and exits 0 even when it skips a batch.
const chunks = [];
process.stdin.on("data", (chunk) => chunks.push(chunk));
process.stdin.on("end", async () => {
  const batch = JSON.parse(Buffer.concat(chunks).toString());
  const env = process.env;
  const ids = batch.user_identities || {};
  const customerId = Array.isArray(ids) ? (ids.find((entry) => entry.identity_type === "customer_id") || {}).identity : ids.customer_id;
  const identity = env.HEAP_EXTERNAL_ID === "mpid" ? batch.mpid : customerId;
  if (identity === undefined || identity === null || identity === "") {
    console.error(`no ${env.HEAP_EXTERNAL_ID} in the batch (user_identities keys: ${Object.keys(ids).join(", ")}): skipped`);
    return;
  }
  let sent = 0;
  for (const event of batch.events || []) {
    const data = event.data || {};
    const properties = {};
    for (const [key, value] of Object.entries(data.custom_attributes || {})) {
      if (typeof value === "string" || typeof value === "number") properties[key.slice(0, 1023)] = typeof value === "string" ? value.slice(0, 1023) : value;
    }
    let name = null;
    if (event.event_type === "custom_event") {
      name = data.event_name;
      if (data.custom_event_type) properties.event_type = data.custom_event_type;
    } else if (event.event_type === "screen_view") {
      name = `Viewed: ${data.screen_name}`;
      properties.screen_name = data.screen_name;
    } else if (event.event_type === "session_start" || event.event_type === "session_end") {
      name = event.event_type === "session_start" ? "Session Start" : "Session End";
    }
    if (!name) continue;
    const body = {
      app_id: env.HEAP_APP_ID, identity: String(identity), event: String(name).slice(0, 1023), properties,
      timestamp: Number(data.timestamp_unixtime_ms ?? batch.timestamp_unixtime_ms),
      idempotency_key: `${identity}-${data.timestamp_unixtime_ms}`,
    };
    if (data.session_id !== undefined && data.session_id !== null) body.session_id = String(data.session_id);
    const response = await fetch(`${env.HEAP_URL}/api/track`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    if (!response.ok) {
      console.error(`track answered ${response.status}: ${await response.text()}`);
      process.exit(1);
    }
    sent += 1;
  }
  console.log(`sent ${sent} event(s) for ${identity}`);
});
