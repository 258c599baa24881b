#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# A first run that explains itself: on a terminal, a program says what it waits for; --version names the build.
load helpers

# on_terminal CMD...: run CMD with a pseudo-terminal as stdin, stdout and stderr (script(1)), typing $TYPED
# (default nothing) and then ending the input as Ctrl-D does. $output holds what the terminal showed.
on_terminal() {
	run sh -c 'printf %s "$2" | script -qec "$1" /dev/null' sh "$*" "${TYPED-}"
}

@test "first run: a tensor reader on a terminal says it waits for a tensor stream and how to end it" {
	for cmd in tensor posenc attend "mha --heads 2" encode "heatmap --ansi"; do
		prog=${cmd%% *}
		on_terminal "$PF_BIN/$cmd"
		[[ "$output" == "$prog: reading a tensor stream from the terminal (end with Ctrl-D; $prog --help"* ]] ||
			{ echo "$prog: $output" >&2; return 1; }
	done
}

@test "first run: every program run bare on a terminal explains itself: what it waits for, or its usage" {
	for p in "$PF_BIN"/*; do
		prog=${p##*/}
		on_terminal "$p"
		[[ "${lines[0]}" == "$prog: reading "*" from the terminal (end with Ctrl-D; $prog --help"* ||
			"$output" == *"Try '$prog --help' for more information."* ]] || { echo "$prog: $output" >&2; return 1; }
	done
}

@test "first run: embed on a terminal says it waits for lines of text" {
	on_terminal "$PF_BIN/embed"
	[[ "$output" == "embed: reading lines of text (one sequence each) from the terminal (end with Ctrl-D;"* ]]
}

@test "first run: decode --generate on a terminal says it waits for sentences" {
	on_terminal "$PF_BIN/decode" --generate --weights "$GOLDEN/transformer/model.npz"
	[[ "$output" == "decode: reading sentences to translate (one per line) from the terminal (end with Ctrl-D;"* ]]
}

@test "first run: the hint is said once, not again for a second input on the terminal" {
	TYPED=$'#tensor 1\n1\n' on_terminal "$PF_BIN/tensor" info - -
	[ "$(grep -c 'from the terminal' <<< "$output")" -eq 1 ]
}

@test "first run: a pipe or a file on stdin gets no hint (stderr stays clean for scripts)" {
	run sh -c 'tensor rand --shape 2 | tensor info 2>&1 >/dev/null'
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run sh -c 'embed < /dev/null 2>&1 >/dev/null'
	[[ "$output" != *"Ctrl-D"* ]]
}

@test "first run: a file argument on a terminal gets no hint" {
	on_terminal "$PF_BIN/tensor" info "$SAMPLES/matrix.txt"
	[ "$status" -eq 0 ]
	[[ "$output" != *"Ctrl-D"* ]]
}

@test "--version: every program names its version, BLAS and font backend" {
	for p in "$PF_BIN"/*; do
		run "$p" --version
		[ "$status" -eq 0 ]
		[[ "${lines[0]}" == "${p##*/} (pipeformer) "[0-9]* ]]
		[[ "${lines[1]}" == "BLAS: "?* ]]
		[[ "${lines[2]}" == "fonts: "?* ]]
		[ "${#lines[@]}" -eq 3 ]
	done
}
