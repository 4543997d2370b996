#!/usr/bin/env bash
# Runs Mangopay's official Node.js SDK (the exact version pinned in
# package-lock.json) against the mangopay-sandbox emulator: builds
# cmd/mangopay-sandbox, starts it on a free loopback port with proxy
# management on, waits for the base URL on its first stdout line, installs
# the SDK with `npm ci` when node_modules is missing or older than the lock
# file, runs interop.test.js with node's test runner, and always stops the
# sandbox. Needs Go, Node >= 18 and npm.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
start=$SECONDS

tmp="$(mktemp -d)"
pid=""
test_pid=""
cleanup() {
  for p in $test_pid $pid; do
    if kill -0 "$p" 2>/dev/null; then
      kill -TERM "$p" 2>/dev/null || true
      wait "$p" 2>/dev/null || true
    fi
  done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

(cd "$root" && go build -o "$tmp/mangopay-sandbox" ./cmd/mangopay-sandbox)

client_id=interop-node
api_key="interop-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
"$tmp/mangopay-sandbox" -addr 127.0.0.1:0 -client-id "$client_id" -api-key "$api_key" -proxy \
  >"$tmp/stdout" 2>"$tmp/stderr" &
pid=$!

base=""
for _ in $(seq 1 200); do
  base="$(head -n 1 "$tmp/stdout" 2>/dev/null || true)"
  [ -n "$base" ] && break
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "mangopay-sandbox exited before printing its base URL:" >&2
    cat "$tmp/stderr" >&2
    exit 1
  fi
  sleep 0.05
done
case "$base" in
  http://127.0.0.1:*) ;;
  *) echo "mangopay-sandbox printed no base URL within 10 s (got \"$base\")" >&2; cat "$tmp/stderr" >&2; exit 1 ;;
esac
echo "mangopay-sandbox at $base (pid $pid)"

cd "$here"
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
echo "SDK: mangopay4-nodejs-sdk $(node -p 'require("mangopay4-nodejs-sdk/package.json").version'), node $(node --version)"

# In the background, so that a signal to this script stops the run at once.
MANGOPAY_SANDBOX_URL="$base" MANGOPAY_CLIENT_ID="$client_id" MANGOPAY_API_KEY="$api_key" \
  timeout 120 node --test interop.test.js &
test_pid=$!
status=0
wait "$test_pid" || status=$?
test_pid=""
if [ "$status" -ne 0 ]; then
  echo "--- mangopay-sandbox stderr" >&2
  cat "$tmp/stderr" >&2
fi
echo "interop/node/run.sh took $((SECONDS - start)) s"
exit "$status"
