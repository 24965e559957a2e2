#!/usr/bin/env bash
# vendor.sh re-vendors the report page's graph library: it installs the pinned
# cytoscape from npm into a throwaway directory outside the repository and
# copies its minified browser build and its licence here, where html.go embeds
# them (go:embed). The page then needs no network: the library is inlined into
# every report.
#
# Run it with `go generate ./trace/report` or directly; then run
# `go test ./trace/report ./cmd/hound -run 'HTML|Report'` (the browser test
# checks the new build against the page).
set -euo pipefail

CYTOSCAPE_VERSION=3.35.0
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tooldir="${TMPDIR:-/tmp}/hound-cytoscape"

installed=""
if [ -f "$tooldir/node_modules/cytoscape/package.json" ]; then
	installed="$(node -p "require('$tooldir/node_modules/cytoscape/package.json').version")"
fi
if [ "$installed" != "$CYTOSCAPE_VERSION" ]; then
	mkdir -p "$tooldir"
	(cd "$tooldir" && npm install --no-audit --no-fund --silent --ignore-scripts --save-exact "cytoscape@$CYTOSCAPE_VERSION")
fi

src="$tooldir/node_modules/cytoscape"
# The page inlines the library in a <script> element: a closing tag or an
# HTML comment opener inside it would end or confuse the element.
if grep -qiE '</script|<!--' "$src/dist/cytoscape.min.js"; then
	echo "cytoscape.min.js contains </script or <!--: it cannot be inlined as is" >&2
	exit 1
fi
cp "$src/dist/cytoscape.min.js" "$here/cytoscape.min.js"
cp "$src/LICENSE" "$here/cytoscape.LICENSE"
chmod 644 "$here/cytoscape.min.js" "$here/cytoscape.LICENSE"
printf '%s\n' "$CYTOSCAPE_VERSION" >"$here/cytoscape.VERSION"
integrity="$(node -p "require('$tooldir/package-lock.json').packages['node_modules/cytoscape'].integrity")"
echo "vendored cytoscape $CYTOSCAPE_VERSION ($integrity)"
sha256sum "$here/cytoscape.min.js"
