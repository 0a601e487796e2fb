#!/usr/bin/env bash
# Azurite (the Azure Storage emulator) as a local component: install | start | stop | status.
#   install  pinned npm package into .tools/azurite (git-ignored); a no-op when already there
#   start    azurite-blob on 127.0.0.1, a free port, data under .tools/azurite-data (or $AZURITE_DATA);
#            prints the connection string on stdout; pid and port in the data folder;
#            AZURITE_IN_MEMORY=1 keeps blobs in memory instead (the data folder then holds only pid, port and log)
#   stop     stops the instance started by `start` (SIGTERM, so Azurite saves its data)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
version=3.37.0
tools="$root/.tools/azurite"
bin="$tools/node_modules/.bin/azurite-blob"
data="${AZURITE_DATA:-$root/.tools/azurite-data}"
pidfile="$data/azurite.pid"
portfile="$data/azurite.port"
# The emulator's documented, public development account (not a secret).
account=devstoreaccount1
key='Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='

installed() { [[ -x "$bin" ]] && grep -q "\"version\": \"$version\"" "$tools/node_modules/azurite/package.json" 2>/dev/null; }

install() {
  installed && return 0
  command -v npm >/dev/null || { echo "azurite.sh: npm is not on PATH (Node.js 20+ is needed)" >&2; exit 1; }
  mkdir -p "$tools"
  # Azurite 3.37 declares node>=22 but runs on Node 20 (measured); the engine warning is harmless.
  npm install --prefix "$tools" --no-audit --no-fund --loglevel=error "azurite@$version" >&2
  installed || { echo "azurite.sh: install of azurite@$version failed" >&2; exit 1; }
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null \
  || node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

connection_string() {
  echo "DefaultEndpointsProtocol=http;AccountName=$account;AccountKey=$key;BlobEndpoint=http://127.0.0.1:$1/$account;"
}

running() { [[ -f "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

start() {
  install
  mkdir -p "$data"
  if running; then connection_string "$(cat "$portfile")"; return 0; fi
  local port; port="${AZURITE_PORT:-$(free_port)}"
  local storage=(--location "$data")
  [[ "${AZURITE_IN_MEMORY:-0}" == 1 ]] && storage=(--inMemoryPersistence)
  nohup "$bin" --skipApiVersionCheck --disableTelemetry --silent --blobHost 127.0.0.1 --blobPort "$port" \
    "${storage[@]}" >"$data/azurite.log" 2>&1 &
  echo $! >"$pidfile"
  echo "$port" >"$portfile"
  for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "azurite.sh: azurite-blob $version on 127.0.0.1:$port (pid $(cat "$pidfile"), data $data)" >&2
      connection_string "$port"
      return 0
    fi
    running || break
    sleep 0.2
  done
  echo "azurite.sh: azurite did not start; see $data/azurite.log" >&2
  exit 1
}

stop() {
  if running; then
    local pid; pid="$(cat "$pidfile")"
    kill -TERM "$pid"
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -f "$pidfile" "$portfile"
}

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  status) if running; then echo "running on port $(cat "$portfile") (pid $(cat "$pidfile"))"; else echo "not running"; exit 1; fi ;;
  *) echo "usage: scripts/azurite.sh install|start|stop|status" >&2; exit 2 ;;
esac
