#!/bin/sh
# The one-line license notice at the top of every source file: "SPDX-License-Identifier: MIT" in the
# file's own comment syntax (after a #! line, which must stay first).
#   tools/license-notice.sh --check   list the source files without it; exit 1 if there is one
#   tools/license-notice.sh --add     add it to those files (idempotent), then check
# Source files: the tracked C, headers, man pages, shell, bats, Python and Makefile; data (tests/golden/*.txt,
# the fuzz corpus, images) and prose (*.md) carry no notice: LICENSE covers the whole repository.
set -eu
cd "$(dirname "$0")/.."
tag='SPDX-License-Identifier: MIT'

sources() {
	git ls-files -- '*.c' '*.h' '*.1' '*.sh' '*.bash' '*.bats' '*.py' Makefile .ci/run
}

# The notice as this file's comment syntax writes it.
notice() {
	case $1 in
	*.c | *.h) echo "/* $tag */" ;;
	*.1) echo ".\\\" $tag" ;;
	*) echo "# $tag" ;;
	esac
}

# Does the file carry the notice in its first two lines (the second when the first is #!)?
has_notice() {
	head -n 2 "$1" | grep -qF "$tag"
}

add() {
	tmp=$1.license-notice.$$
	if head -n 1 "$1" | grep -q '^#!'; then
		{ head -n 1 "$1"; notice "$1"; tail -n +2 "$1"; } > "$tmp"
	else
		{ notice "$1"; cat "$1"; } > "$tmp"
	fi
	chmod --reference="$1" "$tmp"
	mv "$tmp" "$1"
}

case ${1-} in
--check | --add) ;;
*)
	echo "usage: $0 --check | --add" >&2
	exit 2
	;;
esac
missing=0
for f in $(sources); do
	has_notice "$f" && continue
	if [ "$1" = --add ]; then
		add "$f"
		echo "added: $f"
	else
		echo "$f: no '$tag' line at the top" >&2
		missing=$((missing + 1))
	fi
done
if [ "$missing" -gt 0 ]; then
	echo "$missing source file(s) without the license notice (tools/license-notice.sh --add adds it)" >&2
	exit 1
fi
