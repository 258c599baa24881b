#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# heatmap: PNG size, colours and layout are checked by decoding the PNG with tests/pngread.py
# (Python's standard library only). Colours expected below are matplotlib's, rounded as to_hex does.
load helpers

setup() {
	T="$BATS_TEST_TMPDIR"
	# 6 x 8 cells from 0 to 1, no labels
	tensor rand --shape 6x8 --seed 3 --dist uniform > "$T/r68.txt"
	{ echo '#tensor 2 3'; echo '0 0.5 1'; echo '0.25 0.74609375 0.999'; } > "$T/known.txt"
}

@test "heatmap: --help prints the usage and exits 0" {
	run heatmap --help
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "usage: heatmap "* ]]
	run heatmap --version
	[ "$status" -eq 0 ]
	[[ "$output" == "heatmap (pipeformer) "* ]]
}

@test "heatmap: writes a valid 8-bit RGB PNG" {
	heatmap -o "$T/a.png" "$SAMPLES/matrix.txt"
	[[ "$(png "$T/a.png" check)" == "ok "* ]]
	if command -v pngcheck > /dev/null; then   # Debian's pngcheck, when installed, checks more
		run pngcheck "$T/a.png"
		[ "$status" -eq 0 ]
		[[ "$output" == *"24-bit RGB, non-interlaced"* ]]
	fi
}

@test "heatmap: image grows by the cells times --cell" {
	heatmap --cell 20 -o "$T/a.png" "$T/r68.txt"
	heatmap --cell 27 -o "$T/b.png" "$T/r68.txt"
	read -r w1 h1 < <(png "$T/a.png" size)
	read -r w2 h2 < <(png "$T/b.png" size)
	[ $((w2 - w1)) -eq $((8 * 7)) ]
	[ $((h2 - h1)) -eq $((6 * 7)) ]
}

@test "heatmap: a cell is --cell pixels square" {
	heatmap --cell 7 --vmin 0 --vmax 1 -o "$T/a.png" "$T/known.txt"
	read -r x y < <(png "$T/a.png" find 68 1 84)
	[ "$(png "$T/a.png" pixel $((x + 6)) $((y + 6)))" = "68 1 84" ]
	[ "$(png "$T/a.png" pixel $((x + 7)) $((y + 6)))" != "68 1 84" ]
	[ "$(png "$T/a.png" pixel $((x + 6)) $((y + 7)))" != "68 1 84" ]
}

# cell_color FILE ROW COL CELL: the colour in the middle of the cell ROW, COL away from the one whose
# top-left corner is the first pixel (top to bottom, left to right) of colour $ORIGIN
cell_color() {
	read -r x y < <(png "$1" find $ORIGIN)
	png "$1" pixel $((x + $3 * $4 + $4 / 2)) $((y + $2 * $4 + $4 / 2))
}

@test "heatmap: viridis colours of known values" {
	heatmap --cell 10 --vmin 0 --vmax 1 -o "$T/a.png" "$T/known.txt"
	ORIGIN="68 1 84"
	[ "$(cell_color "$T/a.png" 0 0 10)" = "68 1 84" ]      # 0 -> entry 0
	[ "$(cell_color "$T/a.png" 0 1 10)" = "33 145 140" ]   # 0.5 -> entry 128
	[ "$(cell_color "$T/a.png" 0 2 10)" = "253 231 37" ]   # 1 -> entry 255
	[ "$(cell_color "$T/a.png" 1 0 10)" = "59 82 139" ]    # 0.25 -> entry 64
	[ "$(cell_color "$T/a.png" 1 1 10)" = "92 200 99" ]    # 191/256 -> entry 191 (floor)
	[ "$(cell_color "$T/a.png" 1 2 10)" = "253 231 37" ]   # 0.999 -> entry 255
}

@test "heatmap: magma and gray colours of known values" {
	heatmap --cmap magma --cell 10 --vmin 0 --vmax 1 -o "$T/a.png" "$T/known.txt"
	ORIGIN="0 0 4"
	[ "$(cell_color "$T/a.png" 0 1 10)" = "183 55 121" ]
	[ "$(cell_color "$T/a.png" 0 2 10)" = "252 253 191" ]
	heatmap --cmap gray --cell 10 --vmin 0 --vmax 1 -o "$T/b.png" "$T/known.txt"
	ORIGIN="128 128 128" # 0.5 at cell (0,1): black is also the labels' ink
	[ "$(cell_color "$T/b.png" 0 -1 10)" = "0 0 0" ]
	[ "$(cell_color "$T/b.png" 1 -1 10)" = "64 64 64" ]
	[ "$(cell_color "$T/b.png" 1 0 10)" = "191 191 191" ]
}

@test "heatmap: signed data gets coolwarm centred on 0" {
	{ echo '#tensor 2 3'; echo '-1 0 2'; echo '1 -0.5 0.5'; } > "$T/s.txt"
	heatmap --cell 10 -o "$T/a.png" "$T/s.txt"                # the scale is -2 to 2
	ORIGIN="141 176 254"                                       # -1 -> (1 / 4) * 256 = entry 64
	[ "$(cell_color "$T/a.png" 0 1 10)" = "221 220 220" ]  # 0 -> entry 128, the light middle
	[ "$(cell_color "$T/a.png" 0 2 10)" = "180 4 38" ]     # 2 -> entry 255
	[ "$(cell_color "$T/a.png" 1 1 10)" = "185 208 249" ]  # -0.5 -> (1.5 / 4) * 256 = entry 96
}

@test "heatmap: --vmin and --vmax set the ends of the scale" {
	heatmap --cell 10 --vmin 0.5 --vmax 0.75 -o "$T/a.png" "$T/known.txt"
	ORIGIN="68 1 84"
	[ "$(cell_color "$T/a.png" 0 1 10)" = "68 1 84" ]      # 0.5 is vmin
	[ "$(cell_color "$T/a.png" 1 0 10)" = "68 1 84" ]      # below vmin: the first colour
	[ "$(cell_color "$T/a.png" 0 2 10)" = "253 231 37" ]   # above vmax: the last colour
}

@test "heatmap: a constant tensor takes the first colour" {
	{ echo '#tensor 2 2'; echo '3 3'; echo '3 3'; } > "$T/c.txt"
	heatmap --cell 10 -o "$T/a.png" "$T/c.txt"
	[ "$(png "$T/a.png" count 68 1 84)" -ge 400 ]
}

@test "heatmap: the colour bar runs from the last colour at the top to the first at the bottom" {
	heatmap --cell 10 --vmin 0 --vmax 1 -o "$T/a.png" "$T/known.txt"
	read -r w h < <(png "$T/a.png" size)
	read -r x y < <(png "$T/a.png" find 253 231 37)   # cell (0,2) has the last colour: the bar is to its right
	read -r bx by < <(png "$T/a.png" find 253 231 37 $((x + 10)) 0 "$w" "$h")
	[ "$by" -eq "$y" ]
	run png "$T/a.png" find 68 1 84 "$bx" 0 "$w" "$h"
	read -r bx0 by0 <<< "$output"
	[ "$bx0" -eq "$bx" ]
	[ "$by0" -gt "$by" ]
	# the values of the ends are written right of the bar
	[ "$(png "$T/a.png" ink $((bx + 13)) "$by" "$w" $((by + 8)))" -gt 0 ]
	[ "$(png "$T/a.png" ink $((bx + 13)) $((by0 - 8)) "$w" $((by0 + 1)))" -gt 0 ]
}

@test "heatmap: labels put ink left of and above the cells" {
	heatmap --cell 10 --vmin -3.5 --vmax 3.5 --cmap viridis -o "$T/a.png" "$SAMPLES/matrix.txt"
	read -r x y < <(png "$T/a.png" find 253 231 37)    # 3.5, the largest value, in row 2, column 1
	x=$((x - 10)) y=$((y - 20))                            # cell (0,0)
	[ "$(png "$T/a.png" ink 0 "$y" $((x - 1)) $((y + 30)))" -gt 20 ]   # "the", "cat", "sat"
	[ "$(png "$T/a.png" ink "$x" 0 $((x + 40)) $((y - 1)))" -gt 20 ]   # "d0" ... "d3"
}

@test "heatmap: column labels wider than a cell stand upright, 6 pixels a character in the bitmap font" {
	{ echo '#tensor 1 2'; echo '#cols abcd efgh'; echo '0 1'; } > "$T/four.txt"
	{ echo '#tensor 1 2'; echo '#cols abcdefgh ijklmnop'; echo '0 1'; } > "$T/eight.txt"
	heatmap --font builtin --cell 10 -o "$T/a.png" "$T/four.txt"
	heatmap --font builtin --cell 10 -o "$T/b.png" "$T/eight.txt"
	read -r wa ha < <(png "$T/a.png" size)
	read -r wb hb < <(png "$T/b.png" size)
	[ "$wa" -eq "$wb" ]
	[ $((hb - ha)) -eq 24 ]
}

@test "heatmap: the bitmap font draws non-ASCII bytes of labels as \\xHH" {
	{ echo '#tensor 1 2'; echo '#rows ab'; echo '#cols a b'; echo '0 1'; } > "$T/ascii.txt"
	{ echo '#tensor 1 2'; echo '#rows \xc3\xa9'; echo '#cols a b'; echo '0 1'; } > "$T/utf8.txt"
	heatmap --font builtin --cell 10 -o "$T/a.png" "$T/ascii.txt"
	heatmap --font builtin --cell 10 -o "$T/b.png" "$T/utf8.txt"
	read -r xa ya < <(png "$T/a.png" find 68 1 84)
	read -r xb yb < <(png "$T/b.png" find 68 1 84)
	# "ab" is 2 glyphs, "\xc3\xa9" is 8: the cells move right by 6 glyphs of 6 pixels
	[ $((xb - xa)) -eq 36 ]
}

# heads FILE H T S: a [H,T,S] tensor whose head h holds h / (H - 1) everywhere
heads() {
	local f=$1 H=$2 Tq=$3 S=$4
	{
		echo "#tensor $H $Tq $S"
		for ((h = 0; h < H; h++)); do
			for ((t = 0; t < Tq; t++)); do
				local row=""
				for ((s = 0; s < S; s++)); do row+=" $h/$((H - 1))"; done
				echo "$row" | awk '{ for (i = 1; i <= NF; i++) { split($i, q, "/"); printf " %.9g", q[1] / q[2] } print "" }'
			done
		done
	} > "$f"
}

@test "heatmap: a 3-D tensor gives a row of H panels" {
	heads "$T/h3.txt" 3 2 2
	heatmap --cell 10 --vmin 0 --vmax 1 -o "$T/a.png" "$T/h3.txt"
	read -r x0 y0 < <(png "$T/a.png" find 68 1 84)     # head 0: 0
	read -r x1 y1 < <(png "$T/a.png" find 33 145 140)  # head 1: 0.5
	read -r x2 y2 < <(png "$T/a.png" find 253 231 37)  # head 2: 1
	[ "$y0" -eq "$y1" ]
	[ "$y1" -eq "$y2" ]
	[ "$x1" -gt "$x0" ]
	[ $((x2 - x1)) -eq $((x1 - x0)) ]
	[ "$(png "$T/a.png" count 33 145 140 "$x0" "$y0" "$x2" $((y0 + 20)))" -eq 400 ]  # head 1: 2 x 2 cells of 10 x 10
}

@test "heatmap: more than 4 heads make a grid of ceil(sqrt(H)) columns" {
	heads "$T/h5.txt" 5 2 2
	heatmap --cell 10 --vmin 0 --vmax 1 -o "$T/a.png" "$T/h5.txt"
	read -r x0 y0 < <(png "$T/a.png" find 68 1 84)     # head 0: 0
	read -r x1 y1 < <(png "$T/a.png" find 59 82 139)   # head 1: 0.25
	read -r x3 y3 < <(png "$T/a.png" find 94 201 98)   # head 3: 0.75 -> entry 192
	[ "$y1" -eq "$y0" ]
	[ "$x1" -gt "$x0" ]
	[ "$x3" -eq "$x0" ]
	[ "$y3" -gt "$y0" ]            # head 3 starts the second row of 3 columns
}

@test "heatmap: a 4-D tensor puts layers in rows and heads in columns" {
	heads "$T/h4.txt" 4 2 2
	sed 's/^#tensor 4 2 2/#tensor 2 2 2 2/' "$T/h4.txt" > "$T/l2h2.txt"   # layer l, head h holds (2l + h) / 3
	heatmap --cell 10 --vmin 0 --vmax 1 -o "$T/a.png" "$T/l2h2.txt"
	read -r x0 y0 < <(png "$T/a.png" find 68 1 84)       # layer 0 head 0
	read -r x1 y1 < <(png "$T/a.png" find 49 104 142)    # layer 0 head 1: 1/3 -> entry 85
	read -r w h < <(png "$T/a.png" size)
	read -r x2 y2 < <(png "$T/a.png" find 53 183 121 0 0 "$x1" "$h")  # layer 1 head 0: 2/3 -> entry 170 (left of the bar)
	[ "$y1" -eq "$y0" ]
	[ "$x1" -gt "$x0" ]
	[ "$x2" -eq "$x0" ]
	[ "$y2" -gt "$y0" ]
	run heatmap --ansi "$T/l2h2.txt"
	[[ "$output" == *"layer 0 head 0"*"layer 0 head 1"*"layer 1 head 0"*"layer 1 head 1"* ]]
}

@test "heatmap: --layer and --head pick panels" {
	heads "$T/h4.txt" 4 2 2
	sed 's/^#tensor 4 2 2/#tensor 2 2 2 2/' "$T/h4.txt" > "$T/l2h2.txt"
	run heatmap --ansi --head 1 "$T/l2h2.txt"
	[[ "$output" == *"layer 0 head 1"*"layer 1 head 1"* ]]
	[[ "$output" != *"head 0"* ]]
	run heatmap --ansi --layer 1 --head 0 "$T/l2h2.txt"
	[[ "$output" == *"layer 1 head 0"* ]]
	[[ "$output" != *"layer 0"* && "$output" != *"head 1"* ]]
	heads "$T/h3.txt" 3 2 2
	heatmap --cell 10 --vmin 0 --vmax 1 --head 2 -o "$T/a.png" "$T/h3.txt"
	[ "$(png "$T/a.png" find 33 145 140)" = "none" ]      # head 1 is not drawn
	read -r x y < <(png "$T/a.png" find 253 231 37)
	[ "$(png "$T/a.png" count 253 231 37 "$x" "$y" $((x + 20)) $((y + 20)))" -eq 400 ]
}

@test "heatmap: --rows and --cols crop the matrix and keep its labels" {
	run heatmap --ansi --rows 1:3 --cols 2: "$SAMPLES/matrix.txt"
	[ "$status" -eq 0 ]
	[[ "$output" == *$'\ncat '* && "$output" == *$'\nsat '* && "$output" != *$'\nthe '* ]]
	[[ "$output" == *"2 3"* && "$output" != *"0 1"* ]]   # the digits of d2 d3, written downward
	run heatmap --ansi --rows 1 "$SAMPLES/matrix.txt"     # one number: one row
	[[ "$output" == *$'\ncat '* && "$output" != *$'\nsat '* && "$output" != *$'\nthe '* ]]
	heatmap --cell 20 -o "$T/a.png" "$T/r68.txt"
	heatmap --cell 20 --rows 0:4 --cols 3:8 -o "$T/b.png" "$T/r68.txt"
	read -r w1 h1 < <(png "$T/a.png" size)
	read -r w2 h2 < <(png "$T/b.png" size)
	[ $((w1 - w2)) -eq $((3 * 20)) ]
	[ $((h1 - h2)) -eq $((2 * 20)) ]
}

@test "heatmap: unlabelled axes are numbered from the crop's start" {
	run heatmap --ansi --rows 4: --cols 6:8 "$T/r68.txt"
	[ "${lines[0]}" = "   6 7" ]
	[[ "${lines[1]}" == "4 "* && "${lines[2]}" == "5 "* ]]
}

@test "heatmap: --annotate writes values in large cells only" {
	{ echo '#tensor 1 2'; echo '0 1'; } > "$T/two.txt"
	heatmap --cell 40 -o "$T/a.png" "$T/two.txt"
	heatmap --cell 40 --annotate -o "$T/b.png" "$T/two.txt"
	read -r x y < <(png "$T/a.png" find 68 1 84)
	[ "$(png "$T/a.png" count 68 1 84 "$x" "$y" $((x + 40)) $((y + 40)))" -eq 1600 ]
	n=$(png "$T/b.png" count 68 1 84 "$x" "$y" $((x + 40)) $((y + 40)))
	[ "$n" -lt 1600 ]
	[ "$n" -gt 1400 ]                   # "0.00" in light ink on the dark cell
	run heatmap --cell 10 --annotate -o "$T/c.png" "$T/two.txt"
	[ "$status" -eq 0 ]
	[[ "$output" == *"too small for --annotate"* ]]
	run heatmap --ansi --annotate "$SAMPLES/matrix.txt"
	[[ "$output" == *"  3.50"* && "$output" == *" -2.00"* ]]
}

@test "heatmap: --title adds a title above, the tensor's name by default" {
	heatmap --cell 10 -o "$T/a.png" "$T/r68.txt"
	heatmap --cell 10 --title "Attention" -o "$T/b.png" "$T/r68.txt"
	read -r w1 h1 < <(png "$T/a.png" size)
	read -r w2 h2 < <(png "$T/b.png" size)
	[ "$h2" -gt "$h1" ]
	[ "$(png "$T/b.png" ink 0 0 "$w2" 24)" -gt 50 ]
	run heatmap --ansi "$SAMPLES/matrix.txt"
	[ "${lines[0]}" = "example" ]
}

@test "heatmap: the same input gives byte-identical PNG files" {
	heatmap -o "$T/a.png" "$SAMPLES/matrix.txt"
	heatmap -o "$T/b.png" "$SAMPLES/matrix.txt"
	cmp "$T/a.png" "$T/b.png"
}

@test "heatmap: -o - writes the PNG on stdout" {
	heatmap -o - "$SAMPLES/matrix.txt" > "$T/a.png"
	heatmap -o "$T/b.png" "$SAMPLES/matrix.txt"
	cmp "$T/a.png" "$T/b.png"
	heatmap "$SAMPLES/matrix.txt" | cmp - "$T/b.png"
}

@test "heatmap: a stream of tensors gives one image each with -o NAME-%d.png" {
	tensor rand --shape 3x3 --count 3 | heatmap -o "$T/out-%d.png"
	for k in 0 1 2; do [ "$(png "$T/out-$k.png" size)" != "" ]; done
	[ ! -e "$T/out-3.png" ]
}

@test "heatmap: --ansi draws 24-bit colour cells" {
	run heatmap --ansi --vmin 0 --vmax 1 "$T/known.txt"
	[ "$status" -eq 0 ]
	[[ "$output" == *$'\e[48;2;68;1;84m'* ]]
	[[ "$output" == *$'\e[48;2;253;231;37m'* ]]
	[[ "${lines[-1]}" == "0 "*" 1" ]]                        # the colour bar's ends
}

@test "heatmap: --ansi writes UTF-8 row labels as they are, right-aligned by their width on screen" {
	{ echo '#tensor 3 2'; echo '#rows mèo 中文 x'; echo '#cols a b'; echo '1 0'; echo '0 1'; echo '1 1'; } > "$T/u.txt"
	run heatmap --ansi "$T/u.txt"
	[ "$status" -eq 0 ]
	plain=$(printf '%s\n' "$output" | sed 's/\x1b\[[0-9;]*m//g')
	[[ "$plain" == *$'\n mèo '* ]]       # 3 columns wide: one space of padding
	[[ "$plain" == *$'\n中文 '* ]]       # 4 columns wide (two wide characters): none
	[[ "$plain" == *$'\n   x '* ]]
}

@test "heatmap: --ansi writes UTF-8 column labels downward, one character per line" {
	{ echo '#tensor 1 2'; echo '#rows q'; echo '#cols mèo 中'; echo '1 0'; } > "$T/u.txt"
	run heatmap --ansi "$T/u.txt"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "   m中" ]
	[ "${lines[1]}" = "   è  " ]
	[ "${lines[2]}" = "   o  " ]
}

@test "heatmap: 512 x 512 fits in a few thousand pixels by default" {
	tensor rand --shape 512x512 --dist uniform | heatmap -o "$T/a.png"
	read -r w h < <(png "$T/a.png" size)
	[ "$w" -ge 2048 ]
	[ "$w" -le 3000 ]
	[ "$h" -ge 2048 ]
	[ "$h" -le 3000 ]
}

@test "heatmap: a 1-D tensor is an error" {
	echo '#tensor 3' > "$T/v.txt"; echo '1 2 3' >> "$T/v.txt"
	run heatmap -o "$T/a.png" "$T/v.txt"
	assert_fails 1 "^heatmap: .*v.txt: a heatmap needs a 2-D, 3-D or 4-D tensor, not a 1-D one$"
	[ ! -e "$T/a.png" ]
}

@test "heatmap: an empty tensor is an error" {
	echo '#tensor 0 3' > "$T/e.txt"
	run heatmap -o "$T/a.png" "$T/e.txt"
	assert_fails 1 "^heatmap: .*e.txt: the tensor is empty \(0 x 3 cells\)$"
	[ ! -e "$T/a.png" ]
}

@test "heatmap: an empty stream is an error" {
	run heatmap -o "$T/a.png" /dev/null
	assert_fails 1 "^heatmap: /dev/null: empty stream"
}

@test "heatmap: --vmin must be below --vmax" {
	run heatmap --vmin 1 --vmax 1 -o "$T/a.png" "$SAMPLES/matrix.txt"
	assert_fails 2 "^heatmap: --vmin 1 must be below --vmax 1"
	run heatmap --vmin 5 -o "$T/a.png" "$SAMPLES/matrix.txt"
	assert_fails 1 "matrix.txt: the scale is empty: --vmin 5 is not below --vmax 3.5"
	[ ! -e "$T/a.png" ]
}

@test "heatmap: an unwritable output path is an error and leaves no file" {
	run heatmap -o "$T/no/such/dir/a.png" "$SAMPLES/matrix.txt"
	assert_fails 1 "^heatmap: .*/no/such/dir/a.png: No such file or directory$"
	mkdir "$T/d" "$T/d/taken.png"
	run heatmap -o "$T/d/taken.png" "$SAMPLES/matrix.txt"
	assert_fails 1 "^heatmap: .*/d/taken.png: Is a directory$"
	[ "$(ls "$T/d")" = "taken.png" ]                        # no temporary file left behind
}

@test "heatmap: several tensors need a %d in the output name" {
	tensor rand --shape 2x2 --count 2 > "$T/two.txt"
	run heatmap -o "$T/a.png" "$T/two.txt"
	assert_fails 1 "two.txt: the stream holds several tensors: use -o NAME-%d.png"
	[ ! -e "$T/a.png" ]
	run heatmap -o "$T/a-%s.png" "$T/two.txt"
	assert_fails 2 "the only pattern allowed is one %d"
	run heatmap -o "$T/a-%d-%d.png" "$T/two.txt"
	assert_fails 2 "the only pattern allowed is one %d"
}

@test "heatmap: --layer, --head, --rows and --cols outside the tensor are errors" {
	run heatmap --ansi --head 0 "$SAMPLES/matrix.txt"
	assert_fails 1 "matrix.txt: --head needs a 3-D \[H,T,S\] or 4-D tensor, not a 2-D one$"
	tensor rand --shape 2x3x3 > "$T/h.txt"
	run heatmap --ansi --layer 0 "$T/h.txt"
	assert_fails 1 "h.txt: --layer needs a 4-D tensor \[L,H,T,S\], not a 3-D one$"
	run heatmap --ansi --head 2 "$T/h.txt"
	assert_fails 1 "h.txt: --head 2: the tensor has 2 heads \(0 to 1\)$"
	tensor rand --shape 2x2x3x3 > "$T/l.txt"
	run heatmap --ansi --layer 5 "$T/l.txt"
	assert_fails 1 "l.txt: --layer 5: the tensor has 2 layers \(0 to 1\)$"
	run heatmap --ansi --rows 3:5 "$SAMPLES/matrix.txt"
	assert_fails 1 "matrix.txt: --rows selects no rows \(the tensor has 3\)$"
	run heatmap --ansi --cols 5:3 "$SAMPLES/matrix.txt"
	assert_fails 2 "^heatmap: --cols: '5:3' is empty"
	run heatmap --ansi --cols x:3 "$SAMPLES/matrix.txt"
	assert_fails 2 "^heatmap: --cols: 'x' is not a whole number"
}

@test "heatmap: bad options are usage errors" {
	run heatmap --cmap jet -o "$T/a.png" "$SAMPLES/matrix.txt"
	assert_fails 2 "^heatmap: --cmap: 'jet' is not one of viridis, magma, gray, coolwarm"
	run heatmap --cell 0 -o "$T/a.png" "$SAMPLES/matrix.txt"
	assert_fails 2 "^heatmap: --cell: 0 is out of range"
	run heatmap --ansi -o "$T/a.png" "$SAMPLES/matrix.txt"
	assert_fails 2 "^heatmap: --ansi draws in the terminal: leave out -o"
	run heatmap -o "$T/a.png" "$SAMPLES/matrix.txt" "$SAMPLES/matrix.txt"
	assert_fails 2 "^heatmap: one input at a time"
	[ ! -e "$T/a.png" ]
}

@test "heatmap: weights in [0,1] are drawn on a scale from 0 to their largest value" {
	{ echo '#tensor 1 3'; echo '0.25 0.5 0.375'; } > "$T/w.txt"
	heatmap --cell 10 -o "$T/a.png" "$T/w.txt"
	ORIGIN="33 145 140"                                        # 0.25 of 0.5 -> entry 128
	[ "$(cell_color "$T/a.png" 0 1 10)" = "253 231 37" ]   # 0.5, the largest -> entry 255
	[ "$(cell_color "$T/a.png" 0 2 10)" = "94 201 98" ]    # 0.375 / 0.5 * 256 = entry 192
}

@test "heatmap: refuses to write a PNG to a terminal" {
	command -v script > /dev/null || skip "script(1) is not installed"
	run script -qec "heatmap '$SAMPLES/matrix.txt'" /dev/null
	[ "$status" -eq 2 ]
	[[ "$output" == *"heatmap: will not write a PNG to a terminal: use -o FILE.png, or --ansi"* ]]
}

# Text: labels, titles and the colour bar's numbers in a real font (FreeType, found by fontconfig).

# label_box FILE: "X0 Y0 X1 Y1", the row labels' box of a 1-row heatmap whose first cell holds 0 (viridis, --vmin 0)
label_box() {
	read -r x y < <(png "$1" find 68 1 84)
	echo 0 "$y" "$x" $((y + 20))
}

@test "heatmap: an accented letter is one character of the font, as wide as the plain letter" {
	{ echo '#tensor 1 2'; echo '#rows cafe'; echo '#cols a b'; echo '0 1'; } > "$T/plain.txt"
	{ echo '#tensor 1 2'; echo '#rows café'; echo '#cols a b'; echo '0 1'; } > "$T/accent.txt"
	heatmap --cell 20 --vmin 0 -o "$T/a.png" "$T/plain.txt"
	heatmap --cell 20 --vmin 0 -o "$T/b.png" "$T/accent.txt"
	read -r xa ya < <(png "$T/a.png" find 68 1 84)
	read -r xb yb < <(png "$T/b.png" find 68 1 84)
	[ "$xa" -eq "$xb" ]                                                   # not the 4 glyphs \xc3 \xa9
	[ "$(png "$T/b.png" ink $(label_box "$T/b.png"))" -gt "$(png "$T/a.png" ink $(label_box "$T/a.png"))" ]  # the accent
}

@test "heatmap: a Chinese label comes from a font that has it (per-character fallback)" {
	fc-list ':charset=6211' | grep -q . || skip "no font with Chinese characters installed"
	{ echo '#tensor 1 2'; echo '#rows 我'; echo '#cols a b'; echo '0 1'; } > "$T/zh.txt"
	{ echo '#tensor 1 2'; echo $'#rows \xee\x80\x80'; echo '#cols a b'; echo '0 1'; } > "$T/none.txt"  # U+E000: no font has it
	heatmap --cell 20 --vmin 0 -o "$T/a.png" "$T/zh.txt"
	heatmap --cell 20 --vmin 0 -o "$T/b.png" "$T/none.txt"
	[ "$(png "$T/a.png" ink $(label_box "$T/a.png"))" -gt 30 ]
	# the missing-glyph box of DejaVu Sans is not what is drawn for 我
	[ "$(png "$T/a.png" digest $(label_box "$T/a.png"))" != "$(png "$T/b.png" digest $(label_box "$T/b.png"))" ]
}

@test "heatmap: text is anti-aliased (the bitmap font is not)" {
	{ echo '#tensor 1 2'; echo '#rows Attention'; echo '#cols a b'; echo '0 1'; } > "$T/a.txt"
	heatmap --cell 20 --vmin 0 -o "$T/a.png" "$T/a.txt"
	heatmap --font builtin --cell 20 --vmin 0 -o "$T/b.png" "$T/a.txt"
	[ "$(png "$T/a.png" colors $(label_box "$T/a.png"))" -gt 10 ]         # shades of grey at the edges
	[ "$(png "$T/b.png" colors $(label_box "$T/b.png"))" -eq 2 ]          # black and white
}

@test "heatmap: --font-size sets the size of the labels" {
	{ echo '#tensor 1 2'; echo '#rows attention'; echo '#cols a b'; echo '0 1'; } > "$T/a.txt"
	heatmap --cell 20 -o "$T/a.png" "$T/a.txt"
	heatmap --cell 20 --font-size 24 -o "$T/b.png" "$T/a.txt"
	read -r x12 y < <(png "$T/a.png" find 68 1 84)
	read -r x24 y < <(png "$T/b.png" find 68 1 84)
	w12=$((x12 - 11)) w24=$((x24 - 11))                                   # less the margin (8) and the gap (3)
	[ $((10 * w24)) -ge $((18 * w12)) ]
	[ $((10 * w24)) -le $((22 * w12)) ]
}

@test "heatmap: --scale 2 makes everything twice as large" {
	heatmap --font builtin --title "two" --cell 10 -o "$T/a.png" "$SAMPLES/matrix.txt"
	heatmap --font builtin --title "two" --cell 10 --scale 2 -o "$T/b.png" "$SAMPLES/matrix.txt"
	read -r w1 h1 < <(png "$T/a.png" size)
	read -r w2 h2 < <(png "$T/b.png" size)
	[ "$w2" -eq $((2 * w1)) ]
	[ "$h2" -eq $((2 * h1)) ]
	heatmap --cell 10 --scale 2 --vmin 0 --vmax 1 -o "$T/c.png" "$T/known.txt"
	ORIGIN="68 1 84"
	[ "$(cell_color "$T/c.png" 1 1 20)" = "92 200 99" ]                  # cells of 20 pixels
}

@test "heatmap: --font FILE draws with that font" {
	mono=$(fc-match -f '%{file}' 'DejaVu Sans Mono')
	[[ "$mono" == *Mono* ]] || skip "DejaVu Sans Mono is not installed"
	{ echo '#tensor 1 2'; echo '#rows iiii'; echo '#cols a b'; echo '0 1'; } > "$T/i.txt"
	{ echo '#tensor 1 2'; echo '#rows mmmm'; echo '#cols a b'; echo '0 1'; } > "$T/m.txt"
	heatmap --cell 20 --font "$mono" -o "$T/a.png" "$T/i.txt"
	heatmap --cell 20 --font "$mono" -o "$T/b.png" "$T/m.txt"
	[ "$(png "$T/a.png" find 68 1 84)" = "$(png "$T/b.png" find 68 1 84)" ]  # every letter as wide
	heatmap --cell 20 -o "$T/c.png" "$T/i.txt"
	heatmap --cell 20 -o "$T/d.png" "$T/m.txt"
	[ "$(png "$T/c.png" find 68 1 84)" != "$(png "$T/d.png" find 68 1 84)" ]  # DejaVu Sans: i is narrow
}

@test "heatmap: without any font, one warning and the bitmap font" {
	mkdir "$T/fc"
	printf '<?xml version="1.0"?>\n<fontconfig><cachedir>%s</cachedir></fontconfig>\n' "$T/fc" > "$T/fc/fonts.conf"
	tensor rand --shape 3x3 --count 2 > "$T/two.txt"
	FONTCONFIG_FILE="$T/fc/fonts.conf" run heatmap -o "$T/a-%d.png" "$T/two.txt"
	[ "$status" -eq 0 ]
	[ "$output" = "heatmap: warning: no font found (install fonts-dejavu-core): labels use the built-in bitmap font" ]
	heatmap --font builtin -o "$T/b-%d.png" "$T/two.txt"
	cmp "$T/a-0.png" "$T/b-0.png"
	cmp "$T/a-1.png" "$T/b-1.png"
}

@test "heatmap: a font that cannot be read is an error" {
	run heatmap --font "$T/none.ttf" -o "$T/a.png" "$SAMPLES/matrix.txt"
	assert_fails 1 "^heatmap: .*none.ttf: No such file or directory$"
	run heatmap --font "$SAMPLES/matrix.txt" -o "$T/a.png" "$SAMPLES/matrix.txt"
	assert_fails 1 "^heatmap: .*matrix.txt: not a font FreeType can read$"
	[ ! -e "$T/a.png" ]
	run heatmap --font-size 0 -o "$T/a.png" "$SAMPLES/matrix.txt"
	assert_fails 2 "^heatmap: --font-size: 0 is out of range"
	run heatmap --scale 100 -o "$T/a.png" "$SAMPLES/matrix.txt"
	assert_fails 2 "^heatmap: --scale: 100 is out of range"
}

# SVG: the same picture with <text> labels. svg FILE: checks it is well-formed XML whose root is
# an <svg>, then prints its texts one a line.
svg() {
	"$PYTHON" -c '
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
assert root.tag == "{http://www.w3.org/2000/svg}svg", root.tag
for t in root.iter("{http://www.w3.org/2000/svg}text"):
    print(t.text)' "$1"
}

@test "heatmap: -o FILE.svg writes well-formed SVG with the labels as text" {
	{ echo '#tensor 2 2'; echo '#rows 我 <b>&'; echo '#cols café x'; echo '0 0.5'; echo '1 0.25'; } > "$T/l.txt"
	heatmap --title "für Übersetzung" -o "$T/a.svg" "$T/l.txt"
	run svg "$T/a.svg"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "für Übersetzung" ]
	[[ "$output" == *$'\n我\n'* && "$output" == *$'\n<b>&\n'* && "$output" == *$'\ncafé\n'* ]]
	heatmap --format svg -o - "$T/l.txt" | cmp - <(heatmap -o "$T/b.svg" "$T/l.txt" && cat "$T/b.svg")
	heatmap --format png -o "$T/c.svg" "$T/l.txt"
	[[ "$(png "$T/c.svg" check)" == "ok "* ]]                            # --format wins over the name
}

@test "heatmap: the SVG has the PNG's size, cells and colours (rendered by rsvg-convert)" {
	command -v rsvg-convert > /dev/null || skip "rsvg-convert (librsvg2-bin) is not installed"
	heatmap --cell 10 --vmin 0 --vmax 1 -o "$T/a.png" "$T/known.txt"
	heatmap --cell 10 --vmin 0 --vmax 1 -o "$T/a.svg" "$T/known.txt"
	rsvg-convert -o "$T/b.png" "$T/a.svg"
	[ "$(png "$T/a.png" size)" = "$(png "$T/b.png" size)" ]
	ORIGIN="68 1 84"
	for r in 0 1; do
		for c in 0 1 2; do
			[ "$(cell_color "$T/a.png" $r $c 10)" = "$(cell_color "$T/b.png" $r $c 10)" ]
		done
	done
	heads "$T/h3.txt" 3 2 2                                               # a grid of heads: where each starts
	heatmap --cell 10 --vmin 0 --vmax 1 -o "$T/c.png" "$T/h3.txt"
	heatmap --cell 10 --vmin 0 --vmax 1 -o "$T/c.svg" "$T/h3.txt"
	rsvg-convert -o "$T/d.png" "$T/c.svg"
	for color in "68 1 84" "33 145 140" "253 231 37"; do
		[ "$(png "$T/c.png" find $color)" = "$(png "$T/d.png" find $color)" ]
		[ "$(png "$T/c.png" count $color)" = "$(png "$T/d.png" count $color)" ]
	done
	read -r w h < <(png "$T/a.png" size)                                 # and the colour bar
	read -r bx by < <(png "$T/a.png" find 253 231 37 $((w - 60)) 0 "$w" "$h")
	[ "$(png "$T/b.png" find 253 231 37 $((w - 60)) 0 "$w" "$h")" = "$bx $by" ]
}

@test "heatmap: the SVG has the same grid of heads and annotations" {
	heads "$T/h3.txt" 3 2 2
	heatmap --cell 40 --annotate -o "$T/a.svg" "$T/h3.txt"
	run svg "$T/a.svg"
	[[ "$output" == *"head 0"*"head 1"*"head 2"* ]]
	[ "$(grep -c '^0.50$' <<< "$output")" -eq 4 ]                        # head 1: 2 x 2 values of 0.5
}

@test "heatmap: long labels are shortened at a character boundary, with an ellipsis" {
	long=我爱自然语言处理我爱自然语言处理我爱自然语言处理
	{ echo '#tensor 1 2'; echo "#rows $long"; echo '#cols a b'; echo '0 1'; } > "$T/l.txt"
	heatmap -o "$T/a.svg" "$T/l.txt"
	label=$(svg "$T/a.svg" | grep '…$')
	[ -n "$label" ]
	[[ "$long" == "${label%…}"* ]]                                       # whole characters of the label
	[ ${#label} -lt ${#long} ]
	{ echo '#tensor 1 2'; echo "#rows ééééééééé"; echo '#cols a b'; echo '0 1'; } > "$T/e.txt"
	heatmap --font builtin -o "$T/b.svg" "$T/e.txt"                     # \xc3\xa9 is 8 glyphs: 1 é and ...
	[ "$(svg "$T/b.svg" | grep '\.\.\.$')" = "é..." ]
}

# HTML: heatmap --html writes one page; its script is tested in a real browser (Debian's chromium).
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)

# browse URL: the DOM once the page's scripts ran; the browser's own log (console messages) in $T/browser.log
browse() {
	[ -n "$CHROMIUM" ] || skip "chromium is not installed"
	"$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update \
		--disable-sync --no-first-run --user-data-dir="$(mktemp -d "$T/profile.XXXXXX")" --enable-logging=stderr \
		--v=0 --virtual-time-budget=20000 --dump-dom "$1" 2> "$T/browser.log"
}

# selftest FILE ARGS: what the page's self-test (#selftest&ARGS) found, as JSON
selftest() {
	browse "file://$1#selftest&$2" | sed -n 's|.*<pre id="selftest"[^>]*>\(.*\)</pre>.*|\1|p'
}

# field JSON KEY: one value of a JSON object
field() {
	"$PYTHON" -c 'import json, sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"
}

# count FILE THR MATRICES [row|col I]: the weights above THR, as the page has them (4 significant digits), of the
# matrices MATRICES of a [T,S], [H,T,S] or [L,H,T,S] text tensor (a Python slice: 0:1 is the first), or of one
# row or column of each
count() {
	"$PYTHON" - "$@" <<'PY'
import sys
path, thr, pick = sys.argv[1], float(sys.argv[2]), sys.argv[3]
shape, vals = None, []
for line in open(path):
    if line.startswith("#tensor"):
        shape = [int(x) for x in line.split()[1:]]
    elif not line.startswith("#") and line.strip():
        vals += [float("%.4g" % float(x)) for x in line.split()]
T, S = shape[-2], shape[-1]
a, b = (int(x) for x in pick.split(":"))
mats = [vals[i:i + T * S] for i in range(0, len(vals), T * S)][a:b]
if len(sys.argv) > 4:
    i = int(sys.argv[5])
    cells = [(i, s) for s in range(S)] if sys.argv[4] == "row" else [(t, i) for t in range(T)]
else:
    cells = [(t, s) for t in range(T) for s in range(S)]
print(sum(m[t * S + s] > thr for m in mats for t, s in cells))
PY
}

# page_data FILE: the JSON the page carries, checked to parse
page_data() {
	"$PYTHON" -c '
import json, re, sys
html = open(sys.argv[1], encoding="utf-8").read()
print(json.dumps(json.loads(re.search(r"<script id=\"data\" type=\"application/json\">(.*?)</script>", html, re.S).group(1))))' "$1"
}

@test "heatmap: --html writes one self-contained page with the labels and weights" {
	{ echo '#tensor 2 2'; echo '#name Aufmerksamkeit für Übersetzung'; echo '#rows 我 </script/><b>"x"'; echo '#cols café \xff'
	  echo '0.25 0.75'; echo '1 0'; } > "$T/l.txt"
	heatmap --html "$T/a.html" "$T/l.txt"
	[ "$(grep -c -i -E '<script src|<link|https?://|@import' "$T/a.html")" -eq 0 ]   # nothing from the network
	[ "$(grep -o -i '</script' "$T/a.html" | wc -l)" -eq 2 ]        # the data and the script: no label ends them
	run page_data "$T/a.html"
	[ "$status" -eq 0 ]
	[ "$("$PYTHON" -c 'import json,sys; d=json.loads(sys.argv[1]); print(d["rows"][1], d["cols"], d["title"], d["panels"][0]["w"])' "$output")" = \
	  '</script/><b>"x" ['\''café'\'', '\''\\xff'\''] Aufmerksamkeit für Übersetzung [0.25, 0.75, 1, 0]' ]
	grep -q '<title>Aufmerksamkeit für Übersetzung</title>' "$T/a.html"
	heatmap --format html -o - "$T/l.txt" | cmp - "$T/a.html"
	heatmap -o "$T/b.html" "$T/l.txt"
	cmp "$T/a.html" "$T/b.html"
}

@test "heatmap: --html keeps --rows, --cols, --layer and --head" {
	tensor rand --shape 2x3x5x6 --seed 1 --dist uniform > "$T/l.txt"
	heatmap --html "$T/a.html" --layer 1 --rows 1:4 --cols 2: "$T/l.txt"
	data=$(page_data "$T/a.html")
	[ "$("$PYTHON" -c 'import json,sys; d=json.loads(sys.argv[1]); print(d["rows"], d["cols"], [(p["layer"], p["head"], len(p["w"])) for p in d["panels"]])' "$data")" = \
	  "['1', '2', '3'] ['2', '3', '4', '5'] [(1, 0, 12), (1, 1, 12), (1, 2, 12)]" ]
}

@test "heatmap: the head view draws one line per weight above the threshold, and hovering a token keeps its lines" {
	words="the cat sat on the mat"
	tensor rand --shape 3x6x6 --seed 5 | tensor softmax | sed "s/^#tensor 3 6 6\$/#tensor 3 6 6\n#rows $words\n#cols $words/" > "$T/h.txt"
	heatmap --html "$T/a.html" "$T/h.txt"
	out=$(selftest "$T/a.html" "q=2&k=3&cell=2,4")
	[ -n "$out" ]
	[ "$(field "$out" errors)" = "[]" ]
	[ "$(grep -c ':CONSOLE' "$T/browser.log")" -eq 0 ]               # nothing written to the console
	[ "$(field "$out" lines)" -eq "$(count "$T/h.txt" 0.01 0:1)" ]          # head 0
	[ "$(field "$out" q_lines)" -eq "$(count "$T/h.txt" 0.01 0:1 row 2)" ]  # hover "sat" on the left
	[ "$(field "$out" k_lines)" -eq "$(count "$T/h.txt" 0.01 0:1 col 3)" ]  # hover "on" on the right
	[ "$(field "$out" after)" -eq "$(field "$out" lines)" ]                # leaving it shows all again
	[ "$(field "$out" q_lines)" -lt "$(field "$out" lines)" ]
	[ "$(field "$out" all_lines)" -eq "$(count "$T/h.txt" 0.01 0:3)" ]      # all heads, each in its colour
	w=$(awk '!/^#/ && NF { n++; if (n == 3) print $5 }' "$T/h.txt")        # head 0, "sat" on the 2nd "the"
	[ "$(field "$out" tip)" = "sat → the: $("$PYTHON" -c "print('%.4g' % float('$w'))")  (head 0)" ]
}

@test "heatmap: the page stays usable with 512 tokens (262144 lines)" {
	tensor rand --shape 512x512 --seed 4 | tensor softmax > "$T/w.txt"
	heatmap --html "$T/a.html" "$T/w.txt"
	out=$(selftest "$T/a.html" "q=3&k=4&cell=5,6&thr=0")
	[ "$(field "$out" errors)" = "[]" ]
	[ "$(field "$out" lines)" -eq 262144 ]
	[ "$(field "$out" q_lines)" -eq 512 ]
	[ "$(field "$out" k_lines)" -eq 512 ]
}

@test "heatmap: a screenshot of the page shows the tokens and their lines" {
	[ -n "$CHROMIUM" ] || skip "chromium is not installed"
	heatmap --html "$T/a.html" "$SAMPLES/matrix.txt"
	"$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update \
		--disable-sync --no-first-run --user-data-dir="$(mktemp -d "$T/profile.XXXXXX")" --window-size=800,400 \
		--screenshot="$T/shot.png" "file://$T/a.html" 2> /dev/null
	[[ "$(png "$T/shot.png" check)" == "ok 800 400" ]]
	[ "$(png "$T/shot.png" ink 0 70 400 140)" -gt 500 ]                     # the tokens and the lines between them
	[ "$(png "$T/shot.png" colors 0 70 400 140)" -gt 20 ]                   # of many opacities
}

@test "heatmap: --html with -o, or with another --format, is a usage error" {
	run heatmap --html "$T/a.html" -o "$T/b.png" "$SAMPLES/matrix.txt"
	assert_fails 2 "^heatmap: --html FILE writes the page instead of -o: give one of them"
	run heatmap --html "$T/a.html" --format svg "$SAMPLES/matrix.txt"
	assert_fails 2 "^heatmap: --html writes a page, not --format svg"
	run heatmap --format gif -o "$T/a.gif" "$SAMPLES/matrix.txt"
	assert_fails 2 "^heatmap: --format: 'gif' is not png, svg or html"
	[ ! -e "$T/a.html" ]
}

@test "heatmap: a PNG given as the input is named a PNG image, not a tensor" {
	heatmap -o "$T/a.png" "$T/known.txt"
	run heatmap -o "$T/x.png" "$T/a.png"
	assert_fails 1 "^heatmap: .*/a.png: a PNG image, not a tensor stream: give the tensor the picture was drawn from"
}

# ---- defaults that tell the truth: the scale, masked cells, the terminal's width ----

ansi_plain() { sed 's/\x1b\[[0-9;]*m//g'; }

@test "heatmap: attention weights (rows summing to 1) take the fixed scale 0 to 1" {
	printf '0.32 0.34 0.34\n0.33 0.33 0.34\n' > "$T/w.txt"       # almost uniform: not bright yellow
	run heatmap --ansi "$T/w.txt"
	[ "$status" -eq 0 ]
	[[ "${lines[-1]}" == "0 "*" 1" ]]
	[[ "$output" != *$'\e[48;2;253;231;37m\e[38;2;0;0;0m  '* ]]   # no cell takes the top colour
}

@test "heatmap: values in [0,1] whose rows do not sum to 1 keep the scale 0 to their largest" {
	printf '0.1 0.4\n0.2 0.3\n' > "$T/p.txt"
	run heatmap --ansi "$T/p.txt"
	[ "$status" -eq 0 ]
	[[ "${lines[-1]}" == "0 "*" 0.4" ]]
}

@test "heatmap: values all below 0 (log-probabilities) take a one-sided scale up to 0, in viridis" {
	printf -- '-0.1 -2.3\n-4 -0.7\n' > "$T/lp.txt"
	run heatmap --ansi "$T/lp.txt"
	[ "$status" -eq 0 ]
	[[ "${lines[-1]}" == "-4 "*" 0" ]]
	[[ "$output" == *$'\e[48;2;68;1;84m\e[38;2;255;255;255m  '* ]]   # viridis' first colour for -4
}

@test "heatmap: signed values keep the symmetric scale and coolwarm" {
	printf -- '-1 2\n0.5 -0.25\n' > "$T/s.txt"
	run heatmap --ansi "$T/s.txt"
	[ "$status" -eq 0 ]
	[[ "${lines[-1]}" == "-2 "*" 2" ]]
}

@test "heatmap: a -inf cell is drawn masked (hatched grey) in the terminal, with a legend line" {
	printf '#tensor 2 2\n0 -inf\n-1 -2\n' > "$T/m.txt"
	run heatmap --ansi --annotate "$T/m.txt"
	[ "$status" -eq 0 ]
	[[ "$output" == *$'\e[48;2;232;232;232m\e[38;2;75;75;75m masked'* ]]
	[ "$(printf '%s\n' "${lines[-1]}" | ansi_plain)" = "// masked" ]
	[[ "${lines[-2]}" == "-2 "*" 0" ]]                           # the scale leaves -inf out
}

@test "heatmap: --causal masks the cells above the diagonal of a PNG, hatched, and the legend says so" {
	printf '1 0 0\n0.5 0.5 0\n0.2 0.3 0.5\n' > "$T/w.txt"
	heatmap --cell 24 --causal -o "$T/c.png" "$T/w.txt"
	heatmap --cell 24 -o "$T/p.png" "$T/w.txt"
	[ "$(png "$T/c.png" count 232 232 232)" -gt 600 ]              # three hatched cells and the swatch
	[ "$(png "$T/c.png" count 150 150 150)" -gt 100 ]
	[ "$(png "$T/p.png" count 232 232 232)" -eq 0 ]               # without --causal: plain weight 0
}

@test "heatmap: masked cells in SVG fill with the hatch pattern, and the legend names them" {
	printf '1 0\n0.5 0.5\n' > "$T/w.txt"
	heatmap --causal -o "$T/c.svg" "$T/w.txt"
	grep -q '<pattern id="masked"' "$T/c.svg"
	[ "$(grep -c 'fill="url(#masked)"' "$T/c.svg")" -eq 2 ]       # the cell and the legend's swatch
	grep -q '>masked</text>' "$T/c.svg"
}

@test "heatmap: columns labelled <pad> are masked by default, as attend blocks them" {
	printf '#tensor 1 3\n#cols a b <pad>\n0.5 0.5 0\n' > "$T/w.txt"
	run heatmap --ansi "$T/w.txt"
	[[ "$(printf '%s\n' "${lines[-1]}" | ansi_plain)" = "// masked" ]]
	run heatmap --ansi --no-pad-mask "$T/w.txt"
	[[ "$output" != *masked* ]]
}

@test "heatmap: --mask FILE masks where the file holds 0" {
	printf '1 0\n1 1\n' > "$T/m.txt"
	printf '0.5 0.5\n0.5 0.5\n' > "$T/w.txt"
	run heatmap --ansi --annotate --mask "$T/m.txt" "$T/w.txt"
	[ "$(printf '%s\n' "$output" | ansi_plain | grep -c ' masked')" -eq 2 ]   # one cell and the legend
}

@test "heatmap: the interactive page marks masked cells (null) and says what the hatching means" {
	printf '1 0\n0.5 0.5\n' > "$T/w.txt"
	heatmap --causal --html "$T/c.html" "$T/w.txt"
	grep -q '"masked":true' "$T/c.html"
	grep -q 'hatched grey: masked' "$T/c.html"
}

@test "heatmap: NaN in the input is an error naming the cell" {
	printf '1 nan\n' > "$T/n.txt"
	run heatmap --ansi "$T/n.txt"
	assert_fails 1 "n.txt: NaN at \[0,1\]: only -inf \(a masked cell\) can be drawn"
}

@test "heatmap: --ansi crops the columns to \$COLUMNS, with a note naming the next ones" {
	tensor rand --shape 3x64 --seed 1 > "$T/wide.txt"
	COLUMNS=40 run heatmap --ansi "$T/wide.txt"
	[ "$status" -eq 0 ]
	[[ "$output" == *"(columns 0 to 18 of 0 to 63 shown: the terminal is 40 wide; --cols 19: shows the next)"* ]]
	while IFS= read -r line; do
		[ "${#line}" -le 88 ] || { echo "too wide: $line"; return 1; }   # the note may wrap; cells may not
	done < <(printf '%s\n' "$output" | ansi_plain | grep -v '^(columns')
}

@test "heatmap: --ansi draws every column when \$COLUMNS holds them" {
	tensor rand --shape 3x64 --seed 1 > "$T/wide.txt"
	COLUMNS=200 run heatmap --ansi "$T/wide.txt"
	[ "$status" -eq 0 ]
	[[ "$output" != *"(columns"* ]]
}
