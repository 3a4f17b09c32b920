#!/usr/bin/env bash
# `make demo`: migrate the SQLite database, load the demo shop and serve it at $DEMO_ADDR.
#
# Without REDIS_URL everything runs in the web process: eager Celery tasks and the embedded,
# in-process Diller sandbox. With REDIS_URL a Celery worker runs on that Redis and, unless
# DILLER_BASE_URL points somewhere else, the Diller sandbox is served over HTTP so that the web
# process and the worker share one sandbox. Ctrl-C stops everything this script started.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=.venv/bin/python
ADDR="${DEMO_ADDR:-127.0.0.1:8000}"
export DEMO_ADDR="$ADDR"  # the dev settings point the sandbox's texted links at it
SANDBOX_PORT="${DILLER_SANDBOX_PORT:-8765}"
DINTERO_SANDBOX_PORT="${DINTERO_SANDBOX_PORT:-8766}"
COUPONTOOLS_SANDBOX_PORT="${COUPONTOOLS_SANDBOX_PORT:-8767}"
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-example_shop.settings.dev}"

pids=()
cleanup() {
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
}
trap cleanup EXIT

"$PY" manage.py migrate --noinput
"$PY" manage.py load_demo_shop --domain "$ADDR"

if [[ -n "${REDIS_URL:-}" ]]; then
  if [[ -z "${DILLER_BASE_URL:-}" ]]; then
    "$PY" manage.py diller_sandbox --port "$SANDBOX_PORT" &
    pids+=($!)
    export DILLER_BASE_URL="http://127.0.0.1:${SANDBOX_PORT}"
    eval "$("$PY" -c '
from django_diller.sandbox import (
    SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, SEED_DEPARTMENT_ID, SEED_STORE_ID,
)
print(f"export DILLER_CLIENT_ID={SANDBOX_CLIENT_ID}")
print(f"export DILLER_CLIENT_SECRET={SANDBOX_CLIENT_SECRET}")
print(f"export DILLER_STORE_ID={SEED_STORE_ID}")
print(f"export DILLER_DEPARTMENT_ID={SEED_DEPARTMENT_ID}")
')"
    # Wait (up to 15 s) until the sandbox accepts connections.
    "$PY" -c '
import socket, sys, time
deadline = time.monotonic() + 15
while time.monotonic() < deadline:
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=0.5).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.2)
sys.exit("The Diller sandbox did not start.")
' "$SANDBOX_PORT"
  fi
  if [[ -z "${DINTERO_BASE_URL:-}" ]]; then
    # Dintero's receipts emulator over HTTP too, shared by the web process and the worker.
    "$PY" -m django_diller.dintero.sandbox --port "$DINTERO_SANDBOX_PORT" --quiet &
    pids+=($!)
    export DINTERO_BASE_URL="http://127.0.0.1:${DINTERO_SANDBOX_PORT}/v1"
    eval "$("$PY" -c '
from django_diller.dintero.sandbox import (
    SANDBOX_ACCOUNT_ID, SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET,
)
print(f"export DINTERO_ACCOUNT_ID={SANDBOX_ACCOUNT_ID}")
print(f"export DINTERO_CLIENT_ID={SANDBOX_CLIENT_ID}")
print(f"export DINTERO_CLIENT_SECRET={SANDBOX_CLIENT_SECRET}")
')"
  fi
  if [[ -z "${COUPONTOOLS_BASE_URL:-}" ]]; then
    # Coupontools' emulator over HTTP too: the web process and the worker lock one voucher.
    "$PY" -m django_diller.coupontools.sandbox --port "$COUPONTOOLS_SANDBOX_PORT" --quiet &
    pids+=($!)
    export COUPONTOOLS_BASE_URL="http://127.0.0.1:${COUPONTOOLS_SANDBOX_PORT}"
    eval "$("$PY" -c '
from django_diller.coupontools.sandbox import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET
print(f"export COUPONTOOLS_CLIENT_ID={SANDBOX_CLIENT_ID}")
print(f"export COUPONTOOLS_CLIENT_SECRET={SANDBOX_CLIENT_SECRET}")
')"
  fi
  .venv/bin/celery -A example_shop worker --beat --loglevel=info &
  pids+=($!)
fi

cat <<BANNER

  Shop                 http://${ADDR}/
  Django admin         http://${ADDR}/admin/          (staff@example.com / staff-demo-pass)
  Diller set-up        http://${ADDR}/admin/diller/storeconfiguration/
  Oscar dashboard      http://${ADDR}/dashboard/
  Customer login       http://${ADDR}/accounts/login/ (customer@example.com / customer-demo-pass)
BANNER
if [[ -n "${REDIS_URL:-}" && "${DILLER_BASE_URL:-}" == "http://127.0.0.1:${SANDBOX_PORT}" ]]; then
  echo "  Sandbox SMS outbox   ${DILLER_BASE_URL}/_sandbox/messages"
elif [[ -z "${DILLER_BASE_URL:-}" ]]; then
  echo "  Sandbox SMS outbox   http://${ADDR}/loyalty/sandbox/messages/"
fi
echo "  (Ctrl-C stops everything)"
echo
# One process, so the embedded sandbox keeps its state for the whole demo.
"$PY" manage.py runserver --noreload "$ADDR"
