#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# heatmap --overlay: one query's attention painted over the patches of the picture embed --image read.
# The picture: tests/golden/vision/order.png, 6 x 4 gray pixels cut into 2 x 3 patches of 2, patch (i, j)
# of gray 10 (3 i + j) + 5 (tests/golden/make_vision.py). PNGs are read back with tests/pngread.py.
load helpers

setup() {
	T="$BATS_TEST_TMPDIR"
	PIC="$GOLDEN/vision/order.png"
	# the query cls puts 0.9 on patch p0_2 (pixels x 4-5, y 0-1) and nothing on the other patches
	{ echo '#tensor 2 7'; echo '#rows cls p0_0'; echo '#cols cls p0_0 p0_1 p0_2 p1_0 p1_1 p1_2'
	  echo '0.1 0 0 0.9 0 0 0'; echo '0 0 0 0 0.5 0 0.5'; } > "$T/w.txt"
	# two heads: head 0 as above, head 1's cls on p1_0 (pixels x 0-1, y 2-3)
	{ echo '#tensor 2 2 7'; echo '#rows cls p0_0'; echo '#cols cls p0_0 p0_1 p0_2 p1_0 p1_1 p1_2'
	  echo '0.1 0 0 0.9 0 0 0'; echo '0 0 0 0 0.5 0 0.5'
	  echo '0.1 0 0 0 0.9 0 0'; echo '0 0 0 0 0.5 0 0.5'; } > "$T/heads.txt"
}

@test "heatmap --overlay: the picture is as large as the image" {
	heatmap --overlay "$PIC" --query 0 -o "$T/o.png" "$T/w.txt"
	[ "$(png "$T/o.png" size)" = "6 4" ]
	[[ "$(png "$T/o.png" check)" == "ok "* ]]
}

@test "heatmap --overlay: --scale K draws it K times as large" {
	heatmap --overlay "$PIC" --scale 3 -o "$T/o.png" "$T/w.txt"
	[ "$(png "$T/o.png" size)" = "18 12" ]
}

@test "heatmap --overlay: the patch of the highest weight changes, all its pixels alike; weight-0 patches keep theirs" {
	heatmap --overlay "$PIC" --query cls -o "$T/o.png" "$T/w.txt"
	tinted=$(png "$T/o.png" pixel 4 0)
	[ "$tinted" != "25 25 25" ]
	[ "$(png "$T/o.png" pixel 5 1)" = "$tinted" ]
	[ "$(png "$T/o.png" pixel 0 0)" = "5 5 5" ]
	[ "$(png "$T/o.png" pixel 3 1)" = "15 15 15" ]
	[ "$(png "$T/o.png" pixel 2 2)" = "45 45 45" ]
}

@test "heatmap --overlay: --alpha 1 paints the strongest patch in the colour map's top colour" {
	heatmap --overlay "$PIC" --query cls --alpha 1 -o "$T/o.png" "$T/w.txt"
	[ "$(png "$T/o.png" pixel 4 0)" = "253 231 37" ]    # viridis' last colour, #fde725
	heatmap --overlay "$PIC" --query cls --alpha 0 -o "$T/o.png" "$T/w.txt"
	[ "$(png "$T/o.png" pixel 4 0)" = "25 25 25" ]
}

@test "heatmap --overlay: a weight halfway up the scale tints, less than the top of the scale" {
	# query p0_0: 0.5 on p1_0 (gray 35) and on p1_2; --vmax 1 puts it halfway
	heatmap --overlay "$PIC" --query p0_0 --vmax 1 --alpha 1 -o "$T/half.png" "$T/w.txt"
	heatmap --overlay "$PIC" --query p0_0 --vmax 0.5 --alpha 1 -o "$T/top.png" "$T/w.txt"
	half=$(png "$T/half.png" pixel 0 2)
	[ "$half" != "35 35 35" ]
	[ "$half" != "$(png "$T/top.png" pixel 0 2)" ]
	[ "$(png "$T/top.png" pixel 0 2)" = "253 231 37" ]
}

@test "heatmap --overlay: --query takes the row's number or its label" {
	heatmap --overlay "$PIC" --query 1 -o "$T/a.png" "$T/w.txt"
	heatmap --overlay "$PIC" --query p0_0 -o "$T/b.png" "$T/w.txt"
	cmp "$T/a.png" "$T/b.png"
	heatmap --overlay "$PIC" --query cls -o "$T/c.png" "$T/w.txt"
	! cmp -s "$T/a.png" "$T/c.png"
}

@test "heatmap --overlay: a query that is no row is an error" {
	run heatmap --overlay "$PIC" --query 2 -o "$T/o.png" "$T/w.txt"
	assert_fails 1 "heatmap: .*w.txt: --query 2: the weights have 2 query rows \(0 to 1\)"
	run heatmap --overlay "$PIC" --query p9_9 -o "$T/o.png" "$T/w.txt"
	assert_fails 1 "--query p9_9: no query row is labelled so"
}

@test "heatmap --overlay: per-head weights give one titled panel per head" {
	heatmap --overlay "$PIC" --font builtin -o "$T/o.png" "$T/heads.txt"
	# two panels of 6 x 4 under a line of the bitmap font (10 pixels), in columns as wide as the title
	# "head 0" (6 glyphs of 6 pixels but the last gap: 35), 8 pixels apart and around
	[ "$(png "$T/o.png" size)" = "$((8 + 2 * (35 + 8))) $((8 + 10 + 4 + 8))" ]
	# head 0 (at x 8, y 18) tints p0_2, head 1 (at x 51) tints p1_0
	[ "$(png "$T/o.png" pixel $((8 + 4)) 18)" != "25 25 25" ]
	[ "$(png "$T/o.png" pixel $((8 + 0)) $((18 + 2)))" = "35 35 35" ]
	[ "$(png "$T/o.png" pixel $((51 + 4)) 18)" = "25 25 25" ]
	[ "$(png "$T/o.png" pixel $((51 + 0)) $((18 + 2)))" != "35 35 35" ]
	[ "$(png "$T/o.png" ink 8 8 43 18)" -gt 0 ]    # the title "head 0"
	[ "$(png "$T/o.png" ink 51 8 86 18)" -gt 0 ]   # and "head 1"
}

@test "heatmap --overlay: --head keeps one head's panel, the size of the picture" {
	heatmap --overlay "$PIC" --head 1 -o "$T/o.png" "$T/heads.txt"
	[ "$(png "$T/o.png" size)" = "6 4" ]
	[ "$(png "$T/o.png" pixel 0 2)" != "35 35 35" ]
}

@test "heatmap --overlay: columns without patch labels are an error" {
	{ echo '#tensor 1 2'; echo '#cols the cat'; echo '0.5 0.5'; } > "$T/text.txt"
	run heatmap --overlay "$PIC" -o "$T/o.png" "$T/text.txt"
	assert_fails 1 "text.txt: --overlay needs key columns labelled p<row>_<column>, as embed --image labels patches"
}

@test "heatmap --overlay: a picture of another grid is an error naming both" {
	run heatmap --overlay "$GOLDEN/vision/graya8.png" -o "$T/o.png" "$T/w.txt"
	assert_fails 1 "w.txt: .*graya8.png is 8 x 4 pixels: not a picture cut into the weights' 3 x 2 patches"
}

@test "heatmap --overlay: a picture that is not a PNG is an error" {
	run heatmap --overlay "$GOLDEN/vision/not-a-png.png" -o "$T/o.png" "$T/w.txt"
	assert_fails 1 "not-a-png.png: not a PNG file"
}

@test "heatmap --overlay: options of the matrix picture do not go with it" {
	run heatmap --overlay "$PIC" --ansi "$T/w.txt"
	assert_fails 2 "--overlay draws one query's row over the picture as a PNG"
	run heatmap --overlay "$PIC" -o "$T/o.svg" "$T/w.txt"
	assert_fails 2 "--overlay draws one query's row over the picture as a PNG"
	run heatmap --query 1 -o "$T/o.png" "$T/w.txt"
	assert_fails 2 "--query and --alpha go with --overlay"
}

@test "heatmap --overlay: the attention of embed --image | posenc --learned | mha over the sample picture" {
	embed --image "$SAMPLES/shapes.png" --patch 8 --cls --dim 8 |
		posenc --learned --max-len 37 | mha --heads 2 --attn "$T/attn.txt" > /dev/null
	heatmap --overlay "$SAMPLES/shapes.png" --query cls --head 0 --scale 2 -o "$T/o.png" "$T/attn.txt"
	[ "$(png "$T/o.png" size)" = "96 96" ]
	[ "$(png "$T/o.png" digest 0 0 96 96)" != "$(heatmap --overlay "$SAMPLES/shapes.png" --alpha 0 --scale 2 --head 0 "$T/attn.txt" | png - digest 0 0 96 96)" ]
}
