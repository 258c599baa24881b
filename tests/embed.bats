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
	echo "the cat" | embed --vocab "$M/src_vocab.txt" --dim 16 --weights "$M/model.npz" --prefix src_embed. >"$BATS_TEST_TMPDIR/c.txt"
	echo "the cat" | embed --vocab "$M/src_vocab.txt" --dim 16 --weights "$M/src_embed.npz" >"$BATS_TEST_TMPDIR/d.txt"
	cmp "$BATS_TEST_TMPDIR/c.txt" "$BATS_TEST_TMPDIR/d.txt"
	! cmp -s "$BATS_TEST_TMPDIR/a.txt" "$BATS_TEST_TMPDIR/c.txt"
}

# ---- --audio: sound as frames (tests/golden/make_audio.py: NumPy's window, FFT, filterbank and log) --------

# audio_golden NAME: embed --audio audio/NAME.wav equals audio/NAME.txt to 1e-4
audio_golden() {
	embed --audio "$GOLDEN/audio/$1.wav" >"$BATS_TEST_TMPDIR/x.txt"
	assert_close "$BATS_TEST_TMPDIR/x.txt" "$GOLDEN/audio/$1.txt" 1e-4
}

@test "embed --audio: a mono WAV at 16000 Hz equals NumPy's log-mel frames" {
	audio_golden mono-16000
}

@test "embed --audio: a stereo WAV at 16000 Hz averages its channels" {
	audio_golden stereo-16000
}

@test "embed --audio: a mono WAV at 22050 Hz (551-sample frames, an odd FFT) equals NumPy's" {
	audio_golden mono-22050
}

@test "embed --audio: a stereo WAV at 22050 Hz equals NumPy's" {
	audio_golden stereo-22050
}

@test "embed --audio: --frame-ms, --hop-ms, --n-fft (zero-padded) and --mels equal NumPy's" {
	embed --audio "$GOLDEN/audio/mono-16000.wav" --frame-ms 20 --hop-ms 15 --n-fft 512 --mels 20 \
		>"$BATS_TEST_TMPDIR/x.txt"
	assert_close "$BATS_TEST_TMPDIR/x.txt" "$GOLDEN/audio/mono-16000-nfft512.txt" 1e-4
}

@test "embed --audio: rows are the frames' start times, columns the filters, silence is ln(1e-10)" {
	run embed --audio "$GOLDEN/audio/mono-16000.wav"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "#tensor 14 40" ]
	[ "${lines[2]}" = "#rows t0.000 t0.010 t0.020 t0.030 t0.040 t0.050 t0.060 t0.070 t0.080 t0.090 t0.100 t0.110 t0.120 t0.130" ]
	[[ "${lines[3]}" == "#cols mel0 mel1 "*" mel39" ]]
	# frame 7 (t0.070) lies wholly in the silence from 0.060 s to 0.100 s
	[ "$(echo "${lines[11]}" | tr -s ' ' '\n' | sed '/^$/d' | sort -u)" = "-23.02585" ]
}

@test "embed --audio: only frames wholly inside the sound, none past its end" {
	# 0.16 s = 2560 samples: 1 + (2560 - 400) / 160 = 14 frames at 16000 Hz; 1 + (3528 - 551) / 220 = 14 at 22050
	run sh -c "embed --audio '$GOLDEN/audio/mono-22050.wav' | head -1"
	[ "$output" = "#tensor 14 40" ]
}

@test "embed --audio: a WAV with no sample is an error" {
	run embed --audio "$GOLDEN/audio/empty.wav"
	assert_fails 1 "empty.wav: no sound in it \(0 samples\)"
}

@test "embed --audio: a sound shorter than one frame is an error, not an empty tensor" {
	run embed --audio "$GOLDEN/audio/short.wav"
	assert_fails 1 "short.wav: 0.006 s of sound is shorter than one frame \(25 ms = 400 samples\): no frame"
	[ "${#lines[@]}" -eq 1 ]
}

@test "embed --audio: a truncated WAV is an error saying so" {
	head -c 3000 "$GOLDEN/audio/mono-16000.wav" >"$BATS_TEST_TMPDIR/cut.wav"
	run embed --audio "$BATS_TEST_TMPDIR/cut.wav"
	assert_fails 1 "cut.wav: truncated: its header promises 5164 bytes, the file has 3000"
	head -c 30 "$GOLDEN/audio/mono-16000.wav" >"$BATS_TEST_TMPDIR/head.wav"
	run embed --audio "$BATS_TEST_TMPDIR/head.wav"
	assert_fails 1 "head.wav: truncated"
}

@test "embed --audio: a file that is not sound is an error naming it" {
	echo "the cat sat" >"$BATS_TEST_TMPDIR/text.wav"
	run embed --audio "$BATS_TEST_TMPDIR/text.wav"
	assert_fails 1 "text.wav: not a sound file libsndfile can read"
	run embed --audio "$BATS_TEST_TMPDIR/missing.wav"
	assert_fails 1 "missing.wav: No such file or directory"
}

@test "embed --audio: --n-fft shorter than a frame is an error" {
	run embed --audio "$GOLDEN/audio/mono-16000.wav" --n-fft 100
	assert_fails 1 "--n-fft 100 is shorter than a frame \(25 ms = 400 samples at 16000 per second\)"
}

@test "embed --audio: the frame options without --audio, and text options with it, are usage errors" {
	run embed --mels 20
	assert_fails 2 "--frame-ms, --hop-ms, --n-fft and --mels go with --audio"
	run embed --audio "$GOLDEN/audio/mono-16000.wav" --dim 8
	assert_fails 2 "--audio reads sounds and has no parameters"
	run embed --audio "$GOLDEN/audio/mono-16000.wav" --mels 0
	assert_fails 2 "--mels: 0 is out of range"
}
