#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# --threads and PIPEFORMER_THREADS (lib/threads): every program gives the same bytes with 1 and with 3 threads,
# on sizes that fill no block of the kernels (257 queries, widths 33 and 64), so that each parallel loop
# (heads, query blocks, rows, the column blocks of matrix products) and each tail runs.
load helpers

setup() {
	T=$BATS_TEST_TMPDIR
	tensor rand --shape 257x64 --seed 1 > "$T/x64.txt"
	tensor rand --shape 257x33 --seed 2 > "$T/x33.txt"
}

# same_for_threads CMD...: CMD's stdout with --threads 1, --threads 3 and PIPEFORMER_THREADS=3 is the same
same_for_threads() {
	"$@" --threads 1 > "$T/one.out"
	"$@" --threads 3 > "$T/three.out"
	PIPEFORMER_THREADS=3 "$@" > "$T/env.out"
	[ -s "$T/one.out" ]
	cmp "$T/one.out" "$T/three.out"
	cmp "$T/one.out" "$T/env.out"
}

@test "threads: attend's tiled path gives the same bytes for 1 and 3 threads (causal, scaled and additive)" {
	same_for_threads attend --causal "$T/x33.txt"
	same_for_threads attend --score additive --project --seed 3 "$T/x64.txt"
}

@test "threads: attend's plain path and its weights give the same bytes for 1 and 3 threads" {
	same_for_threads attend --attn "$T/w.txt" "$T/x64.txt"
	cp "$T/w.txt" "$T/w1.txt"
	attend --threads 3 --attn "$T/w.txt" "$T/x64.txt" > /dev/null
	cmp "$T/w.txt" "$T/w1.txt"
}

@test "threads: mha gives the same bytes for 1 and 3 threads, its 8 heads shared among them" {
	same_for_threads mha --heads 8 --seed 4 "$T/x64.txt"
	same_for_threads mha --heads 8 --causal --seed 4 "$T/x64.txt"
}

@test "threads: a Transformer encoder (heads, LayerNorm rows, GELU) gives the same bytes for 1 and 3 threads" {
	tensor rand --shape 130x256 --seed 5 > "$T/x256.txt"
	same_for_threads encode --layers 2 --heads 4 --ff 512 --activation gelu --seed 6 "$T/x256.txt"
}

@test "threads: greedy and beam generation give the same tokens and scores for 1 and 3 threads" {
	G=$GOLDEN/transformer
	same_for_threads decode --generate --beam 3 --max-len 8 --weights "$G/model_random.npz" "$G/model_src.txt"
}

@test "threads: a text stream of a large tensor is printed and parsed the same for 1 and 3 threads" {
	tensor rand --shape 300x300 --seed 7 -b > "$T/big.bin"
	same_for_threads tensor "$T/big.bin"
	cp "$T/one.out" "$T/big.txt"
	same_for_threads tensor -b "$T/big.txt"
}

@test "threads: --threads 0 and a PIPEFORMER_THREADS that is not a number are usage errors" {
	run attend --threads 0 "$T/x33.txt"
	assert_fails 2 "attend: --threads: 0 is out of range \(1 to 1024\)"
	PIPEFORMER_THREADS=many run attend "$T/x33.txt"
	assert_fails 2 "attend: PIPEFORMER_THREADS: 'many' is not a whole number from 1 to 1024"
}

@test "threads: a base layer's 3.1M random parameters (the threads each jump to their part of the random stream) are the same for 1 and 3 threads" {
	tensor rand --shape 3x512 --seed 5 > "$T/x512.txt"
	same_for_threads encode --layers 1 --heads 8 --ff 2048 --seed 6 "$T/x512.txt"
}
