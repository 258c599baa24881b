#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The tensor helper program: info, rand, diff, get, pack, and the conventions every program follows.
load helpers

@test "tensor: --help prints the usage on stdout and exits 0" {
	run tensor --help
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "usage: tensor [cat]"* ]]
}

@test "tensor: --version names the program and the version" {
	run tensor --version
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^tensor\ \(pipeformer\)\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
}

@test "tensor: an unknown option is a usage error (exit 2)" {
	run tensor --frobnicate
	[ "$status" -eq 2 ]
	[[ "$output" == *"Try 'tensor --help'"* ]]
}

@test "tensor: a bad number on the command line is a usage error naming the option" {
	run tensor rand --shape 2x2 --count -3
	assert_fails 2 "tensor: --count: -3 is out of range"
	run tensor rand --shape 2xq
	assert_fails 2 "tensor: --shape: '2xq' is not a shape"
}

@test "tensor info: shape, name, labels and statistics" {
	run tensor info "$SAMPLES/matrix.txt"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == *"#0: 3x4 name example" ]]
	[[ "${lines[1]}" == "  rows: the cat sat" ]]
	[[ "$output" == *"min -2  max 3.5  mean 0.385416667"* ]]
}

@test "tensor info: counts NaN and Inf instead of rejecting them" {
	run sh -c 'printf "1 nan\ninf -inf\n" | tensor info'
	[ "$status" -eq 0 ]
	[[ "$output" == *"NaN 1  Inf 2"* ]]
	[[ "$output" == *"min 1  max 1"* ]]
}

@test "tensor rand: the same seed gives the same tensor, another seed another" {
	a=$(tensor rand --shape 3x3 --seed 5)
	b=$(tensor rand --shape 3x3 --seed 5)
	c=$(tensor rand --shape 3x3 --seed 6)
	[ "$a" = "$b" ]
	[ "$a" != "$c" ]
}

@test "tensor rand: normal draws have mean near 0 and variance near 1" {
	tensor rand --shape 200x200 --seed 9 -b > "$BATS_TEST_TMPDIR/r.bin"
	run tensor info "$BATS_TEST_TMPDIR/r.bin"
	mean=$(echo "$output" | sed -n 's/.*mean \([^ ]*\).*/\1/p')
	awk -v m="$mean" 'BEGIN { exit !(m > -0.02 && m < 0.02) }'
}

@test "tensor rand: uniform draws stay in [-1, 1)" {
	run sh -c 'tensor rand --shape 100x100 --dist uniform -b | tensor info'
	lo=$(echo "$output" | sed -n 's/.*min \([^ ]*\).*/\1/p')
	hi=$(echo "$output" | sed -n 's/.*max \([^ ]*\).*/\1/p')
	awk -v lo="$lo" -v hi="$hi" 'BEGIN { exit !(lo >= -1 && hi < 1 && lo < -0.99 && hi > 0.99) }'
}

@test "tensor diff: equal streams exit 0" {
	run tensor diff "$SAMPLES/matrix.txt" "$SAMPLES/matrix.txt"
	[ "$status" -eq 0 ]
	[[ "$output" == *"max abs diff 0"* ]]
}

@test "tensor diff: a difference beyond atol exits 1 and reports the largest" {
	printf '1 2\n3 4\n' > "$BATS_TEST_TMPDIR/a"
	printf '1 2.5\n3 4.001\n' > "$BATS_TEST_TMPDIR/b"
	run tensor diff --atol 0.01 "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
	[ "$status" -eq 1 ]
	[[ "$output" == *"max abs diff 0.5"* ]]
	[[ "$output" == *"1 of 4 values outside"* ]]
}

@test "tensor diff: rtol scales with the second stream" {
	printf '100\n' > "$BATS_TEST_TMPDIR/a"
	printf '101\n' > "$BATS_TEST_TMPDIR/b"
	run tensor diff --atol 0 --rtol 0.02 "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
	[ "$status" -eq 0 ]
	run tensor diff --atol 0 --rtol 0.005 "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
	[ "$status" -eq 1 ]
}

@test "tensor diff: errors exit 2 (shape mismatch, count mismatch, missing file)" {
	printf '1 2\n' > "$BATS_TEST_TMPDIR/a"
	printf '1 2 3\n' > "$BATS_TEST_TMPDIR/b"
	run tensor diff "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
	assert_fails 2 "tensor #0: shape 1x2 in .*, 1x3 in"
	tensor rand --shape 2 --count 2 > "$BATS_TEST_TMPDIR/c"
	tensor rand --shape 2 > "$BATS_TEST_TMPDIR/d"
	run tensor diff "$BATS_TEST_TMPDIR/c" "$BATS_TEST_TMPDIR/d"
	assert_fails 2 "has more tensors than"
	run tensor diff "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/missing"
	assert_fails 2 "missing: No such file"
}

@test "tensor pack and get: an archive round trip keeps every value" {
	tensor rand --shape 4x3 --seed 2 > "$BATS_TEST_TMPDIR/w.txt"
	tensor rand --shape 4 --seed 3 > "$BATS_TEST_TMPDIR/b.txt"
	tensor pack "$BATS_TEST_TMPDIR/m.npz" weight="$BATS_TEST_TMPDIR/w.txt" bias="$BATS_TEST_TMPDIR/b.txt"
	tensor get "$BATS_TEST_TMPDIR/m.npz" weight > "$BATS_TEST_TMPDIR/w2.txt"
	assert_close "$BATS_TEST_TMPDIR/w.txt" "$BATS_TEST_TMPDIR/w2.txt" 0
	run tensor get "$BATS_TEST_TMPDIR/m.npz"
	[[ "${lines[1]}" == "#name weight" ]]
}

@test "tensor pack: a bad pair is a usage error" {
	run tensor pack "$BATS_TEST_TMPDIR/m.npz" weight
	assert_fails 2 "'weight' is not NAME=FILE"
	[ ! -e "$BATS_TEST_TMPDIR/m.npz" ]
}

@test "tensor get: not an archive" {
	run tensor get "$SAMPLES/matrix.txt" x
	assert_fails 1 "matrix.txt: not a .npz archive"
}

@test "tensor: a failed write is an error, not a silent success" {
	[ -w /dev/full ] || skip "no /dev/full"
	run sh -c 'tensor rand --shape 100x100 > /dev/full'
	assert_fails 1 "tensor: stdout: write error: No space left on device"
}

@test "tensor: a closed downstream pipe ends quietly" {
	run sh -c 'tensor rand --shape 1000x100 | head -n 1'
	[ "$output" = "#tensor 1000 100" ]
}

# ---- the matrix tools -------------------------------------------------------------------------

ST="$GOLDEN/stages"

@test "tensor add: x + x equals 2 x, labels kept" {
	tensor add "$ST/x.txt" "$ST/x.txt" >"$BATS_TEST_TMPDIR/a.txt"
	tensor scale --by 2 "$ST/x.txt" >"$BATS_TEST_TMPDIR/b.txt"
	cmp "$BATS_TEST_TMPDIR/a.txt" "$BATS_TEST_TMPDIR/b.txt"
	grep -q "^#rows the cat sat on mat" "$BATS_TEST_TMPDIR/a.txt"
}

@test "tensor add: - reads one side from standard input (the residual of a pipeline)" {
	printf '10 20\n30 40\n' >"$BATS_TEST_TMPDIR/b.txt"
	run sh -c "printf '1 2\n3 4\n' | tensor add - '$BATS_TEST_TMPDIR/b.txt'"
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "11 22" ]
	[ "${lines[2]}" = "33 44" ]
}

@test "tensor add: a row is added to every row (a bias)" {
	printf '10 20\n' >"$BATS_TEST_TMPDIR/b.txt"
	run sh -c "printf '1 2\n3 4\n' | tensor add - '$BATS_TEST_TMPDIR/b.txt'"
	[ "${lines[1]}" = "11 22" ]
	[ "${lines[2]}" = "13 24" ]
}

@test "tensor add: shapes that do not fit are an error naming both" {
	printf '1 2 3\n' >"$BATS_TEST_TMPDIR/b.txt"
	run tensor add "$ST/x.txt" "$BATS_TEST_TMPDIR/b.txt"
	assert_fails 1 "cannot add 5x8 and 1x3"
}

@test "tensor add: both sides on standard input is a usage error" {
	run tensor add - -
	assert_fails 2 "cannot both be standard input"
}

@test "tensor add: --explain shows the two inputs and the sum of the first row" {
	tensor add --explain=1 "$ST/x.txt" "$ST/x.txt" 2>"$BATS_TEST_TMPDIR/e.txt" >/dev/null
	grep -q "residual connection" "$BATS_TEST_TMPDIR/e.txt"
	grep -q "^ *a + b  *-0.6836 " "$BATS_TEST_TMPDIR/e.txt"
	! grep -q "row 1 of 5" "$BATS_TEST_TMPDIR/e.txt"
}

@test "tensor scale: --by is required" {
	run tensor scale "$ST/x.txt"
	assert_fails 2 "scale needs --by X"
}

@test "tensor matmul: rows of A times columns of B, labels of both" {
	printf '#tensor 2 3\n#rows a b\n1 2 3\n4 5 6\n' >"$BATS_TEST_TMPDIR/a.txt"
	printf '#tensor 3 2\n#cols p q\n0 1\n1 0\n0 0.5\n' >"$BATS_TEST_TMPDIR/b.txt"
	run tensor matmul "$BATS_TEST_TMPDIR/a.txt" "$BATS_TEST_TMPDIR/b.txt"
	[ "${lines[1]}" = "#rows a b" ]
	[ "${lines[2]}" = "#cols p q" ]
	[ "${lines[3]}" = "  2 2.5" ]
	[ "${lines[4]}" = "  5   7" ]
}

@test "tensor matmul: x times the transposed weight equals linear --no-bias" {
	d=$BATS_TEST_TMPDIR
	tensor get "$ST/linear-nobias.npz" weight | tensor transpose >"$d/wt.txt"
	tensor matmul "$ST/x.txt" "$d/wt.txt" >"$d/y.txt"
	assert_close "$d/y.txt" "$ST/linear-nobias.txt"
}

@test "tensor matmul: a 3-D B multiplies head by head (q k^T of every head)" {
	d=$BATS_TEST_TMPDIR
	tensor split --heads 2 "$ST/x.txt" >"$d/h.txt"
	tensor transpose "$d/h.txt" >"$d/ht.txt"
	tensor matmul "$d/h.txt" "$d/ht.txt" | tensor pick --heads 1 >"$d/all.txt"
	tensor pick --heads 1 "$d/h.txt" >"$d/h1.txt"
	tensor transpose "$d/h1.txt" >"$d/h1t.txt"
	tensor matmul "$d/h1.txt" "$d/h1t.txt" | cmp - "$d/all.txt"
}

@test "tensor matmul: inner sizes that differ are an error" {
	run tensor matmul "$ST/x.txt" "$ST/x.txt"
	assert_fails 1 "cannot multiply 5x8 by 5x8"
}

@test "tensor transpose: swaps rows and columns with their labels; twice is the identity" {
	run tensor transpose "$ST/x.txt"
	[ "${lines[0]}" = "#tensor 8 5" ]
	[ "${lines[1]}" = "#cols the cat sat on mat" ]
	tensor transpose "$ST/x.txt" | tensor transpose >"$BATS_TEST_TMPDIR/y.txt"
	tensor cat "$ST/x.txt" | cmp - "$BATS_TEST_TMPDIR/y.txt"
}

@test "tensor softmax: equals torch.softmax over the last axis" {
	tensor softmax "$ST/x.txt" >"$BATS_TEST_TMPDIR/y.txt"
	assert_close "$BATS_TEST_TMPDIR/y.txt" "$ST/softmax.txt" 1e-7
}

@test "tensor softmax: --temperature T equals torch.softmax(x / T)" {
	tensor softmax --temperature 2 "$ST/x.txt" >"$BATS_TEST_TMPDIR/y.txt"
	assert_close "$BATS_TEST_TMPDIR/y.txt" "$ST/softmax-t2.txt" 1e-7
}

@test "tensor softmax: the course's softmax([1, 2, 3])" {
	run sh -c "echo '1 2 3' | tensor softmax --digits 4"
	[ "${lines[1]}" = "0.09003  0.2447  0.6652" ]
}

@test "tensor softmax: a temperature of 0 is a usage error" {
	run tensor softmax --temperature 0 "$ST/x.txt"
	assert_fails 2 "--temperature: 0 is out of range"
}

@test "tensor sparsemax: rows with ties equal Martins and Astudillo's algorithm (tests/golden/make_normalize.py)" {
	tensor sparsemax "$GOLDEN/normalize/ties.txt" >"$BATS_TEST_TMPDIR/y.txt"
	assert_close "$BATS_TEST_TMPDIR/y.txt" "$GOLDEN/normalize/ties-sparsemax.txt" 1e-7
}

@test "tensor sparsemax: the course's [1, 2, 3] keeps only the largest, exactly" {
	run sh -c "echo '1 2 3' | tensor sparsemax"
	[ "${lines[1]}" = "0 0 1" ]
}

@test "tensor sigmoid: equals 1 / (1 + exp(-x)), also far from 0" {
	tensor sigmoid "$GOLDEN/normalize/ties.txt" >"$BATS_TEST_TMPDIR/y.txt"
	assert_close "$BATS_TEST_TMPDIR/y.txt" "$GOLDEN/normalize/ties-sigmoid.txt" 1e-7
}

@test "tensor relu: equals max(x, 0)" {
	tensor relu "$GOLDEN/normalize/ties.txt" >"$BATS_TEST_TMPDIR/y.txt"
	assert_close "$BATS_TEST_TMPDIR/y.txt" "$GOLDEN/normalize/ties-relu.txt" 0
}

@test "tensor relu: --temperature belongs to softmax" {
	run tensor relu --temperature 2 "$GOLDEN/normalize/ties.txt"
	assert_fails 2 "--temperature is for tensor softmax, not tensor relu"
}

@test "tensor adjacency: an edge list as an undirected 0/1 mask labelled with the nodes (tests/golden/make_graph.py)" {
	tensor adjacency "$GOLDEN/graph/edges.txt" >"$BATS_TEST_TMPDIR/a.txt"
	cmp "$BATS_TEST_TMPDIR/a.txt" "$GOLDEN/graph/adjacency.txt"
}

@test "tensor adjacency: --directed keeps each edge one way" {
	tensor adjacency --directed "$GOLDEN/graph/edges.txt" >"$BATS_TEST_TMPDIR/a.txt"
	cmp "$BATS_TEST_TMPDIR/a.txt" "$GOLDEN/graph/directed.txt"
}

@test "tensor adjacency: --self-loops puts 1 on the diagonal, lone nodes included" {
	tensor adjacency --self-loops "$GOLDEN/graph/edges.txt" >"$BATS_TEST_TMPDIR/a.txt"
	cmp "$BATS_TEST_TMPDIR/a.txt" "$GOLDEN/graph/self-loops.txt"
	tensor adjacency --directed --self-loops - <"$GOLDEN/graph/edges.txt" >"$BATS_TEST_TMPDIR/b.txt"
	cmp "$BATS_TEST_TMPDIR/b.txt" "$GOLDEN/graph/directed-self-loops.txt"
}

@test "tensor adjacency: a line of three names is an error naming the line" {
	run sh -c "printf 'a b\na b c\n' | tensor adjacency -"
	assert_fails 1 "tensor: standard input: line 2: 3 names: an edge is two node names"
}

@test "tensor adjacency: an edge list without a node is an error" {
	run sh -c "printf '# nothing\n\n' | tensor adjacency -"
	assert_fails 1 "tensor: standard input: no node"
}

@test "tensor adjacency: a missing file is an error, no file a usage error" {
	run tensor adjacency "$BATS_TEST_TMPDIR/none.txt"
	assert_fails 1 "none.txt: No such file or directory"
	run tensor adjacency
	assert_fails 2 "adjacency reads one edge list"
	run tensor adjacency --directed --by 2 "$GOLDEN/graph/edges.txt"
	assert_fails 2 "--by is for tensor scale, not tensor adjacency"
}

@test "tensor argmax: ties go to the lowest id, as torch.argmax" {
	run tensor argmax --ids "$ST/ties.txt"
	[ "$output" = "$(cat "$ST/argmax.txt")" ]
}

@test "tensor argmax: the label of the column, from the column labels or --vocab" {
	printf '#tensor 2 3\n#cols le chat </s>\n0.1 0.7 0.2\n0.5 0.1 0.4\n' >"$BATS_TEST_TMPDIR/p.txt"
	run tensor argmax "$BATS_TEST_TMPDIR/p.txt"
	[ "$output" = "chat le" ]
	printf 'a\nb\nc\n' >"$BATS_TEST_TMPDIR/v.txt"
	run tensor argmax --vocab "$BATS_TEST_TMPDIR/v.txt" "$BATS_TEST_TMPDIR/p.txt"
	[ "$output" = "b a" ]
}

@test "tensor argmax: a --vocab of another size than the columns is an error" {
	printf 'a\nb\n' >"$BATS_TEST_TMPDIR/v.txt"
	run tensor argmax --vocab "$BATS_TEST_TMPDIR/v.txt" "$ST/ties.txt"
	assert_fails 1 "4 columns, but 2 tokens in"
}

@test "tensor topk: the K largest, largest first, ties in order of id" {
	run tensor topk -k 3 "$ST/ties.txt"
	[ "${lines[0]}" = "0: 1 3 2 3 0 1" ]
	[ "${lines[1]}" = "1: 0 2 1 2 2 2" ]
	[ "${lines[2]}" = "2: 2 5 3 5 0 0" ]
}

@test "tensor topk: labels rows and columns" {
	printf '#tensor 1 3\n#rows x\n#cols le chat </s>\n0.1 0.7 0.2\n' >"$BATS_TEST_TMPDIR/p.txt"
	run tensor topk -k 9 "$BATS_TEST_TMPDIR/p.txt"
	[ "$output" = "x: chat 0.7 </s> 0.2 le 0.1" ]
}

@test "tensor slice: a range of rows and a list of columns, labels selected too" {
	run tensor slice --rows 1:3 --cols 0,2 "$ST/x.txt"
	[ "${lines[0]}" = "#tensor 2 2" ]
	[ "${lines[1]}" = "#rows cat sat" ]
}

@test "tensor pick: one plain index drops its axis, -1 is the last" {
	run tensor pick --rows -1 "$ST/x.txt"
	[ "${lines[0]}" = "#tensor 8" ]
	tensor slice --rows 4 "$ST/x.txt" | tail -1 >"$BATS_TEST_TMPDIR/a"
	[ "${lines[1]}" = "$(cat "$BATS_TEST_TMPDIR/a")" ]
}

@test "tensor pick: --heads picks one head of H x T x S attention weights" {
	tensor split --heads 2 "$ST/x.txt" | tensor pick --heads 1 >"$BATS_TEST_TMPDIR/h.txt"
	tensor slice --cols 4:8 "$ST/x.txt" | cmp - "$BATS_TEST_TMPDIR/h.txt"
}

@test "tensor slice: an index outside the axis is an error, a bad list a usage error" {
	run tensor slice --rows 5 "$ST/x.txt"
	assert_fails 1 "--rows 5: index 5 is outside 0 .. 4"
	run tensor slice --rows 1:x "$ST/x.txt"
	assert_fails 2 "--rows: '1:x' is not a list of indices"
	run tensor pick --heads 0 "$ST/x.txt"
	assert_fails 1 "a 2-D tensor has no such axis"
}

@test "tensor permute: --rows reorders the rows and their labels" {
	run tensor permute --rows 2,0,1,3,4 "$ST/x.txt"
	[ "${lines[1]}" = "#rows sat the cat on mat" ]
	run tensor permute --rows 0,0,1,2,3 "$ST/x.txt"
	assert_fails 1 "is not a permutation of 0 .. 4"
}

@test "tensor permute: --axes orders the axes as torch.permute" {
	tensor split --heads 2 "$ST/x.txt" | tensor permute --axes 1,0,2 >"$BATS_TEST_TMPDIR/p.txt"
	run tensor info "$BATS_TEST_TMPDIR/p.txt"
	[[ "${lines[0]}" == *"#0: 5x2x4" ]]
	tensor pick --heads 1 --rows 0 "$BATS_TEST_TMPDIR/p.txt" >"$BATS_TEST_TMPDIR/a"
	tensor pick --rows 1 --cols 0:4 "$ST/x.txt" | cmp - "$BATS_TEST_TMPDIR/a"
	run tensor permute --axes 1,0 "$BATS_TEST_TMPDIR/p.txt"
	assert_fails 1 "--axes 1,0 is not an order of the 3 axes"
}

@test "tensor split: --heads H gives H x T x E/H as multi-head attention splits; concat --heads undoes it" {
	tensor split --heads 2 "$ST/x.txt" >"$BATS_TEST_TMPDIR/h.txt"
	run tensor info "$BATS_TEST_TMPDIR/h.txt"
	[[ "${lines[0]}" == *"#0: 2x5x4" ]]
	tensor concat --heads 2 "$BATS_TEST_TMPDIR/h.txt" >"$BATS_TEST_TMPDIR/y.txt"
	tensor cat "$ST/x.txt" | cmp - "$BATS_TEST_TMPDIR/y.txt"
	run tensor split --heads 3 "$ST/x.txt"
	assert_fails 1 "8 columns do not split into 3 heads"
}

@test "tensor concat: files side by side, or one under the other with --along rows" {
	tensor slice --cols :3 "$ST/x.txt" >"$BATS_TEST_TMPDIR/a.txt"
	tensor slice --cols 3: "$ST/x.txt" >"$BATS_TEST_TMPDIR/b.txt"
	tensor concat "$BATS_TEST_TMPDIR/a.txt" "$BATS_TEST_TMPDIR/b.txt" >"$BATS_TEST_TMPDIR/y.txt"
	tensor cat "$ST/x.txt" | cmp - "$BATS_TEST_TMPDIR/y.txt"
	tensor slice --rows :2 "$ST/x.txt" >"$BATS_TEST_TMPDIR/a.txt"
	tensor slice --rows 2: "$ST/x.txt" >"$BATS_TEST_TMPDIR/b.txt"
	tensor concat --along rows "$BATS_TEST_TMPDIR/a.txt" "$BATS_TEST_TMPDIR/b.txt" >"$BATS_TEST_TMPDIR/y.txt"
	tensor cat "$ST/x.txt" | cmp - "$BATS_TEST_TMPDIR/y.txt"
}

@test "tensor stack: the tensors of a stream into one; unstack undoes it" {
	tensor rand --shape 2x3 --count 4 >"$BATS_TEST_TMPDIR/r.txt"
	tensor stack "$BATS_TEST_TMPDIR/r.txt" >"$BATS_TEST_TMPDIR/s.txt"
	run tensor info "$BATS_TEST_TMPDIR/s.txt"
	[[ "${lines[0]}" == *"#0: 4x2x3" ]]
	tensor unstack "$BATS_TEST_TMPDIR/s.txt" | cmp - "$BATS_TEST_TMPDIR/r.txt"
}

@test "tensor stack: tensors of different shapes are an error" {
	(tensor rand --shape 2x3; tensor rand --shape 3x3) >"$BATS_TEST_TMPDIR/r.txt"
	run tensor stack "$BATS_TEST_TMPDIR/r.txt"
	assert_fails 1 "tensor #1 is 3x3, the first 2x3"
}

@test "tensor: an option of another sub-command is a usage error, not ignored" {
	run tensor argmax --temperature 2 "$ST/x.txt"
	assert_fails 2 "tensor: --temperature is for tensor softmax, not tensor argmax"
	run tensor add --rows 1 "$ST/x.txt" "$ST/x.txt"
	assert_fails 2 "tensor: --rows is for tensor slice, pick, permute, not tensor add"
	run tensor cat -k 3 "$ST/x.txt"
	assert_fails 2 "tensor: -k is for tensor topk, not tensor cat"
}

@test "tensor argmax, topk: rows of 0 columns are an error, not a crash; softmax passes them on" {
	printf '#tensor 2 0\n' >"$BATS_TEST_TMPDIR/z.txt"
	run tensor argmax "$BATS_TEST_TMPDIR/z.txt"
	assert_fails 1 "tensor #0 has rows of 0 columns: no largest value"
	run tensor topk "$BATS_TEST_TMPDIR/z.txt"
	assert_fails 1 "no largest value"
	run tensor softmax "$BATS_TEST_TMPDIR/z.txt"
	[ "$status" -eq 0 ]
	[ "$output" = "#tensor 2 0" ]
}

@test "tensor pick: an index into an empty axis says so" {
	printf '#tensor 0 3\n' >"$BATS_TEST_TMPDIR/z.txt"
	run tensor pick --rows -1 "$BATS_TEST_TMPDIR/z.txt"
	assert_fails 1 "--rows -1: that axis is empty"
}

@test "tensor diff: the cells outside the tolerance are named by index, largest difference first" {
	printf '1 2\n3 4\n' > "$BATS_TEST_TMPDIR/a"
	printf '1 2.5\n3.25 4\n' > "$BATS_TEST_TMPDIR/b"
	run tensor diff --atol 0.01 "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
	[ "$status" -eq 1 ]
	[ "${lines[3]}" = "the largest differences:" ]
	[ "${lines[4]}" = "  [0,1]: 2 in $BATS_TEST_TMPDIR/a, 2.5 in $BATS_TEST_TMPDIR/b" ]
	[ "${lines[5]}" = "  [1,0]: 3 in $BATS_TEST_TMPDIR/a, 3.25 in $BATS_TEST_TMPDIR/b" ]
	[ "${#lines[@]}" -eq 6 ]                     # the cells within the tolerance are not listed
}

@test "tensor diff: a differing cell is named by its row and column labels" {
	printf '#tensor 2 2\n#rows the cat\n#cols the cat\n0.5 0.5\n0.25 0.75\n' > "$BATS_TEST_TMPDIR/a"
	printf '#tensor 2 2\n#rows the cat\n#cols the cat\n0.5 0.5\n0.75 0.25\n' > "$BATS_TEST_TMPDIR/b"
	run tensor diff "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
	[ "$status" -eq 1 ]
	[[ "$output" == *"  [1,0] (row cat, col the): 0.25 in "* ]]
	[[ "$output" == *"  [1,1] (row cat, col cat): 0.75 in "* ]]
}

@test "tensor diff: in a stream of several tensors the cell names its tensor" {
	printf '1 2\n\n3 4\n' > "$BATS_TEST_TMPDIR/a"
	printf '1 2\n\n3 5\n' > "$BATS_TEST_TMPDIR/b"
	run tensor diff "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
	[ "$status" -eq 1 ]
	[[ "$output" == *"the value outside:"$'\n'"  tensor #1 [0,1]: 4 in "* ]]
}

@test "tensor diff: at most three cells are named" {
	tensor rand --shape 4x4 --seed 1 > "$BATS_TEST_TMPDIR/a"
	tensor rand --shape 4x4 --seed 2 > "$BATS_TEST_TMPDIR/b"
	run tensor diff "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 7 ]
}

@test "tensor: a mistyped sub-command that is no file suggests the sub-command" {
	cd "$BATS_TEST_TMPDIR"
	run tensor ifno
	assert_fails 2 "^tensor: ifno: no such file, and no sub-command: did you mean tensor info\?"
}

@test "tensor: a weights archive given as a stream points at tensor get" {
	run tensor "$GOLDEN/mha-h1.npz"
	assert_fails 1 "a .npz archive \(a zip of arrays\), not a tensor stream: tensor get .*mha-h1.npz NAME"
}

@test "tensor: a mistyped long option suggests the nearest one" {
	run tensor diff --atoll 1 a b
	assert_fails 2 "^tensor: unrecognized option '--atoll'"
	[[ "$output" == *"tensor: did you mean --atol?"* ]]
}
