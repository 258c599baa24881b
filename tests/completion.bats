#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Shell completion (tools/completion.sh, generated from each program's --help): what bash offers for a few
# prefixes, and that it matches the programs' own option tables both ways.
load helpers

setup_file() {
	PF_BIN=${PF_BIN:-$BATS_TEST_DIRNAME/../bin}
	"$BATS_TEST_DIRNAME/../tools/completion.sh" "$PF_BIN"/* > "$BATS_FILE_TMPDIR/pipeformer.bash"
	"$BATS_TEST_DIRNAME/../tools/completion.sh" --zsh "$PF_BIN"/* > "$BATS_FILE_TMPDIR/_pipeformer"
}

setup() {
	source "$BATS_FILE_TMPDIR/pipeformer.bash"
	cd "$BATS_TEST_TMPDIR"
}

# offers WORD...: the candidates bash's completion gives for the last word of the command line WORD...,
# one per line, sorted. As bash does, --option=value arrives as the words --option, =, value.
offers() {
	COMP_WORDS=("$@")
	COMP_CWORD=$(($# - 1))
	COMP_LINE="$*"
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	_pipeformer_complete "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
	printf '%s\n' "${COMPREPLY[@]}" | LC_ALL=C sort
}

# the options completion offers for PROGRAM (every sub-command's too), one per line
all_options() {
	for key in "${!_pipeformer_options[@]}"; do
		[[ $key == "$1 "* ]] && printf '%s\n' ${_pipeformer_options[$key]}
	done
}

@test "completion: every program is registered with bash" {
	for p in "$PF_BIN"/*; do
		complete -p "${p##*/}" | grep -q -- '-F _pipeformer_complete'
	done
}

@test "completion: a long-option prefix completes to the one option (mha --addi)" {
	[ "$(offers mha --addi)" = "--additive-mask" ]
}

@test "completion: a shorter prefix offers every option it begins (attend --s)" {
	[ "$(offers attend --s | tr '\n' ' ')" = "--save-weights --score --scores --seed " ]
}

@test "completion: the values of an enumerated option (attend --score, decode --arch, heatmap --cmap)" {
	[ "$(offers attend --score '' | tr '\n' ' ')" = "additive cosine dot general scaled " ]
	[ "$(offers decode --arch '' | tr '\n' ' ')" = "gru lstm rnn transformer " ]
	[ "$(offers encode --activation g)" = "gelu" ]
	[ "$(offers heatmap --cmap '' | tr '\n' ' ')" = "coolwarm gray magma viridis " ]
	[ "$(offers posenc --layout c)" = "concat" ]
}

@test "completion: --option=value completes the value after the '='" {
	[ "$(offers attend --score = co)" = "cosine" ]
	[ "$(offers attend --normalize = sp)" = "sparsemax" ]
	[ "$(offers mha --normalize = s | tr '\n' ' ')" = "sigmoid softmax sparsemax " ]
	[ "$(offers decode --activation = | tr '\n' ' ')" = "gelu relu " ]
}

@test "completion: an option that takes a number offers nothing, not file names" {
	touch a.txt
	[ -z "$(offers attend --temperature '')" ]
	[ -z "$(offers mha --heads '')" ]
}

@test "completion: file names where a file is expected, only .npz where the help says FILE.npz" {
	touch q.txt model.npz
	mkdir dir
	[ "$(offers attend --memory '' | tr '\n' ' ')" = "dir model.npz q.txt " ]
	[ "$(offers mha --weights '' | tr '\n' ' ')" = "dir model.npz " ]
	[ "$(offers attend --causal q)" = "q.txt" ]
	[ "$(offers heatmap -o q)" = "q.txt" ]
}

@test "completion: tensor's sub-commands, and each sub-command's own options" {
	[ "$(offers tensor ra)" = "rand" ]
	[ "$(offers tensor adjacency --s)" = "--self-loops" ]
	[ "$(offers tensor '' | tr '\n' ' ')" = "add adjacency annotated argmax cat concat diff get info matmul pack permute pick rand relu scale sigmoid slice softmax sparsemax split stack topk transpose unstack " ]
	[ "$(offers tensor rand --d | tr '\n' ' ')" = "--digits --dist " ]
	[ "$(offers tensor rand --dist '' | tr '\n' ' ')" = "normal uniform " ]
	[ "$(offers tensor diff --a)" = "--atol" ]
	[ -z "$(offers tensor cat --at)" ]
}

@test "completion: every option and value it offers is one the program accepts" {
	for p in "$PF_BIN"/*; do
		prog=${p##*/}
		for opt in $(all_options "$prog"); do
			[[ $opt == -* ]] || { echo "$prog: '$opt' is not an option" >&2; return 1; }
			out=$("$p" "$opt" < /dev/null 2>&1 > /dev/null) || true
			[[ $out != *"unrecognized option"* ]] || { echo "$prog $opt: $out" >&2; return 1; }
		done
		for key in "${!_pipeformer_values[@]}"; do
			[[ $key == "$prog "* && ${_pipeformer_values[$key]} != @* ]] || continue
			opt=${key##* } sub=${key#"$prog "} sub=${sub%% *}
			for v in ${_pipeformer_values[$key]}; do
				out=$("$p" $sub "$opt" "$v" < /dev/null 2>&1 > /dev/null) || true
				[[ $out != *"'$v'"* ]] || { echo "$prog $sub $opt $v: $out" >&2; return 1; }
			done
		done
	done
}

@test "completion: every option in a program's table is offered (getopt's own list of a prefix's matches)" {
	for p in "$PF_BIN"/*; do
		prog=${p##*/}
		offered=" $(all_options "$prog" | tr '\n' ' ') "
		for letter in {a..z}; do
			out=$("$p" "--$letter" < /dev/null 2>&1 > /dev/null) || true
			# "is ambiguous; possibilities: '--attn' '--add'" or "option '--heads' requires an argument"
			if [[ $out =~ possibilities:([^$'\n']*) || $out =~ option\ (\'--[a-z-]*\')\ requires ]]; then
				for name in ${BASH_REMATCH[1]//\'/}; do
					[[ $offered == *" $name "* ]] || { echo "$prog: $name is not offered" >&2; return 1; }
				done
			fi
		done
	done
}

@test "completion (zsh): the same function under zsh's bashcompinit gives the same candidates" {
	command -v zsh > /dev/null || skip "no zsh"
	# zsh's compgen leaves matching the prefix to zsh: filter here as zsh would
	run zsh -f -c '
		autoload -U +X bashcompinit && bashcompinit
		compdef() { :; } # compinit'"'"'s, which registers the commands; not needed to call the function
		eval "$(sed "\$d" "$1")" # the file but its last line, which answers a live completion
		offers() {
			local COMP_CWORD=$(($# - 1)) PREFIX=${@[-1]}
			local -a words COMP_WORDS
			words=("$@") COMP_WORDS=("$@")
			compgen -F _pipeformer_complete -- "${@[-1]}" | grep -- "^${@[-1]}" | sort | tr "\n" " "
		}
		print -r -- "$(offers mha --addi)|$(offers attend --score "")|$(offers tensor rand --d)"' zsh "$BATS_FILE_TMPDIR/_pipeformer"
	[ "$status" -eq 0 ]
	[ "$output" = "--additive-mask |additive cosine dot general scaled |--digits --dist " ]
}
