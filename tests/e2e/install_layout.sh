#!/usr/bin/env bash
# `cmake --install` lays out bin/, lib/, share/orchestra/sql/ and
# etc/orchestra/, and the installed binary finds them relative to itself
# from any working directory.
set -euo pipefail
build=$1
prefix=$(mktemp -d)
work=$(mktemp -d)
trap 'rm -rf "$prefix" "$work"' EXIT
cmake --install "$build" --prefix "$prefix" >/dev/null
for path in bin/orchestra lib/liborchestra.so share/orchestra/sql/core/0001_core.sql \
            etc/orchestra/orchestra.yaml etc/orchestra/scale-out.yaml; do
  [[ -e $prefix/$path ]] || { echo "missing $path"; exit 1; }
done
cd "$work"
"$prefix/bin/orchestra" config check | grep -q "configuration OK: $prefix/etc/orchestra/orchestra.yaml"
"$prefix/bin/orchestra" plugins | grep -q "plugin directory: $prefix/lib/orchestra/plugins"
"$prefix/bin/orchestra" migrate | grep -q "applied core/0001_core"
[[ -f $work/var/orchestra.db ]] || { echo "the database was not created under ./var"; exit 1; }
echo "install layout OK"
