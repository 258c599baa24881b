#!/bin/sh
# make bench: every bench/*.sh in turn. Each prints its own timings (and torch's, when installed).
set -eu
cd "$(dirname "$0")/.."
for b in bench/[0-9a-z]*.sh; do
	[ "$b" = bench/run.sh ] && continue
	echo "== $b"
	sh "$b"
done
