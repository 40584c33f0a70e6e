// Drives Heap's official Node client (npm `heap-api`) against a heap-mock URL.
// The client hard-codes https://heapanalytics.com, so every request's URL is rewritten.
// Usage: node heap_node_client.js SIMULATOR_URL APP_ID
"use strict";
const heap = require("heap-api");

const [simulatorUrl, appId] = process.argv.slice(2);
const client = heap(appId);
const send = client._request.bind(client);
client._request = (options, callback) =>
  send({ ...options, url: options.url.replace("https://heapanalytics.com", simulatorUrl) }, callback);

async function main() {
  const outcomes = [];
  const attempt = async (name, call) => {
    try {
      await call();
      outcomes.push({ call: name, ok: true });
    } catch (error) {
      outcomes.push({ call: name, ok: false, message: String(error.message || error) });
    }
  };
  await attempt("track", () => client.track("Signed Up", "alice@example.com", { plan: "pro", seats: 3 }));
  await attempt("addUserProperties", () => client.addUserProperties("alice@example.com", { Role: "Admin" }));
  await attempt("track-over-limit", async () => {
    for (let i = 0; i < 31; i += 1) await client.track("Heartbeat", "bot", {});
  });
  process.stdout.write(JSON.stringify(outcomes) + "\n");
}

main();
