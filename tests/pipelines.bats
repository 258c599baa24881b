#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Whole pipelines, as a class runs them: stages joined by pipes, in every stream form.
load helpers

SENT="the cat sat on the mat"

@test "pipelines: the README's example runs and its weights are a labelled, normalised attention matrix" {
	cd "$BATS_TEST_TMPDIR"
	echo "$SENT" | embed --dim 16 --seed 1 | posenc | attend --attn w.txt > context.txt
	heatmap -o attn.png < w.txt
	[ -s attn.png ]
	grep -qx '#rows the cat sat on the mat' w.txt
	grep -qx '#cols the cat sat on the mat' w.txt
	# every row of the weights sums to 1
	tail -n +5 w.txt | awk '{ s = 0; for (i = 1; i <= NF; i++) s += $i; if (s < 0.9999 || s > 1.0001) exit 1 }'
	grep -qx '#rows the cat sat on the mat' context.txt
}

@test "pipelines: binary between the stages gives exactly the numbers text gives" {
	echo "$SENT" | embed --dim 16 --seed 3 | posenc | mha --heads 4 --seed 2 |
		encode --layers 2 --heads 4 --ff 32 --seed 5 > "$BATS_TEST_TMPDIR/text.txt"
	echo "$SENT" | embed -b --dim 16 --seed 3 | posenc -b | mha -b --heads 4 --seed 2 |
		encode -b --layers 2 --heads 4 --ff 32 --seed 5 | tensor > "$BATS_TEST_TMPDIR/binary.txt"
	cmp "$BATS_TEST_TMPDIR/text.txt" "$BATS_TEST_TMPDIR/binary.txt"
}

@test "pipelines: .npy between the stages gives exactly the numbers text gives" {
	echo "$SENT" | embed --dim 8 --seed 3 | posenc | attend > "$BATS_TEST_TMPDIR/text.txt"
	echo "$SENT" | embed --npy --dim 8 --seed 3 | posenc --npy | attend --npy | tensor > "$BATS_TEST_TMPDIR/npy.txt"
	cmp "$BATS_TEST_TMPDIR/text.txt" "$BATS_TEST_TMPDIR/npy.txt"
}

@test "pipelines: a corpus of N lines stays N labelled tensors through every stage" {
	printf 'the cat sat\na dog ran far away\n\nbirds sing\n' > "$BATS_TEST_TMPDIR/corpus.txt"
	embed --dim 8 --seed 1 --pad-to 5 < "$BATS_TEST_TMPDIR/corpus.txt" | posenc | mha --heads 2 |
		encode --layers 1 --heads 2 --ff 16 > "$BATS_TEST_TMPDIR/out.txt"
	[ "$(grep -c '^#tensor 5 8$' "$BATS_TEST_TMPDIR/out.txt")" -eq 4 ]
	grep -qx '#rows the cat sat <pad> <pad>' "$BATS_TEST_TMPDIR/out.txt"
	grep -qx '#rows birds sing <pad> <pad> <pad>' "$BATS_TEST_TMPDIR/out.txt"
}

@test "pipelines: an encoder's memory feeds the decoder's cross-attention" {
	echo "$SENT" | embed --dim 8 --seed 1 | posenc | encode --layers 1 --heads 2 --ff 16 > "$BATS_TEST_TMPDIR/mem.txt"
	echo "le chat" | embed --dim 8 --seed 2 | posenc |
		decode --layers 1 --heads 2 --ff 16 --memory "$BATS_TEST_TMPDIR/mem.txt" --attn "$BATS_TEST_TMPDIR/x.txt" > /dev/null
	run tensor info "$BATS_TEST_TMPDIR/x.txt"
	[[ "${lines[0]}" == *": 1x2x2x6 name cross-attention" ]]
	[[ "$output" == *"rows: le chat"* ]]
	[[ "$output" == *"cols: the cat sat on the mat"* ]]
}

@test "pipelines: a failing first stage fails the last one instead of passing an empty stream on" {
	run sh -c 'embed --vocab /nonexistent/vocab.txt < /dev/null | posenc | attend'
	assert_fails 1 "attend: -: empty stream: no tensor"
	[[ "$output" == *"embed: /nonexistent/vocab.txt: No such file or directory"* ]]
}

# ---- the Transformer as a pipeline of its own stages (samples/encoder-layer.sh, samples/greedy.sh) ----

@test "pipelines: a post-norm encoder layer of mha, tensor add, norm and ffn equals encode --layers 1, bit for bit" {
	S=$GOLDEN/stages
	sh "$SAMPLES/encoder-layer.sh" "$S/layer-post.npz" layers.0. 2 <"$S/x.txt" >"$BATS_TEST_TMPDIR/pipe.txt"
	encode --layers 1 --heads 2 --ff 16 --weights "$S/layer-post.npz" "$S/x.txt" >"$BATS_TEST_TMPDIR/one.txt"
	cmp "$BATS_TEST_TMPDIR/pipe.txt" "$BATS_TEST_TMPDIR/one.txt"
	assert_close "$BATS_TEST_TMPDIR/pipe.txt" "$S/layer-post.txt"
}

@test "pipelines: the pre-norm encoder layer as stages equals encode --norm-first --layers 1, bit for bit" {
	S=$GOLDEN/stages
	sh "$SAMPLES/encoder-layer.sh" --norm-first "$S/layer-pre.npz" layers.0. 2 <"$S/x.txt" >"$BATS_TEST_TMPDIR/pipe.txt"
	encode --norm-first --layers 1 --heads 2 --ff 16 --weights "$S/layer-pre.npz" "$S/x.txt" >"$BATS_TEST_TMPDIR/one.txt"
	cmp "$BATS_TEST_TMPDIR/pipe.txt" "$BATS_TEST_TMPDIR/one.txt"
	assert_close "$BATS_TEST_TMPDIR/pipe.txt" "$S/layer-pre.txt"
}

@test "pipelines: the encoder layer as stages masks <pad> as encode does, sentence by sentence" {
	S=$GOLDEN/stages
	printf 'the cat sat on the mat\na dog ran\n' | embed --dim 8 --pad-to 6 | posenc >"$BATS_TEST_TMPDIR/x.txt"
	sh "$SAMPLES/encoder-layer.sh" "$S/layer-post.npz" layers.0. 2 <"$BATS_TEST_TMPDIR/x.txt" >"$BATS_TEST_TMPDIR/pipe.txt"
	encode --layers 1 --heads 2 --ff 16 --weights "$S/layer-post.npz" "$BATS_TEST_TMPDIR/x.txt" >"$BATS_TEST_TMPDIR/one.txt"
	cmp "$BATS_TEST_TMPDIR/pipe.txt" "$BATS_TEST_TMPDIR/one.txt"
	grep -q "^#rows a dog ran <pad> <pad> <pad>" "$BATS_TEST_TMPDIR/pipe.txt"
}

@test "pipelines: greedy translation as a shell loop of stages equals decode --generate on the toy model" {
	M=$GOLDEN/transformer
	sh "$SAMPLES/greedy.sh" <"$M/model_src.txt" >"$BATS_TEST_TMPDIR/loop.txt"
	decode --generate --weights "$M/model.npz" "$M/model_src.txt" >"$BATS_TEST_TMPDIR/one.txt"
	cmp "$BATS_TEST_TMPDIR/loop.txt" "$BATS_TEST_TMPDIR/one.txt"
	cmp "$BATS_TEST_TMPDIR/loop.txt" "$M/model_greedy.txt"
}

@test "pipelines: the greedy loop stops at MAX_LEN tokens as decode --generate --max-len does" {
	M=$GOLDEN/transformer
	head -2 "$M/model_src.txt" >"$BATS_TEST_TMPDIR/src.txt"
	MAX_LEN=6 sh "$SAMPLES/greedy.sh" "$M/model_random.npz" <"$BATS_TEST_TMPDIR/src.txt" >"$BATS_TEST_TMPDIR/loop.txt"
	decode --generate --max-len 6 --weights "$M/model_random.npz" "$BATS_TEST_TMPDIR/src.txt" >"$BATS_TEST_TMPDIR/one.txt"
	cmp "$BATS_TEST_TMPDIR/loop.txt" "$BATS_TEST_TMPDIR/one.txt"
	[ "$(head -1 "$BATS_TEST_TMPDIR/loop.txt" | wc -w)" -eq 6 ]
}

@test "pipelines: attention weights by hand (tensor split, transpose, matmul, scale, softmax) equal attend's, head by head" {
	d=$BATS_TEST_TMPDIR
	S=$GOLDEN/stages
	tensor split --heads 2 "$S/x.txt" >"$d/qh.txt"
	tensor split --heads 2 "$S/x.txt" | tensor transpose >"$d/kt.txt"
	tensor matmul "$d/qh.txt" "$d/kt.txt" | tensor scale --by 0.5 | tensor softmax >"$d/w.txt"
	for h in 0 1; do
		tensor slice --cols $((4 * h)):$((4 * h + 4)) "$S/x.txt" | attend --score scaled --attn "$d/a$h.txt" >/dev/null
		tensor pick --heads $h "$d/w.txt" >"$d/w$h.txt"
		assert_close "$d/w$h.txt" "$d/a$h.txt" 0
	done
}

@test "pipelines: permuting the words before self-attention permutes its output the same way" {
	d=$BATS_TEST_TMPDIR
	tensor permute --rows 2,0,1,4,3 "$GOLDEN/stages/x.txt" | mha --heads 2 >"$d/a.txt"
	mha --heads 2 "$GOLDEN/stages/x.txt" | tensor permute --rows 2,0,1,4,3 >"$d/b.txt"
	assert_close "$d/a.txt" "$d/b.txt" 1e-6
	grep -q "^#rows sat the cat mat on" "$d/a.txt"
}

# ---- attention beyond sentences: graphs (samples/graph-attention.sh) --------------------------------------

@test "pipelines: samples/graph-attention.sh attends along the molecule's bonds only, and draws it" {
	cd "$BATS_TEST_TMPDIR"
	cp -r "$SAMPLES" samples
	run sh samples/graph-attention.sh
	[ "$status" -eq 0 ]
	[[ "$output" == *"every atom attends to its neighbours only"* ]]
	[ -s out/graph-attention.png ]
	grep -qx '#rows C1 C2 C3 C4 C5 C6 O1 N1 C7 O2 C8' out/graph-weights.txt
	# C4 (row 4) sees C3, C5, N1 and itself, nothing else
	[ "$(grep -v '^#' out/graph-weights.txt | sed -n 4p | awk '{ for (i = 1; i <= NF; i++) if ($i != 0) printf "%d ", i }')" = "3 4 5 8 " ]
}

@test "pipelines: samples/audio-attention.sh makes a WAV, and the second tone attends to the first" {
	cd "$BATS_TEST_TMPDIR"
	cp -r "$SAMPLES" samples
	run sh samples/audio-attention.sh
	[ "$status" -eq 0 ]
	[ -s out/audio-attention.png ]
	[[ "$output" == *"out/audio-frames.txt #0: 25x25 name logmel"* ]]
	# the WAV the script wrote by hand reads back as 0.52 s at 8000 Hz: 4160 samples
	[ "$(wc -c < out/audio-tones.wav)" -eq $((44 + 2 * 4160)) ]
	# frame t0.420 (the second A, row 22) weighs frame t0.020 (the first A) as much as itself, B's t0.240 less
	row=$(grep -v '^#' out/audio-weights.txt | sed -n 22p)
	echo "$row" | awk '{ if ($2 < 0.9 * $22 || $13 > 0.5 * $2) exit 1 }'
}
