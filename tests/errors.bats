#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# docs/errors.md: every message the programs can print is on the page.

load helpers
ROOT="$BATS_TEST_DIRNAME/.."

@test "errors: the index of docs/errors.md lists every message of the sources (make docs rewrites it)" {
	run "$ROOT/tools/errors-index" --check "$ROOT"
	[ "$status" -eq 0 ]
}

@test "errors: a new message in the sources makes the index out of date" {
	cp -r "$ROOT/lib" "$ROOT/cmd" "$BATS_TEST_TMPDIR/"
	mkdir "$BATS_TEST_TMPDIR/docs" && cp "$ROOT/docs/errors.md" "$BATS_TEST_TMPDIR/docs/"
	printf 'static void f(void) { die("%%s: a message nobody has documented yet", "x"); }\n' >> "$BATS_TEST_TMPDIR/cmd/attend.c"
	run "$ROOT/tools/errors-index" --check "$BATS_TEST_TMPDIR"
	[ "$status" -eq 1 ]
	[[ "$output" == *"out of date; run make docs"* ]]
	"$ROOT/tools/errors-index" "$BATS_TEST_TMPDIR"
	grep -qF '| `X: a message nobody has documented yet` | attend | 1 |' "$BATS_TEST_TMPDIR/docs/errors.md"
}

@test "errors: a usage error is listed with exit status 2, a warning as a warning" {
	grep -qF '| `--values needs --keys` | any | 2 |' "$ROOT/docs/errors.md"
	grep -qE '^\| `[^|]*` \| [a-z]+ \| warning \|' "$ROOT/docs/errors.md"
}
