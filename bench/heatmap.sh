#!/bin/sh
# SPDX-License-Identifier: MIT
# heatmap at the size where attention pictures usually give up: 512 tokens, one head and eight heads.
set -eu
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tensor rand --shape 512x512 --dist uniform -b > "$tmp/one.bin"
tensor rand --shape 8x512x512 --dist uniform -b > "$tmp/eight.bin"

# best of 3 wall-clock seconds of one command
best() {
	b=""
	for i in 1 2 3; do
		s=$(date +%s.%N)
		"$@"
		e=$(date +%s.%N)
		b=$(echo "$s $e ${b:-999}" | awk '{ t = $2 - $1; print (t < $3 ? t : $3) }')
	done
	echo "$b"
}

printf 'heatmap 512x512        %6.3f s  ' "$(best heatmap -o "$tmp/one.png" "$tmp/one.bin")"
"$PY" tests/pngread.py "$tmp/one.png" size 2>/dev/null | awk '{ printf "(%s x %s pixels)\n", $1, $2 }' || echo
printf 'heatmap 8x512x512      %6.3f s  ' "$(best heatmap -o "$tmp/eight.png" "$tmp/eight.bin")"
"$PY" tests/pngread.py "$tmp/eight.png" size 2>/dev/null | awk '{ printf "(%s x %s pixels)\n", $1, $2 }' || echo
printf 'heatmap --ansi 512x512 %6.3f s\n' "$(best sh -c 'heatmap --ansi "$1" > /dev/null' sh "$tmp/one.bin")"
