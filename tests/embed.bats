#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# embed: text to labelled T x d_model tensors.
load helpers

setup() {
	TMP="$BATS_TEST_TMPDIR"
}

@test "embed: --weights returns exactly the rows of the .npz for the words" {
	echo "the cat sat on the mat" | embed --vocab "$GOLDEN/embed-vocab.txt" --dim 4 --weights "$GOLDEN/embed-weight.npz" > "$TMP/out.txt"
	assert_close "$TMP/out.txt" "$GOLDEN/embed-the-cat.txt" 0
}

@test "embed: --scale multiplies every vector by sqrt(d_model)" {
	echo "the cat sat on the mat" | embed --vocab "$GOLDEN/embed-vocab.txt" --dim 4 --weights "$GOLDEN/embed-weight.npz" --scale > "$TMP/out.txt"
	assert_close "$TMP/out.txt" "$GOLDEN/embed-the-cat-scaled.txt" 0
}

@test "embed: rows are labelled with the tokens" {
	run embed --dim 2 <<< "the cat sat"
	[ "$status" -eq 0 ]
	[[ "$output" == *"#rows the cat sat"* ]]
}

@test "embed: --show-ids labels rows token:id and text output carries the ids as a comment" {
	run embed --vocab "$GOLDEN/embed-vocab.txt" --dim 2 --show-ids <<< "the mat"
	[ "$status" -eq 0 ]
	[[ "$output" == *"#rows the:4 mat:8"* ]]
	[ "${lines[0]}" = "# ids 4 8" ]
}

@test "embed: a built vocabulary is the special tokens, then by falling count, ties in byte order" {
	printf 'b a c a\nc a B\n' | embed --dim 2 --save-vocab "$TMP/v.txt" > /dev/null
	run cat "$TMP/v.txt"
	[ "$output" = "$(printf '<pad>\n<unk>\n<s>\n</s>\na\nc\nB\nb')" ]
}

@test "embed: a special token written in the text keeps its special id" {
	printf 'x </s> x\n' | embed --dim 2 --save-vocab "$TMP/v.txt" > /dev/null
	run cat "$TMP/v.txt"
	[ "$output" = "$(printf '<pad>\n<unk>\n<s>\n</s>\nx')" ]
}

@test "embed: --save-vocab then --vocab gives identical output" {
	printf 'the cat sat\non the mat\n' > "$TMP/in.txt"
	embed --dim 8 --seed 5 --save-vocab "$TMP/v.txt" "$TMP/in.txt" > "$TMP/built.txt"
	embed --dim 8 --seed 5 --vocab "$TMP/v.txt" "$TMP/in.txt" > "$TMP/loaded.txt"
	cmp "$TMP/built.txt" "$TMP/loaded.txt"
}

@test "embed: --save-weights then --weights gives identical output" {
	echo "the cat" | embed --dim 3 --seed 9 --save-weights "$TMP/w.npz" > "$TMP/a.txt"
	echo "the cat" | embed --dim 3 --weights "$TMP/w.npz" > "$TMP/b.txt"
	cmp "$TMP/a.txt" "$TMP/b.txt"
}

@test "embed: --seed draws weight [V, d_model] from normal(0,1) as tensor rand does" {
	printf '0 1 2 3 4 5 6 7 8\n' | embed --vocab "$GOLDEN/embed-vocab.txt" --ids --dim 5 --seed 7 > "$TMP/e.txt"
	tensor rand --shape 9x5 --seed 7 > "$TMP/r.txt"
	assert_close "$TMP/e.txt" "$TMP/r.txt" 0
}

@test "embed: different seeds give different tables" {
	a=$(echo "the" | embed --dim 4 --seed 1)
	b=$(echo "the" | embed --dim 4 --seed 2)
	[ "$a" != "$b" ]
}

@test "embed: the same word gets the same vector at every position" {
	echo "the cat the" | embed --dim 4 --digits 9 | tail -n 3 > "$TMP/rows.txt"
	[ "$(sed -n 1p "$TMP/rows.txt")" = "$(sed -n 3p "$TMP/rows.txt")" ]
	[ "$(sed -n 1p "$TMP/rows.txt")" != "$(sed -n 2p "$TMP/rows.txt")" ]
}

@test "embed: an unknown word becomes <unk> when the vocabulary has one" {
	run embed --vocab "$GOLDEN/embed-vocab.txt" --dim 2 --show-ids <<< "the dog"
	[ "$status" -eq 0 ]
	[[ "$output" == *"#rows the:4 <unk>:1"* ]]
}

@test "embed: an unknown word without <unk> is an error naming the word and the line" {
	printf 'the\ncat\n' > "$TMP/v.txt"
	run embed --vocab "$TMP/v.txt" --dim 2 <<< "$(printf 'the cat\nthe dog\n')"
	assert_fails 1 "embed: stdin: line 2: unknown word 'dog' \(the vocabulary has no <unk>"
}

@test "embed: an error leaves no half tensor on stdout" {
	printf 'the\n' > "$TMP/v.txt"
	run embed --vocab "$TMP/v.txt" --dim 2 <<< "the dog"
	[ "$status" -eq 1 ]
	[[ "$output" != *"#tensor"* ]]
}

@test "embed: --chars splits into characters and a whitespace run into one <sp>" {
	run embed --chars --dim 2 <<< "  ab   c "
	[ "$status" -eq 0 ]
	[[ "$output" == *"#rows a b <sp> c"* ]]
}

@test "embed: --chars keeps a UTF-8 character whole" {
	printf 'caf\xc3\xa9\n' | embed --chars --dim 2 --save-vocab "$TMP/v.txt" > /dev/null
	run tail -n 4 "$TMP/v.txt"
	[ "$output" = "$(printf 'a\nc\nf\n\xc3\xa9')" ]
}

@test "embed: --ids reads token ids and labels rows with their tokens" {
	run embed --vocab "$GOLDEN/embed-vocab.txt" --ids --dim 4 --weights "$GOLDEN/embed-weight.npz" <<< "4 5 6 7 4 8"
	[ "$status" -eq 0 ]
	echo "$output" > "$TMP/out.txt"
	assert_close "$TMP/out.txt" "$GOLDEN/embed-the-cat.txt" 0
	[[ "$(cat "$TMP/out.txt")" == *"#rows the cat sat on the mat"* ]]
}

@test "embed: --ids with an id out of range is an error" {
	run embed --vocab "$GOLDEN/embed-vocab.txt" --ids --dim 2 <<< "4 9"
	assert_fails 1 "^embed: stdin: line 1: id 9 is out of range: the vocabulary has 9 tokens \(ids 0 to 8\)"
}

@test "embed: --ids with a word instead of an id is an error" {
	run embed --vocab "$GOLDEN/embed-vocab.txt" --ids --dim 2 <<< "4 -1"
	assert_fails 1 "^embed: stdin: line 1: '-1' is not a token id"
}

@test "embed: --ids needs --vocab" {
	run embed --ids <<< "1"
	assert_fails 2 "^embed: --ids needs --vocab"
}

@test "embed: --chars and --ids together are a usage error" {
	run embed --chars --ids --vocab "$GOLDEN/embed-vocab.txt" <<< "1"
	assert_fails 2 "^embed: --chars and --ids do not go together"
}

@test "embed: an empty line gives an empty 0 x d_model tensor in its place" {
	printf 'the\n\n  \ncat\n' | embed --dim 3 > "$TMP/out.txt"
	run tensor info "$TMP/out.txt"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == *"#0: 1x3" ]]
	[[ "${lines[4]}" == *"#1: 0x3" ]]
	[[ "${lines[6]}" == *"#2: 0x3" ]]
	[[ "${lines[8]}" == *"#3: 1x3" ]]
}

@test "embed: an empty line with --bos --eos is just <s> </s>" {
	run embed --dim 2 --bos --eos --show-ids <<< ""
	[ "$status" -eq 0 ]
	[[ "$output" == *"#rows <s>:2 </s>:3"* ]]
}

@test "embed: --bos, --eos and --pad-to wrap and pad every sequence" {
	run embed --dim 2 --bos --eos --pad-to 6 --show-ids <<< "$(printf 'a b\nb\n')"
	[ "$status" -eq 0 ]
	[[ "$output" == *"#rows <s>:2 a:5 b:4 </s>:3 <pad>:0 <pad>:0"* ]]
	[[ "$output" == *"#rows <s>:2 b:4 </s>:3 <pad>:0 <pad>:0 <pad>:0"* ]]
}

@test "embed: a sequence longer than --pad-to is an error" {
	run embed --dim 2 --pad-to 2 <<< "a b c"
	assert_fails 1 "^embed: stdin: line 1: 3 tokens, more than --pad-to 2"
}

@test "embed: --bos with a vocabulary that has no <s> is an error" {
	printf 'the\n<unk>\n' > "$TMP/v.txt"
	run embed --vocab "$TMP/v.txt" --dim 2 --bos <<< "the"
	assert_fails 1 "^embed: stdin: line 1: --bos needs <s>, which the vocabulary does not have"
}

@test "embed: --one-hot writes one-hot rows with the vocabulary as column labels" {
	run embed --vocab "$GOLDEN/embed-vocab.txt" --one-hot <<< "cat"
	[ "$status" -eq 0 ]
	[[ "$output" == *"#cols <pad> <unk> <s> </s> the cat sat on mat"* ]]
	[ "${lines[4]}" = "0 0 0 0 0 1 0 0 0" ]
}

@test "embed: --one-hot with --dim is a usage error" {
	run embed --one-hot --dim 4 <<< "cat"
	assert_fails 2 "^embed: --one-hot has no parameters"
}

@test "embed: weights of the wrong shape are an error naming both shapes" {
	run embed --vocab "$GOLDEN/embed-vocab.txt" --dim 5 --weights "$GOLDEN/embed-weight.npz" <<< "cat"
	assert_fails 1 "embed-weight.npz: --dim 5, but weight is 9x4 \(4 on axis 1\)"
}

@test "embed: --dim 0 is a usage error" {
	run embed --dim 0 <<< "cat"
	assert_fails 2 "^embed: --dim: 0 is out of range"
}

@test "embed: a missing vocabulary file is an error naming it" {
	run embed --vocab "$TMP/none.txt" <<< "cat"
	assert_fails 1 "^embed: .*none.txt: No such file"
}

@test "embed: a vocabulary with an empty line is an error naming the line" {
	printf 'a\n\nb\n' > "$TMP/v.txt"
	run embed --vocab "$TMP/v.txt" <<< "a"
	assert_fails 1 "v.txt: line 2: empty token"
}

@test "embed: a vocabulary with a token twice is an error naming both lines" {
	printf 'a\nb\na\n' > "$TMP/v.txt"
	run embed --vocab "$TMP/v.txt" <<< "a"
	assert_fails 1 "v.txt: line 3: token 'a' is already on line 1"
}

@test "embed: a vocabulary token with whitespace in it is an error" {
	printf 'a\nb c\n' > "$TMP/v.txt"
	run embed --vocab "$TMP/v.txt" <<< "a"
	assert_fails 1 "v.txt: line 2: token 'b c' has whitespace in it"
}

@test "embed: an empty vocabulary file is an error" {
	: > "$TMP/v.txt"
	run embed --vocab "$TMP/v.txt" <<< "a"
	assert_fails 1 "v.txt: empty vocabulary"
}

@test "embed: --save-vocab to a path that cannot be written is an error naming it" {
	run embed --dim 2 --save-vocab "$TMP/no/such/dir/v.txt" <<< "a"
	assert_fails 1 "^embed: .*/no/such/dir/v.txt: No such file"
}

@test "embed: --pad-to with a vocabulary that has no <pad> is an error" {
	printf 'a\n' > "$TMP/v.txt"
	run embed --vocab "$TMP/v.txt" --dim 2 --pad-to 3 <<< "a"
	assert_fails 1 "^embed: stdin: line 1: --pad-to needs <pad>"
}

@test "embed: a missing input file is an error naming it" {
	run embed --dim 2 "$TMP/none.txt"
	assert_fails 1 "^embed: .*none.txt: No such file"
}

@test "embed: errors in a file name the file and line" {
	printf 'the\n' > "$TMP/v.txt"
	printf 'the\nthe cat\n' > "$TMP/in.txt"
	run embed --vocab "$TMP/v.txt" --dim 2 "$TMP/in.txt"
	assert_fails 1 "in.txt: line 2: unknown word 'cat'"
}

@test "embed: binary output reads back to the same tensors" {
	printf 'the cat\n\nsat\n' | embed --dim 4 > "$TMP/t.txt"
	printf 'the cat\n\nsat\n' | embed --dim 4 -b | tensor > "$TMP/b.txt"
	assert_close "$TMP/t.txt" "$TMP/b.txt" 0
}

@test "embed: --help prints the usage and exits 0" {
	run embed --help
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "usage: embed "* ]]
}

@test "embed: --prefix reads the embedding of a whole-model archive" {
	M=$GOLDEN/transformer
	echo "le chat" | embed --vocab "$M/tgt_vocab.txt" --dim 16 --weights "$M/model.npz" --prefix tgt_embed. >"$BATS_TEST_TMPDIR/a.txt"
	echo "le chat" | embed --vocab "$M/tgt_vocab.txt" --dim 16 --weights "$M/tgt_embed.npz" >"$BATS_TEST_TMPDIR/b.txt"
	cmp "$BATS_TEST_TMPDIR/a.txt" "$BATS_TEST_TMPDIR/b.txt"
	echo "le chat" | embed --vocab "$M/tgt_vocab.txt" --dim 16 --weights "$M/model.npz" --prefix src_embed. >"$BATS_TEST_TMPDIR/c.txt"
	! cmp -s "$BATS_TEST_TMPDIR/a.txt" "$BATS_TEST_TMPDIR/c.txt"
}
