#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Hostile inputs, files and signals (issue 18): no run may destroy data, hang, fill the memory or
# pass on a wrong result silently. One behaviour per case, grouped as the issue groups them.
load helpers

setup() {
	T="$BATS_TEST_TMPDIR"
	tensor rand --shape 5x4 --seed 1 > "$T/x.txt"
}

PYTHON=python3
[ -x /usr/bin/python3 ] && PYTHON=/usr/bin/python3

# zipwrite [-z] OUT NAME=FILE...: a zip archive of raw entries, duplicates allowed (Python's zipfile)
zipwrite() {
	"$PYTHON" - "$@" <<-'PY'
	import sys, warnings, zipfile
	warnings.simplefilter("ignore")
	args, comp = sys.argv[1:], zipfile.ZIP_STORED
	if args[0] == "-z":
	    args, comp = args[1:], zipfile.ZIP_DEFLATED
	with zipfile.ZipFile(args[0], "w", comp) as z:
	    for a in args[1:]:
	        name, path = a.split("=", 1)
	        z.writestr(name, open(path, "rb").read())
	PY
}

# npyhead DESCR SHAPE: a version 1.0 .npy header, e.g. npyhead '<f4' '(2, 3)'
npyhead() {
	"$PYTHON" -c '
import sys
d = "{\x27descr\x27: \x27%s\x27, \x27fortran_order\x27: False, \x27shape\x27: %s, }" % (sys.argv[1], sys.argv[2])
d += " " * (63 - (10 + len(d)) % 64) + "\n"
sys.stdout.buffer.write(b"\x93NUMPY\x01\x00" + len(d).to_bytes(2, "little") + d.encode())' "$1" "$2"
}

# pft SHAPE FLAGS BLOCK...: a binary tensor of zeros, e.g. pft 2,2 4 $'a\nb' (blocks: name, rows, cols as flagged)
pft() {
	"$PYTHON" -c '
import struct, sys
shape = [int(d) for d in sys.argv[1].split(",")]
out = b"\x89PFT\x01" + bytes([len(shape), int(sys.argv[2]), 0]) + b"".join(struct.pack("<Q", d) for d in shape)
for block in sys.argv[3:]:
    out += struct.pack("<I", len(block.encode())) + block.encode()
n = 1
for d in shape:
    n *= d
sys.stdout.buffer.write(out + b"\0" * 4 * n)' "$@"
}

# no file in directory $1 but those named after it (the temporary files end in .XXXXXX)
no_temp_files() {
	local left
	left=$(cd "$1" && ls -A | grep -E '\.[A-Za-z0-9]{6}$' || true)
	if [ -n "$left" ]; then
		echo "temporary files left behind: $left" >&2
		return 1
	fi
}

# ---- data destroyed ---------------------------------------------------------------------------

@test "robustness: heatmap -o through a symbolic link writes its target and keeps the link" {
	echo old > "$T/target.png"
	ln -s target.png "$T/link.png"
	heatmap -o "$T/link.png" "$SAMPLES/matrix.txt"
	[ -L "$T/link.png" ]
	[ "$(head -c 4 "$T/target.png" | od -An -c | tr -d ' ')" = '211PNG' ]
	no_temp_files "$T"
}

@test "robustness: heatmap -o through a dangling symbolic link creates its target" {
	ln -s new.png "$T/link.png"
	heatmap -o "$T/link.png" "$SAMPLES/matrix.txt"
	[ -L "$T/link.png" ]
	[ -f "$T/new.png" ]
}

@test "robustness: heatmap -o into a FIFO writes into it, the FIFO stays" {
	mkfifo "$T/fifo"
	cat "$T/fifo" > "$T/got.png" &
	heatmap -o "$T/fifo" "$SAMPLES/matrix.txt"
	wait
	[ -p "$T/fifo" ]
	[ "$(head -c 4 "$T/got.png" | od -An -c | tr -d ' ')" = '211PNG' ]
}

@test "robustness: heatmap -o on a device writes into it and leaves it a device" {
	ln -s /dev/null "$T/null"
	heatmap -o "$T/null" "$SAMPLES/matrix.txt"
	[ -L "$T/null" ]
	[ -c /dev/null ]
	if [ "$(id -u)" = 0 ]; then
		mknod "$T/d" c 1 3
		heatmap -o "$T/d" "$SAMPLES/matrix.txt"
		[ -c "$T/d" ]
	fi
}

@test "robustness: heatmap -o /dev/full is a write error naming it" {
	run heatmap -o /dev/full "$SAMPLES/matrix.txt"
	assert_fails 1 "^heatmap: /dev/full: write error: No space left on device$"
	[ -c /dev/full ]
}

@test "robustness: --save-weights with no parameters is an error and keeps the archive" {
	attend --project --seed 1 --save-weights "$T/k.npz" "$T/x.txt" > /dev/null
	cp "$T/k.npz" "$T/before.npz"
	run attend --save-weights "$T/k.npz" "$T/x.txt"
	assert_fails 2 "^attend: --save-weights .*/k.npz: this configuration has no parameters to save"
	cmp "$T/k.npz" "$T/before.npz"
}

@test "robustness: --save-weights twice gives byte-identical archives" {
	attend --project --seed 3 --save-weights "$T/a.npz" "$T/x.txt" > /dev/null
	attend --project --seed 3 --save-weights "$T/b.npz" "$T/x.txt" > /dev/null
	cmp "$T/a.npz" "$T/b.npz"
	# not equal by luck within the 2 seconds of a zip time: every entry has the fixed time
	run "$PYTHON" -c 'import sys, zipfile; print(set(i.date_time for i in zipfile.ZipFile(sys.argv[1]).infolist()))' "$T/a.npz"
	[ "$output" = "{(1980, 1, 1, 0, 0, 0)}" ]
}

@test "robustness: an output that is also the input is an error, the input stays whole" {
	cp "$T/x.txt" "$T/before.txt"
	run attend --attn "$T/x.txt" "$T/x.txt"
	assert_fails 1 "^attend: .*/x.txt: is (also an input|also an output) of this program; write to another file$"
	cmp "$T/x.txt" "$T/before.txt"
	run attend --scores "$T/x.txt" < "$T/x.txt"
	assert_fails 1 "x.txt: is also an input of this program"
	cmp "$T/x.txt" "$T/before.txt"
	ln -s x.txt "$T/alias.txt"
	run attend --attn "$T/alias.txt" "$T/x.txt"
	assert_fails 1 "alias.txt: is also an input of this program"
	cmp "$T/x.txt" "$T/before.txt"
}

@test "robustness: --save-vocab onto the --vocab it reads is an error" {
	printf '<pad>\n<unk>\nthe\ncat\n' > "$T/v.txt"
	cp "$T/v.txt" "$T/before.txt"
	run sh -c "echo the cat | embed --vocab '$T/v.txt' --save-vocab '$T/v.txt'"
	assert_fails 1 "v.txt: is also an input of this program"
	cmp "$T/v.txt" "$T/before.txt"
}

@test "robustness: --save-weights onto the --weights it reads is an error" {
	attend --project --seed 1 --save-weights "$T/w.npz" "$T/x.txt" > /dev/null
	cp "$T/w.npz" "$T/before.npz"
	run attend --project --weights "$T/w.npz" --save-weights "$T/w.npz" "$T/x.txt"
	assert_fails 1 "w.npz: is also an (input|output) of this program"
	cmp "$T/w.npz" "$T/before.npz"
}

@test "robustness: a side output is not touched when the program fails" {
	echo old > "$T/attn.txt"
	printf '#tensor 2 2\n1 2\n3 x\n' > "$T/bad.txt"
	run attend --attn "$T/attn.txt" --scores "$T/scores.txt" "$T/bad.txt"
	assert_fails 1 "bad.txt: line 3: not a number: 'x'"
	[ "$(cat "$T/attn.txt")" = old ]
	[ ! -e "$T/scores.txt" ]
	no_temp_files "$T"
}

@test "robustness: a failed side output names its file" {
	run sh -c "attend --attn /dev/full '$T/x.txt' > /dev/null"
	assert_fails 1 "^attend: /dev/full: write error: No space left on device$"
	mkdir "$T/dir"
	run attend --scores "$T/dir" "$T/x.txt"
	assert_fails 1 "^attend: .*/dir: Is a directory$"
	run embed --save-vocab "$T/dir" "$SAMPLES/sentences.txt"
	assert_fails 1 "^embed: .*/dir: Is a directory$"
}

@test "robustness: a replaced file keeps its mode" {
	echo old > "$T/attn.txt"
	chmod 640 "$T/attn.txt"
	attend --attn "$T/attn.txt" "$T/x.txt" > /dev/null
	[ "$(stat -c %a "$T/attn.txt")" = 640 ]
	(umask 022 && attend --attn "$T/new.txt" "$T/x.txt" > /dev/null)
	[ "$(stat -c %a "$T/new.txt")" = 644 ]
}

@test "robustness: with SIGPIPE ignored, a closed --attn pipe is an error" {
	tensor rand --shape 300x8 > "$T/big.txt"
	run bash -c "set -o pipefail; trap '' PIPE; attend --attn /dev/fd/3 '$T/big.txt' 3>&1 >'$T/out.txt' 2>'$T/err' | true"
	[ "$status" -eq 1 ]
	grep -q '^attend: /dev/fd/3: write error: Broken pipe$' "$T/err"
}

# ---- hangs and memory ------------------------------------------------------------------------

@test "robustness: an .npz entry whose header describes less data than it holds is refused" {
	{ npyhead '<f4' '(2,)'; head -c 12 /dev/zero; } > "$T/a.npy"
	zipwrite "$T/t.npz" a.npy="$T/a.npy"
	run tensor get "$T/t.npz"
	assert_fails 1 "^tensor: .*t.npz: a: the entry holds 140 bytes, its .npy header describes 136 \\(8 of data\\)$"
}

@test "robustness: an .npz entry is checked against its header before it is inflated" {
	# 16 MiB of zeros deflate to 16 KiB; the header describes 8 bytes of data
	{ npyhead '<f4' '(2,)'; head -c 16777216 /dev/zero; } > "$T/a.npy"
	zipwrite -z "$T/t.npz" a.npy="$T/a.npy"
	rm "$T/a.npy"
	run tensor get "$T/t.npz"
	assert_fails 1 "a: the entry holds 16777344 bytes, its .npy header describes 136 \\(8 of data"
	{ npyhead '<f4' '(1000000000,)'; head -c 8 /dev/zero; } > "$T/b.npy"
	zipwrite -z "$T/t.npz" b.npy="$T/b.npy"
	run tensor get "$T/t.npz"
	assert_fails 1 "b: the entry holds 136 bytes, its .npy header describes 4000000128"
}

@test "robustness: a corrupted .npz entry fails its CRC check" {
	printf '#tensor 2 2\n1 2\n3 4\n' > "$T/a.txt"
	tensor pack "$T/t.npz" a="$T/a.txt"
	size=$(stat -c %s "$T/t.npz")
	# the last data byte of the only entry sits just before the central directory (46 + 5 + 22 bytes)
	printf '\x55' | dd of="$T/t.npz" bs=1 seek=$((size - 74)) conv=notrunc status=none
	run tensor get "$T/t.npz"
	assert_fails 1 "^tensor: .*t.npz: a: cannot read entry: CRC error$"
}

@test "robustness: two .npz entries of one name are refused, naming it" {
	tensor --npy "$T/x.txt" > "$T/a.npy"
	zipwrite "$T/t.npz" w.npy="$T/a.npy" w.npy="$T/a.npy"
	run tensor get "$T/t.npz" w
	assert_fails 1 "^tensor: .*t.npz: two entries named 'w.npy' \\(NumPy would load the last, this program refuses to guess\\)$"
	run tensor pack "$T/p.npz" w="$T/x.txt" w="$T/x.txt"
	assert_fails 1 "^tensor: .*p.npz: two entries named 'w.npy'$"
	[ ! -e "$T/p.npz" ]
}

@test "robustness: an empty tensor with a huge other dimension costs no loop (text, binary, .npy)" {
	for shape in "1152921504606846976 0" "0 1152921504606846976"; do
		printf '#tensor %s\n' "$shape" > "$T/e.txt"
		tensor -b "$T/e.txt" > "$T/e.bin"
		tensor --npy "$T/e.txt" > "$T/e.npy"
		for f in e.txt e.bin e.npy; do
			run timeout 10 attend "$T/$f"
			[ "$status" -eq 0 ] || { echo "attend $f [$shape]: $status $output" >&2; false; }
			[ "${lines[0]}" = "#tensor $shape" ]
		done
	done
	for f in e.txt e.bin e.npy; do
		run timeout 10 posenc "$T/$f"
		[ "$status" -eq 0 ] || { echo "posenc $f: $status $output" >&2; false; }
		[ "${lines[0]}" = "#tensor 0 1152921504606846976" ]
	done
}

@test "robustness: an empty tensor with a huge other dimension and --attn is a size error" {
	printf '#tensor 1152921504606846976 0\n' > "$T/e.txt"
	run timeout 10 attend --attn "$T/attn.txt" "$T/e.txt"
	assert_fails 1 "overflow"
	[ ! -e "$T/attn.txt" ]
}

@test "robustness: heatmap refuses an image over its size limit before allocating it" {
	{ printf '#tensor 2 2\n#name '; head -c 1000000 /dev/zero | tr '\0' a; printf '\n1 2\n3 4\n'; } > "$T/n.txt"
	run heatmap --font builtin -o "$T/n.png" "$T/n.txt"   # the bitmap font: 6 pixels a character, twice for titles
	assert_fails 1 "^heatmap: an image of 12000014 x 119 pixels is larger than the limit \\(16384 pixels a side, 67108864 in all\\): draw a part"
	[ ! -e "$T/n.png" ]
	tensor rand -b --shape 1100x1100 --seed 1 > "$T/big.bin"
	run heatmap --cell 16 -o "$T/n.png" "$T/big.bin"
	assert_fails 1 "larger than the limit"
}

# ---- silent wrong results -------------------------------------------------------------------

@test "robustness: decode --generate with overflowing weights stops at the log-probabilities" {
	"$PYTHON" - "$GOLDEN/transformer/model.npz" "$T/big.npz" <<-'PY'
	import struct, sys, zipfile
	with zipfile.ZipFile(sys.argv[1]) as a, zipfile.ZipFile(sys.argv[2], "w") as b:
	    for i in a.infolist():
	        data = a.read(i)
	        if i.filename == "generator.weight.npy":  # every weight 3e38: the logits overflow
	            head = 10 + int.from_bytes(data[8:10], "little")
	            data = data[:head] + struct.pack("<f", 3e38) * ((len(data) - head) // 4)
	        b.writestr(i, data)
	PY
	run decode --generate --weights "$T/big.npz" --scores "$T/scores.txt" "$GOLDEN/transformer/model_src.txt"
	assert_fails 1 "^decode: .*model_src.txt: line 1: output token 1: (NaN|Inf) in the log-probabilities \\(do the weights overflow\\?\\)$"
	[ ! -e "$T/scores.txt" ]
}

@test "robustness: a NaN about to be written is an error, whatever the program" {
	"$PYTHON" -c 'import struct, sys; sys.stdout.buffer.write(b"\x93NUMPY\x01\x00" + (118).to_bytes(2, "little") + b"{\x27descr\x27: \x27<f4\x27, \x27fortran_order\x27: False, \x27shape\x27: (2,), }".ljust(117) + b"\n" + struct.pack("<2f", 1, float("nan")))' > "$T/nan.npy"
	zipwrite "$T/nan.npz" a.npy="$T/nan.npy"
	run tensor get "$T/nan.npz"
	assert_fails 1 "^tensor: output: NaN at \\[1\\]$"
	[ "${#lines[@]}" -eq 1 ] # and nothing on stdout
}

@test "robustness: the binary reader refuses the labels the text and .npy readers refuse" {
	pft 2,2 4 $'a\nb' > "$T/ok.bin"
	tensor "$T/ok.bin" > /dev/null
	pft 3 2 $'a\nb\nc' > "$T/t.bin"
	run tensor "$T/t.bin"
	assert_fails 1 "t.bin: binary tensor: row labels on a 1-D tensor$"
	pft 2,3 4 $'a\n\nb' > "$T/t.bin"
	run tensor "$T/t.bin"
	assert_fails 1 "t.bin: binary tensor: column labels: label 2 is empty$"
	pft 2,2 4 $'a\nb\n' > "$T/t.bin"
	run tensor "$T/t.bin"
	assert_fails 1 "t.bin: binary tensor: column labels: label 3 is empty$"
	pft 2,2 2 $'\na' > "$T/t.bin"
	run tensor "$T/t.bin"
	assert_fails 1 "t.bin: binary tensor: row labels: label 1 is empty$"
	pft 2,2 4 '' > "$T/t.bin"
	run tensor "$T/t.bin"
	assert_fails 1 "t.bin: binary tensor: column labels: label 1 is empty$"
}

@test "robustness: labels too long for the binary form fail before a byte is written" {
	{ printf '#tensor 1 2\n#cols a '; head -c 67108864 /dev/zero | tr '\0' b; printf '\n1 2\n'; } > "$T/l.txt"
	tensor "$T/x.txt" > "$T/first.txt"
	run bash -c "tensor -b '$T/x.txt' '$T/l.txt' > '$T/out.bin'"
	assert_fails 1 "^tensor: column labels too long for the binary format \\(over 67108864 bytes; the text form has no limit\\)$"
	# the first tensor went out whole, nothing of the second
	[ "$(tensor "$T/out.bin")" = "$(cat "$T/first.txt")" ]
}

@test "robustness: embed refuses a NUL byte in a line instead of dropping the rest" {
	printf 'the cat\nthe\0dog sat\n' > "$T/nul.txt"
	run embed "$T/nul.txt"
	assert_fails 1 "^embed: .*nul.txt: line 2: NUL byte: binary data, not text\\?$"
}

@test "robustness: tensor pack keeps names of any length and a .npy in a name" {
	long=$(printf 'n%.0s' $(seq 1100))
	tensor pack "$T/t.npz" "$long=$T/x.txt" "b.npy=$T/x.txt"
	run tensor get "$T/t.npz" "$long"
	[ "$status" -eq 0 ]
	[[ "${lines[1]}" = "#name $long" ]]
	run tensor get "$T/t.npz" b.npy
	[ "$status" -eq 0 ]
	[[ "${lines[1]}" = "#name b.npy" ]]
}

@test "robustness: tensor get of a whole model skips its text entries" {
	printf 'd_model=4\n' > "$T/config"
	{ npyhead '|u1' '(10,)'; cat "$T/config"; } > "$T/config.npy"
	tensor --npy "$T/x.txt" > "$T/w.npy"
	zipwrite "$T/m.npz" config.npy="$T/config.npy" w.npy="$T/w.npy"
	run tensor get "$T/m.npz"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "#tensor 5 4" ]
	[ "${lines[1]}" = "#name w" ]
	run tensor get "$T/m.npz" config
	assert_fails 1 "config: .npy dtype '\\|u1' is not supported"
}

# ---- kills and file-size limits: every named output is the old file or the complete new one ------

# The writing programs, each with every file option it has, outputs in directory $D.
writers() {
	cat <<-'END'
	attend --project --seed 1 --attn $D/attn --scores $D/scores --save-weights $D/w.npz $T/big.txt
	mha --heads 2 --attn $D/attn --save-weights $D/w.npz $T/big.txt
	encode --heads 2 --layers 1 --attn $D/attn --save-weights $D/w.npz $T/big.txt
	decode --heads 2 --layers 1 --memory $T/big.txt --attn $D/attn --self-attn $D/scores --save-weights $D/w.npz $T/big.txt
	embed --save-vocab $D/vocab --save-weights $D/w.npz $SAMPLES/sentences.txt
	heatmap -o $D/attn $T/big.txt
	tensor pack $D/w.npz a=$T/big.txt b=$T/big.txt
	linear --out 64 --save-weights $D/w.npz $T/big.txt
	ffn --ff 64 --save-weights $D/w.npz $T/big.txt
	train --src $SAMPLES/sentences.txt --tgt $SAMPLES/sentences.txt -o $D/w.npz --steps 2 --dim 8 --heads 2 --layers 1 --ff 16
	END
}

# Run writer $1 (a line of writers) with outputs in $2, stdout discarded.
run_writer() {
	D=$2 eval "$1" > /dev/null
}

# Every named output in $2 (not the temporary files a kill leaves) is "old" or equal to the one of the same name in $1.
old_or_new() {
	local f
	for f in "$2"/attn "$2"/scores "$2"/w.npz "$2"/vocab; do
		[ "$(cat "$f")" = old ] || cmp -s "$f" "$1/${f##*/}" || {
			echo "${f##*/} is neither the old file nor the complete new one" >&2
			return 1
		}
	done
}

fill_old() {
	rm -rf "$1" && mkdir "$1"
	for f in attn scores w.npz vocab; do echo old > "$1/$f"; done
}

@test "robustness: under ulimit -f every output is the old file, and no temporary file is left" {
	tensor rand --shape 200x8 --seed 2 > "$T/big.txt"
	while read -r cmd; do
		rm -rf "$T/ref" && mkdir "$T/ref"
		run_writer "$cmd" "$T/ref"
		fill_old "$T/run"
		run bash -c "ulimit -f 1; D='$T/run'; T='$T'; SAMPLES='$SAMPLES'; $cmd > /dev/null"
		[ "$status" -eq 1 ] || { echo "$cmd: exit $status" >&2; false; }
		[[ "$output" =~ "write error: File too large" ]] || { echo "$cmd: $output" >&2; false; }
		old_or_new "$T/ref" "$T/run"
		no_temp_files "$T/run"
	done < <(writers)
}

@test "robustness: SIGKILL at any moment leaves every output old or complete" {
	tensor rand --shape 200x8 --seed 2 > "$T/big.txt"
	while read -r cmd; do
		rm -rf "$T/ref" && mkdir "$T/ref"
		run_writer "$cmd" "$T/ref"
		for delay in 0.01 0.05 0.2; do
			fill_old "$T/run"
			D="$T/run" timeout -s KILL "$delay" bash -c "D='$T/run'; T='$T'; SAMPLES='$SAMPLES'; $cmd > /dev/null" || true
			old_or_new "$T/ref" "$T/run"
		done
	done < <(writers)
}

# ---- smaller ---------------------------------------------------------------------------------

@test "robustness: an empty line through embed and encode is no undefined behaviour (make check)" {
	run sh -c "printf '\nthe cat\n' | embed | encode"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^#tensor\ 0\ 16 ]]
}

@test "robustness: an empty text tensor may be followed by a binary one" {
	{ printf '#tensor 0 4\n'; printf '#tensor 1 2\n1 2\n' | tensor -b; printf '#tensor 1 1\n5\n'; } > "$T/mix"
	run tensor "$T/mix"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '#tensor 0 4\n#tensor 1 2\n1 2\n#tensor 1 1\n5')" ]
}

@test "robustness: error line numbers count leading blank lines" {
	run sh -c "printf '\n\n\n\n#tensor 1 2\n1 x\n' | tensor"
	assert_fails 1 "^tensor: -: line 6: not a number: 'x'$"
	run sh -c "printf '#tensor 1 1\n1\n\n\n#tensor 1 1\nx\n' | tensor > /dev/null"
	assert_fails 1 "^tensor: -: line 6: not a number: 'x'$"
}

@test "robustness: control bytes from the input are escaped in messages and in --ansi" {
	run sh -c "printf '#tensor 1 2\n1 \033[31mx\n' | tensor"
	assert_fails 1 "not a number: '\\\\x1b\\[31mx'$"
	printf '#tensor 1 2\n#name \\x1b]0;owned\\x07\n1 2\n' > "$T/n.txt"
	run heatmap --ansi "$T/n.txt"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = '\x1b]0;owned\x07' ]
	run heatmap --ansi --title "$(printf 'a\033[2Jb')" "$T/n.txt"
	[ "${lines[0]}" = 'a\x1b[2Jb' ]
}
