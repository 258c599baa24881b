#!/bin/sh
# SPDX-License-Identifier: MIT
# make demo: run every step in samples/demo/ in order; each writes into out/.
set -eu
cd "$(dirname "$0")/.."
mkdir -p out
for step in samples/demo/[0-9]*.sh; do
	echo "== $step"
	sh "$step"
done
echo "== done: see out/"
