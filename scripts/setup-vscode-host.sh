#!/usr/bin/env bash
# Installs the real VS Code that the integration tests run in, from the npm registry and Debian apt only:
#   code-server (npm)  = the VS Code server, its web workbench and the Node extension host;
#   Debian chromium    = the browser that opens the workbench, driven headless by playwright-core.
# Result: .vscode-test/host/node_modules/code-server (ignored by git). Idempotent: a second run only
# checks the installed version (well under a second). Override the version with CODE_SERVER_VERSION.
set -euo pipefail

CS_VERSION="${CODE_SERVER_VERSION:-4.100.3}"   # newest code-server that runs on Node 20 (VS Code 1.100.3)
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HOST="$ROOT/.vscode-test/host"
CS="$HOST/node_modules/code-server"
log() { echo "[setup-vscode-host] $*"; }

# Installed at this version, with its postinstall finished (the built-in extensions' node_modules
# are the last thing it writes)?
if [ -f "$CS/package.json" ] && [ -d "$CS/lib/vscode/extensions/node_modules" ] && [ -f "$HOST/.installed" ] \
   && [ "$(cat "$HOST/.installed")" = "$CS_VERSION" ] && command -v chromium >/dev/null 2>&1; then
  log "code-server $CS_VERSION already installed in $HOST"
  exit 0
fi

# 1. Debian packages: chromium (the browser), libkrb5-dev (gssapi.h for VS Code's `kerberos` addon),
#    ripgrep (replaces the binary @vscode/ripgrep would download from GitHub).
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v rg >/dev/null 2>&1 || missing+=(ripgrep)
[ -f /usr/include/gssapi/gssapi.h ] || missing+=(libkrb5-dev)
if [ ${#missing[@]} -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  LOCK=""; command -v flock >/dev/null 2>&1 && LOCK="flock /tmp/hrnn-apt.lock"
  $LOCK $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $LOCK $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -q "${missing[@]}"
fi

mkdir -p "$HOST"
rm -f "$HOST/.installed"
cat > "$HOST/package.json" <<JSON
{
  "private": true,
  "name": "hrnn-vscode-test-host",
  "description": "The VS Code (code-server) the integration tests run in; written by scripts/setup-vscode-host.sh",
  "dependencies": { "code-server": "$CS_VERSION" },
  "allowScripts": { "code-server": true, "argon2": true }
}
JSON
cd "$HOST"

# 2. Fetch without install scripts first: we need to read which @vscode/ripgrep VS Code pins before
#    its postinstall runs.
log "fetching code-server $CS_VERSION"
npm install --ignore-scripts --no-audit --no-fund --loglevel=error

# 3. @vscode/ripgrep's postinstall looks for <tmpdir>/vscode-ripgrep-cache-<pkg version>/ripgrep-<rg
#    version>-<target>.tar.gz before it downloads; seed that cache with Debian's rg.
RG_PKG_VERSION="$(node -p "require('$CS/lib/vscode/npm-shrinkwrap.json').packages['node_modules/@vscode/ripgrep'].version")"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
( cd "$WORK" && npm pack "@vscode/ripgrep@$RG_PKG_VERSION" --silent >/dev/null && tar xzf ./*.tgz )
RG_VERSION="$(node -p "/const VERSION = '([^']+)'/.exec(require('fs').readFileSync('$WORK/package/lib/postinstall.js', 'utf8'))[1]")"
RG_CACHE="$(node -p "require('path').join(require('os').tmpdir(), 'vscode-ripgrep-cache-$RG_PKG_VERSION')")"
mkdir -p "$RG_CACHE" "$WORK/rg"
cp "$(command -v rg)" "$WORK/rg/rg"
tar czf "$RG_CACHE/ripgrep-$RG_VERSION-x86_64-unknown-linux-musl.tar.gz" -C "$WORK/rg" rg

# 4. Now the install scripts: code-server's postinstall runs `npm install --omit=dev` in lib/vscode and
#    compiles VS Code's native addons with node-gyp. It refuses to run as root without unsafe_perm;
#    node-pty's script calls `npx node-gyp`, which needs `yes` (the machine's npmrc sets yes=false).
log "building code-server's native modules (a minute or two)"
if ! npm_config_unsafe_perm=true npm_config_yes=true npm rebuild --foreground-scripts --loglevel=error >"$HOST/rebuild.log" 2>&1; then
  tail -40 "$HOST/rebuild.log"
  log "code-server postinstall failed; full log: $HOST/rebuild.log"
  exit 1
fi
[ -d "$CS/lib/vscode/extensions/node_modules" ] || { log "code-server postinstall did not finish (see $HOST/rebuild.log)"; exit 1; }
echo "$CS_VERSION" >"$HOST/.installed"
log "code-server $CS_VERSION (VS Code $(node -p "require('$CS/lib/vscode/package.json').version")) installed in $HOST"
