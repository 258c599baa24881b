# SPDX-License-Identifier: MIT
# Shared by every tests/*.bats: the programs under test come first on PATH.
# PF_BIN is set by `make test` (bin/) and `make check` (the sanitizer build).
PF_BIN=${PF_BIN:-$BATS_TEST_DIRNAME/../bin}
PF_UNIT=${PF_UNIT:-$BATS_TEST_DIRNAME/../build/unit}  # C tests of lib/ kernels
PATH="$PF_BIN:$PATH"
GOLDEN="$BATS_TEST_DIRNAME/golden"
SAMPLES="$BATS_TEST_DIRNAME/../samples"

# assert_fails STATUS REGEX: the last `run` exited with STATUS and printed one line matching REGEX
assert_fails() {
	if [ "$status" -ne "$1" ]; then
		echo "expected exit status $1, got $status; output: $output" >&2
		return 1
	fi
	if ! [[ "$output" =~ $2 ]]; then
		echo "expected a message matching '$2', got: $output" >&2
		return 1
	fi
}

# assert_close A B [ATOL]: two streams equal within ATOL (default 1e-5)
assert_close() {
	run tensor diff --atol "${3:-1e-5}" "$1" "$2"
	if [ "$status" -ne 0 ]; then
		echo "$output" >&2
		return 1
	fi
}

# png FILE ...: tests/pngread.py (decode a PNG with Python's standard library: size, pixel, digest...),
# with Debian's python3 when there is one (a version manager's python3 shim costs a second a call)
PYTHON=python3
[ -x /usr/bin/python3 ] && PYTHON=/usr/bin/python3
png() { "$PYTHON" "$BATS_TEST_DIRNAME/pngread.py" "$@"; }
