#!/usr/bin/env bash
# build.sh compiles the fixture contracts in this directory into
# build/combined.json (ABI and creation bytecode per contract), which the
# ethtest package embeds. It installs the pinned solc-js from npm into a
# throwaway directory outside the repository; compiling needs no network.
#
# Run it with `go generate ./chains/ethereum/ethtest` or directly.
set -euo pipefail

SOLC_VERSION=0.8.37
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tooldir="${TMPDIR:-/tmp}/hound-solc"

installed=""
if [ -f "$tooldir/node_modules/solc/package.json" ]; then
	installed="$(node -p "require('$tooldir/node_modules/solc/package.json').version")"
fi
if [ "$installed" != "$SOLC_VERSION" ]; then
	mkdir -p "$tooldir"
	(cd "$tooldir" && npm install --no-audit --no-fund --silent --save-exact "solc@$SOLC_VERSION")
fi

mkdir -p "$here/build"
tmp="$(mktemp "$here/build/combined.json.XXXXXX")"
trap 'rm -f "$tmp"' EXIT
NODE_PATH="$tooldir/node_modules" node "$here/compile.js" "$here" >"$tmp"
chmod 644 "$tmp"
mv "$tmp" "$here/build/combined.json"
trap - EXIT
echo "wrote $here/build/combined.json"
