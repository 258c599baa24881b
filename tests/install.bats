#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# make install and make uninstall, into a DESTDIR, of the programs this run tests (no rebuild).
load helpers

ROOT=$BATS_TEST_DIRNAME/..

# pf_make TARGET...: make in the repository with the programs and build folder of this test run
pf_make() {
	make -s -C "$ROOT" -o all BIN="$PF_BIN" BUILD="${PF_UNIT%/unit}" DESTDIR="$BATS_TEST_TMPDIR/root" PREFIX=/usr "$@"
}

@test "install: programs, man pages, bash completion, the README, docs/ and samples/ under PREFIX" {
	pf_make install
	R=$BATS_TEST_TMPDIR/root/usr
	for p in "$PF_BIN"/*; do
		[ -x "$R/bin/${p##*/}" ]
		[ -f "$R/share/man/man1/${p##*/}.1" ]
		[ "$(readlink "$R/share/bash-completion/completions/${p##*/}")" = pipeformer ]
	done
	grep -q '^complete -F _pipeformer_complete' "$R/share/bash-completion/completions/pipeformer"
	grep -q '^#compdef attend ' "$R/share/zsh/vendor-completions/_pipeformer"
	cmp "$ROOT/README.md" "$R/share/doc/pipeformer/README.md"
	cmp "$ROOT/docs/format.md" "$R/share/doc/pipeformer/docs/format.md"
	cmp "$ROOT/samples/demo/30-attend.sh" "$R/share/doc/pipeformer/samples/demo/30-attend.sh"
	[ -f "$R/share/doc/pipeformer/samples/matrix.txt" ]
}

@test "install: a sample runs with the installed programs from a copy of the installed samples" {
	pf_make install
	R=$BATS_TEST_TMPDIR/root/usr
	cd "$BATS_TEST_TMPDIR"
	cp -r "$R/share/doc/pipeformer/samples" .
	mkdir out
	PATH="$R/bin:/usr/bin:/bin" sh samples/demo/30-attend.sh > log.txt
	[ -s out/attend-weights.txt ]
}

@test "uninstall: removes exactly what install put; a file of the user's in the same folders stays" {
	R=$BATS_TEST_TMPDIR/root/usr
	mkdir -p "$R/bin" "$R/share/doc/pipeformer"
	touch "$R/bin/mine" "$R/share/doc/pipeformer/notes.txt"
	pf_make install
	pf_make uninstall
	[ "$(cd "$BATS_TEST_TMPDIR/root" && find . -type f -o -type l | sort | tr '\n' ' ')" = \
		"./usr/bin/mine ./usr/share/doc/pipeformer/notes.txt " ]
	# and with nothing of the user's, no folder of pipeformer's own is left behind
	rm "$R/share/doc/pipeformer/notes.txt"
	pf_make install
	pf_make uninstall
	[ ! -e "$R/share/doc/pipeformer" ]
}

@test "license: every source file carries the one-line MIT notice (LICENSE covers the rest)" {
	git -C "$ROOT" rev-parse --git-dir >/dev/null 2>&1 || skip "not a git checkout"
	run sh "$ROOT/tools/license-notice.sh" --check
	echo "$output"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}
