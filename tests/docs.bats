#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Docs that cannot drift: every command a page shows runs, and prints what the page says it prints
# (tools/doccheck; docs/README.md says how a page is written). One case per page, so that a failure names
# it; `make docs` rewrites the outputs that differ. Then the checker itself: it must fail on a wrong
# number, on a failing command, and on a command block it would not run.
load helpers
ROOT="$BATS_TEST_DIRNAME/.."

# check_page PAGE: run every command of PAGE (a path from the top of the source tree)
check_page() {
	cd "$ROOT"
	run tools/doccheck --bin "$PF_BIN" "$1"
	if [ "$status" -ne 0 ]; then
		echo "$output" >&2
		echo "(make docs rewrites outputs that differ; a command that fails needs its page fixed)" >&2
		return 1
	fi
}

@test "docs: README.md" { check_page README.md; }
@test "docs: docs/architecture.md" { check_page docs/architecture.md; }
@test "docs: docs/audio.md" { check_page docs/audio.md; }
@test "docs: docs/attend.md" { check_page docs/attend.md; }
@test "docs: docs/embed.md" { check_page docs/embed.md; }
@test "docs: docs/errors.md" { check_page docs/errors.md; }
@test "docs: docs/format.md" { check_page docs/format.md; }
@test "docs: docs/graph.md" { check_page docs/graph.md; }
@test "docs: docs/heatmap.md" { check_page docs/heatmap.md; }
@test "docs: docs/mha.md" { check_page docs/mha.md; }
@test "docs: docs/posenc.md" { check_page docs/posenc.md; }
@test "docs: docs/pytorch.md" { check_page docs/pytorch.md; }
@test "docs: docs/README.md" { check_page docs/README.md; }
@test "docs: docs/rnn-seq2seq.md" { check_page docs/rnn-seq2seq.md; }
@test "docs: docs/stages.md" { check_page docs/stages.md; }
@test "docs: docs/tensor.md" { check_page docs/tensor.md; }
@test "docs: docs/train.md" { check_page docs/train.md; }
@test "docs: docs/transformer.md" { check_page docs/transformer.md; }
@test "docs: docs/vision.md" { check_page docs/vision.md; }
@test "docs: docs/course/01-seq2seq-and-attention.md" { check_page docs/course/01-seq2seq-and-attention.md; }
@test "docs: docs/course/02-attention-layer.md" { check_page docs/course/02-attention-layer.md; }
@test "docs: docs/course/03-self-attention.md" { check_page docs/course/03-self-attention.md; }
@test "docs: docs/course/04-multi-head.md" { check_page docs/course/04-multi-head.md; }
@test "docs: docs/course/05-transformer.md" { check_page docs/course/05-transformer.md; }
@test "docs: docs/course/06-training.md" { check_page docs/course/06-training.md; }
@test "docs: docs/course/07-beyond-text.md" { check_page docs/course/07-beyond-text.md; }
@test "docs: docs/course/README.md" { check_page docs/course/README.md; }
@test "docs: cmd/attend.1" { check_page cmd/attend.1; }
@test "docs: cmd/decode.1" { check_page cmd/decode.1; }
@test "docs: cmd/embed.1" { check_page cmd/embed.1; }
@test "docs: cmd/encode.1" { check_page cmd/encode.1; }
@test "docs: cmd/ffn.1" { check_page cmd/ffn.1; }
@test "docs: cmd/heatmap.1" { check_page cmd/heatmap.1; }
@test "docs: cmd/linear.1" { check_page cmd/linear.1; }
@test "docs: cmd/mha.1" { check_page cmd/mha.1; }
@test "docs: cmd/norm.1" { check_page cmd/norm.1; }
@test "docs: cmd/posenc.1" { check_page cmd/posenc.1; }
@test "docs: cmd/tensor.1" { check_page cmd/tensor.1; }
@test "docs: cmd/train.1" { check_page cmd/train.1; }

@test "docs: every page has its case above" {
	cd "$ROOT"
	missing=
	for page in README.md docs/*.md docs/course/*.md cmd/*.1; do
		[ -e "$page" ] || continue
		grep -qF "check_page $page;" "$BATS_TEST_FILENAME" || missing="$missing $page"
	done
	if [ -n "$missing" ]; then
		echo "pages without a case in tests/docs.bats:$missing" >&2
		return 1
	fi
}

@test "docs: the models and data in samples/ are the golden files the tests check" {
	cd "$ROOT"
	for pair in samples/models/en-fr.npz:tests/golden/transformer/model.npz \
		samples/models/en-fr-gru.npz:tests/golden/rnn/model-gru.npz \
		samples/en-fr-train.tsv:tests/golden/train/toy_train.tsv \
		samples/en-fr-test.tsv:tests/golden/train/toy_test.tsv; do
		if ! cmp -s "${pair%%:*}" "${pair#*:}"; then
			echo "${pair%%:*} differs from ${pair#*:}: cp ${pair#*:} ${pair%%:*}, then make docs" >&2
			return 1
		fi
	done
}

# page NAME TEXT: a page of the checker's own tests, in the test's folder
page() {
	printf '%s\n' "$2" > "$BATS_TEST_TMPDIR/$1"
}

@test "doccheck: a page whose outputs agree passes, last digits within the tolerance" {
	page ok.md $'# ok\n\n```\n$ echo "the value 0.17023146 of 3 rows"\nthe value 0.17023148 of 3 rows\n```'
	run "$ROOT/tools/doccheck" --bin "$PF_BIN" "$BATS_TEST_TMPDIR/ok.md"
	[ "$status" -eq 0 ]
	[[ "$output" == *"ok.md: 1 command, 0 failed"* ]]
}

@test "doccheck: a wrong number fails, naming the page's line and both values" {
	page num.md $'# num\n\ntext\n```\n$ echo "0.17023146"\n0.17123146\n```'
	run "$ROOT/tools/doccheck" --bin "$PF_BIN" "$BATS_TEST_TMPDIR/num.md"
	[ "$status" -eq 1 ]
	[[ "$output" == *"num.md:5: \$ echo \"0.17023146\""* ]]
	[[ "$output" == *"-0.17123146"* ]]
	[[ "$output" == *"+0.17023146"* ]]
}

@test "doccheck: whole numbers must be equal, and text exactly so" {
	page whole.md $'```\n$ echo "#tensor 3 4"\n#tensor 3 5\n```'
	run "$ROOT/tools/doccheck" --bin "$PF_BIN" "$BATS_TEST_TMPDIR/whole.md"
	[ "$status" -eq 1 ]
	page text.md $'```\n$ echo "le chat grand"\nle grand chat\n```'
	run "$ROOT/tools/doccheck" --bin "$PF_BIN" "$BATS_TEST_TMPDIR/text.md"
	[ "$status" -eq 1 ]
}

@test "doccheck: a failing command fails the page, even with no output shown" {
	page fail.md $'```\n$ tensor info no-such-file.txt > /dev/null 2>&1\n```'
	run "$ROOT/tools/doccheck" --bin "$PF_BIN" "$BATS_TEST_TMPDIR/fail.md"
	[ "$status" -eq 1 ]
	[[ "$output" == *"fail.md:2: \$ tensor info no-such-file.txt"*"exit status 1"* ]]
}

@test "doccheck: a stage failing inside a pipeline fails the page" {
	page pipe.md $'```\n$ false | cat\n```'
	run "$ROOT/tools/doccheck" --bin "$PF_BIN" "$BATS_TEST_TMPDIR/pipe.md"
	[ "$status" -eq 1 ]
	[[ "$output" == *"exit status 1"* ]]
}

@test "doccheck: a page runs in one shell, from a folder holding samples/ and nothing else" {
	page shell.md $'```\n$ x=$(ls)\n$ echo "$x"\nsamples\n$ test -e samples/matrix.txt && tensor info samples/matrix.txt | head -1\nsamples/matrix.txt #0: 3x4 name example\n```'
	run "$ROOT/tools/doccheck" --bin "$PF_BIN" "$BATS_TEST_TMPDIR/shell.md"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "doccheck: '...' stands for any lines, and a here-document continues a command" {
	page dots.md $'```\n$ seq 1 10\n1\n...\n10\n$ cat > f.txt << EOF\n> a\n> b\n> EOF\n$ cat f.txt\na\nb\n```'
	run "$ROOT/tools/doccheck" --bin "$PF_BIN" "$BATS_TEST_TMPDIR/dots.md"
	echo "$output"
	[ "$status" -eq 0 ]
	page nodots.md $'```\n$ seq 1 10\n1\n10\n```'
	run "$ROOT/tools/doccheck" --bin "$PF_BIN" "$BATS_TEST_TMPDIR/nodots.md"
	[ "$status" -eq 1 ]
}

@test "doccheck: a shell block with no command to run must say why it is skipped" {
	page sh.md $'```sh\nmake demo\n```'
	run "$ROOT/tools/doccheck" --bin "$PF_BIN" "$BATS_TEST_TMPDIR/sh.md"
	[ "$status" -eq 1 ]
	[[ "$output" == *"sh.md:1: a sh block with no '\$ ' command"* ]]
	page skip.md $'<!-- doccheck: skip runs in the source folder -->\n```sh\nmake demo\n```'
	run "$ROOT/tools/doccheck" --bin "$PF_BIN" "$BATS_TEST_TMPDIR/skip.md"
	[ "$status" -eq 0 ]
	[[ "$output" == *"1 block skipped"* ]]
}

@test "doccheck: a man page's example that fails fails the page" {
	page x.1 $'.Sh EXAMPLES\n.Bd -literal -offset indent\necho "a b" |\n    embed --dim 4 > /dev/null\nattend no-such-file.txt\n.Ed'
	run "$ROOT/tools/doccheck" --bin "$PF_BIN" "$BATS_TEST_TMPDIR/x.1"
	[ "$status" -eq 1 ]
	[[ "$output" == *"x.1:5: \$ attend no-such-file.txt"*"exit status 1"* ]]
	[[ "$output" == *"x.1: 2 commands, 1 failed"* ]]
}

@test "doccheck: --update rewrites an output that differs, keeps '...' and what agrees" {
	page up.md $'```\n$ printf \'0.5\\n2\\n3\\n0.25\\n\'\n0.5000001\n...\n0.75\n```'
	run "$ROOT/tools/doccheck" --update --bin "$PF_BIN" "$BATS_TEST_TMPDIR/up.md"
	[ "$status" -eq 0 ]
	[ "$(cat "$BATS_TEST_TMPDIR/up.md")" = $'```\n$ printf \'0.5\\n2\\n3\\n0.25\\n\'\n0.5000001\n...\n0.25\n```' ]
	run "$ROOT/tools/doccheck" --bin "$PF_BIN" "$BATS_TEST_TMPDIR/up.md"
	[ "$status" -eq 0 ]
}
