#!/usr/bin/env bats
# heatmap: PNG size, colours and layout are checked by decoding the PNG with tests/pngread.py
# (Python's standard library only). Colours expected below are matplotlib's, rounded as to_hex does.
load helpers

png() { python3 "$BATS_TEST_DIRNAME/pngread.py" "$@"; }

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
	run pngcheck "$T/a.png"
	[ "$status" -eq 0 ]
	[[ "$output" == *"24-bit RGB, non-interlaced"* ]]
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
	{ echo '#tensor 2 3'; echo '-2 0 2'; echo '1 -0.5 0.5'; } > "$T/s.txt"
	heatmap --cell 10 -o "$T/a.png" "$T/s.txt"
	ORIGIN="59 76 192"
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

@test "heatmap: non-ASCII bytes of labels are drawn as \\xHH" {
	{ echo '#tensor 1 2'; echo '#rows ab'; echo '#cols a b'; echo '0 1'; } > "$T/ascii.txt"
	{ echo '#tensor 1 2'; echo '#rows \xc3\xa9'; echo '#cols a b'; echo '0 1'; } > "$T/utf8.txt"
	heatmap --cell 10 -o "$T/a.png" "$T/ascii.txt"
	heatmap --cell 10 -o "$T/b.png" "$T/utf8.txt"
	read -r xa ya < <(png "$T/a.png" find 68 1 84)
	read -r xb yb < <(png "$T/b.png" find 68 1 84)
	# "ab" is 2 glyphs, "\xc3\xa9" is 8: the cells move right by 6 glyphs of 6 pixels
	[ $((xb - xa)) -eq 36 ]
}
