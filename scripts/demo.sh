#!/usr/bin/env bash
# make demo: walks one webhook through its whole life with the CLI, against the embedded mock on a free port.
#   1. starts bin/exa-webhooks-mock --port 0 (its first stdout line is its base URL) and a tiny local receiver;
#   2. runs create, list, get, update, attempts (after one delivery) and delete, printing each command;
#   3. verifies one delivery with `listen`, keeps examples/webhooks.yaml in sync with exa-webhooks-batch, and ends with
#      an event received by a local app through `listen --from-api` (no public URL);
#   4. always stops every process it started, and exits non-zero as soon as a step fails.
# The same commands work against Exa itself: set EXA_API_KEY to your key and drop --base-url.
set -euo pipefail

root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
cli="$root/bin/exa-webhooks"
mock="$root/bin/exa-webhooks-mock"
node="$root/.tools/bin/node"
[ -x "$node" ] || node=node

work=$(mktemp -d "${TMPDIR:-/tmp}/exa-webhooks-demo.XXXXXX")
pids=()
cleanup() {
  local status=$?
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
  if [ "$status" -ne 0 ]; then echo "demo: failed (exit $status)" >&2; fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

bold=$'\e[1m'; dim=$'\e[2m'; reset=$'\e[0m'
if [ ! -t 1 ] || [ -n "${NO_COLOR:-}" ]; then bold=""; dim=""; reset=""; fi

say() { printf '\n%s== %s%s\n' "$bold" "$1" "$reset"; }
# Prints a command the way a user would type it, then runs it; set -e stops the demo if it fails.
run() {
  printf '%s$ exa-webhooks %s%s\n' "$dim" "$*" "$reset"
  "$cli" "$@"
}

# Waits (up to 10 s) for the first line a background process writes to $1 and prints it.
first_line() {
  for _ in $(seq 100); do
    if [ -s "$1" ]; then head -n 1 "$1"; return 0; fi
    sleep 0.1
  done
  echo "demo: no output in $1 after 10 s" >&2
  return 1
}

say "Starting the mock Exa API and a local webhook receiver"
"$mock" --port 0 >"$work/mock.out" 2>"$work/mock.err" &
pids+=($!)
base_url=$(first_line "$work/mock.out") || { cat "$work/mock.err" >&2; exit 1; }
# The receiver answers every delivery with 200, so the attempts below show a successful delivery.
"$node" -e '
  const server = require("node:http").createServer((req, res) => { req.resume(); req.on("end", () => res.end("ok")) })
  server.listen(0, "127.0.0.1", () => console.log(`http://127.0.0.1:${server.address().port}/hooks/exa`))
' >"$work/receiver.out" &
pids+=($!)
hook_url=$(first_line "$work/receiver.out")
echo "mock API:  $base_url"
echo "receiver:  $hook_url"

# A dummy key: the mock accepts any. Against api.exa.ai, export your real key and drop --base-url.
export EXA_API_KEY="demo-key-not-a-real-secret"
unset EXA_BASE_URL

say "Create a webhook (its signing secret goes to a new 0600 file, never to the terminal)"
run create --base-url "$base_url" --url "$hook_url" --event webset.created --event webset.item.enriched \
  --metadata team=demo --secret-file "$work/webhook.secret" | tee "$work/create.out"
id=$(sed -n 's/^Created webhook \([^ ]*\)\.$/\1/p' "$work/create.out")
[ -n "$id" ] || { echo "demo: could not read the webhook id" >&2; exit 1; }
printf '%s(secret file: %s, mode %s)%s\n' "$dim" "$work/webhook.secret" "$(stat -c %a "$work/webhook.secret")" "$reset"

say "List webhooks"
run list --base-url "$base_url"

say "Show it"
run get "$id" --base-url "$base_url"

say "Change its events"
run update "$id" --base-url "$base_url" --event webset.created,webset.item.enriched,webset.idle

say "Deliver one event (the mock's POST /_mock/events), then list the delivery attempts"
"$node" -e '
  fetch(process.argv[1] + "/_mock/events", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ type: "webset.item.enriched", data: { id: "webset_demo", object: "webset" } })
  }).then(async (response) => {
    if (!response.ok) { console.error(`POST /_mock/events answered ${response.status}: ${await response.text()}`); process.exit(1) }
    const { deliveries } = await response.json()
    console.log(`delivered to ${deliveries.filter((d) => d.delivered).length} of ${deliveries.length} subscribed webhook(s)`)
  })
' "$base_url"
run attempts "$id" --base-url "$base_url"

say "Preview a delete without sending it (the key is masked)"
run delete "$id" --base-url "$base_url" --dry-run

say "Delete it (--yes: no question; without a terminal the CLI refuses to delete without it)"
run delete "$id" --base-url "$base_url" --yes

say "Nothing left"
run list --base-url "$base_url"

stats=$("$node" -e 'fetch(process.argv[1] + "/_mock/stats").then((r) => r.json()).then((s) => console.log(`${s.requests} API requests, ${s.creates} create, ${s.updates} update, ${s.deletes} delete, ${s.deliveryAttempts} delivery attempt`))' "$base_url")
say "Done: the mock counted $stats."

# ---------------------------------------------------------------------------------------------------------------------
# Receiving: one delivery verified by `exa-webhooks listen` (a local receiver that checks Exa's signature).
#   create a webhook (secret to a file) -> start listen with that file -> point the webhook at it -> deliver one event
#   -> the listener prints it as verified -> stop the listener with Ctrl-C (SIGINT) -> delete the webhook.
say "Receiving: a webhook whose secret goes to a file, and 'exa-webhooks listen' verifying its deliveries"
run create --base-url "$base_url" --url "http://127.0.0.1:9/not-yet" --event webset.created \
  --secret-file "$work/listen.secret" >"$work/listen-create.out"
head -n 2 "$work/listen-create.out"
listen_id=$(sed -n 's/^Created webhook \([^ ]*\)\.$/\1/p' "$work/listen-create.out")
[ -n "$listen_id" ] || { echo "demo: could not read the webhook id" >&2; exit 1; }
printf '%s$ exa-webhooks listen --port 0 --secret-file %s%s\n' "$dim" "$work/listen.secret" "$reset"
"$cli" listen --port 0 --secret-file "$work/listen.secret" >"$work/listen.out" 2>"$work/listen.err" &
listen_pid=$!
pids+=("$listen_pid")
listen_url=$(first_line "$work/listen.out") || { cat "$work/listen.err" >&2; exit 1; }
echo "listener: $listen_url"
run update "$listen_id" --base-url "$base_url" --url "$listen_url/hooks/exa" >"$work/listen-update.out"
head -n 2 "$work/listen-update.out"

say "Deliver one signed event to the listener"
"$node" -e '
  fetch(process.argv[1] + "/_mock/events", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ type: "webset.created", data: { id: "webset_demo", object: "webset" } })
  }).then(async (response) => {
    const { deliveries } = await response.json()
    const attempt = deliveries[0]?.attempts.at(-1)
    if (!deliveries[0]?.delivered) { console.error(`the listener did not accept the delivery: ${JSON.stringify(attempt)}`); process.exit(1) }
    console.log(`the listener answered ${attempt.responseStatusCode} ${attempt.responseBody}`)
  })
' "$base_url"
grep -q " verified webset.created " "$work/listen.out" || { echo "demo: the listener printed no verified event" >&2; cat "$work/listen.err" >&2; exit 1; }
echo "the listener printed:"
sed -n '2,$p' "$work/listen.out" | sed 's/^/  /'
kill -INT "$listen_pid"
wait "$listen_pid" 2>/dev/null || true
run delete "$listen_id" --base-url "$base_url" --yes >/dev/null
say "Done: one delivery signed by the mock and verified by exa-webhooks listen."

# ---------------------------------------------------------------------------------------------------------------------
# exa-webhooks-batch: the team's manifest (examples/webhooks.yaml) kept in sync against the same mock.
# ---------------------------------------------------------------------------------------------------------------------
cd "$root"  # the commands below name examples/webhooks.yaml as a user in the repo would
batch="$root/bin/exa-webhooks-batch"
manifest="$root/examples/webhooks.yaml"
secrets="$work/webhooks.secrets.jsonl"
# The example reads one URL from the environment (${HOOKS_BASE_URL} in the manifest).
export HOOKS_BASE_URL="https://hooks.example.com"
batch_run() {
  printf '%s$ exa-webhooks-batch %s%s\n' "$dim" "$*" "$reset"
  "$batch" "$@"
}

say "Batch: validate the manifest (offline: every problem would be listed as file:line:column)"
batch_run validate examples/webhooks.yaml

say "Batch: plan against the mock (lists the remote webhooks once; changes nothing)"
batch_run plan examples/webhooks.yaml --base-url "$base_url"

say "Batch: apply (each new webhook's secret goes to a 0600 journal, fsynced, before it counts as done)"
batch_run apply examples/webhooks.yaml --base-url "$base_url" --secrets-file "$secrets"

say "Batch: apply again (nothing to do: no request that changes anything is sent)"
before=$("$node" -e 'fetch(process.argv[1] + "/_mock/stats").then((r) => r.json()).then((s) => console.log(s.creates + s.updates + s.deletes))' "$base_url")
batch_run apply examples/webhooks.yaml --base-url "$base_url" --secrets-file "$secrets"
after=$("$node" -e 'fetch(process.argv[1] + "/_mock/stats").then((r) => r.json()).then((s) => console.log(s.creates + s.updates + s.deletes))' "$base_url")
[ "$before" = "$after" ] || { echo "demo: the second apply changed something ($before -> $after mutations)" >&2; exit 1; }
echo "mutating requests before and after: $before, $after"

say "Batch: where the secrets went"
printf '%s(journal: %s, mode %s, %s entries; keys: %s)%s\n' "$dim" "$secrets" "$(stat -c %a "$secrets")" \
  "$(wc -l <"$secrets")" "$("$node" -e 'console.log(require("node:fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map((l) => JSON.parse(l).key).join(", "))' "$secrets")" "$reset"
batch_run secret examples/webhooks.yaml crm-sync --secrets-file "$secrets" | sed 's/^\(whsec_.\{6\}\).*/\1... (the full secret; shortened here)/'
say "Batch done."

# ---------------------------------------------------------------------------------------------------------------------
# Local development without a public URL: `listen --from-api` polls the Events API and delivers each event to the app
# on this machine, signed with the webhook's secret, as Exa would. The "app" here is `exa-webhooks listen` itself,
# which verifies every delivery with that secret and prints it.
# ---------------------------------------------------------------------------------------------------------------------
say "Local development: your app, and Exa's events delivered to it by 'listen --from-api' (no tunnel, no public URL)"
"$node" -e 'console.log("whsec_demo_" + require("node:crypto").randomBytes(24).toString("hex"))' >"$work/app.secret"
chmod 600 "$work/app.secret"
"$cli" listen --port 0 --secret-file "$work/app.secret" >"$work/app.out" 2>"$work/app.err" &
pids+=($!)
app_url=$(first_line "$work/app.out") || { cat "$work/app.err" >&2; exit 1; }
echo "your app (verifying with the webhook's secret): $app_url/hooks/exa"
printf '%s$ exa-webhooks listen --from-api --forward-to %s/hooks/exa --secret-file %s --base-url %s --checkpoint-file %s --poll-interval 500ms%s\n' \
  "$dim" "$app_url" "$work/app.secret" "$base_url" "$work/listen.checkpoint.json" "$reset"
"$cli" listen --from-api --forward-to "$app_url/hooks/exa" --secret-file "$work/app.secret" --base-url "$base_url" \
  --checkpoint-file "$work/listen.checkpoint.json" --poll-interval 500ms >"$work/from-api.out" 2>"$work/from-api.err" &
from_api_pid=$!
pids+=("$from_api_pid")
# Started once it has said where it starts (events from now on; written to its checkpoint first).
for _ in $(seq 100); do grep -q "^polling " "$work/from-api.err" && break; sleep 0.1; done
grep -q "^polling " "$work/from-api.err" || { echo "demo: listen --from-api did not start" >&2; cat "$work/from-api.err" >&2; exit 1; }
head -n 1 "$work/from-api.err" | sed 's/^/  /'

say "Something happens in a Webset (here: the mock makes an event)"
run trigger webset.idle --base-url "$base_url"
for _ in $(seq 100); do grep -q " delivered webset.idle " "$work/from-api.out" && break; sleep 0.1; done
grep -q " delivered webset.idle " "$work/from-api.out" || { echo "demo: no event came through --from-api" >&2; cat "$work/from-api.err" >&2; exit 1; }
for _ in $(seq 50); do grep -q " verified webset.idle " "$work/app.out" && break; sleep 0.1; done
grep -q " verified webset.idle " "$work/app.out" || { echo "demo: the app did not verify the event" >&2; cat "$work/app.err" >&2; exit 1; }
echo "listen --from-api printed:"
sed 's/^/  /' "$work/from-api.out"
echo "your app printed:"
sed -n '2,$p' "$work/app.out" | sed 's/^/  /'
kill -INT "$from_api_pid"
wait "$from_api_pid" 2>/dev/null || true
say "Done: an event received through listen --from-api and verified by the app with the webhook's secret. Stopping the mock."
