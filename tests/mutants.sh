#!/bin/bash
# SPDX-License-Identifier: MIT
# Mutation testing: does the test suite notice when the math is wrong?
#
#   tests/mutants.sh [-an] [-l LIST] [NAME-PATTERN]      (make mutants)
#
# Each mutant in LIST (default tests/mutants.txt) is one line of lib/ replaced by a wrong one. The
# mutant is applied to a copy of the source tree in a temporary folder (the worktree is never
# modified, even on Ctrl-C), rebuilt there (BUILD=build/mutants), and the bats files are run until one
# fails: the mutant is "killed" by the tests that failed, or it SURVIVED the whole suite. The files
# named on the mutant's "tests:" line are run first and in full (every test of them that fails is
# listed); the others only until the first failing file. -a runs every file for every mutant; -n only
# checks that every mutant of the list applies (a quick check after the code has changed).
# Only mutants whose title matches NAME-PATTERN (a grep -E pattern) are run.
# Exit status: 0 when every mutant was killed, 1 when one survived, 2 on a broken list or build.
set -u

here=$(cd "$(dirname "$0")/.." && pwd)
list=$here/tests/mutants.txt
all=0 dry=0
while getopts anl: opt; do
	case $opt in
	a) all=1 ;;
	n) dry=1 ;;
	l) list=$(cd "$(dirname "$OPTARG")" && pwd)/$(basename "$OPTARG") ;;
	*) echo "usage: tests/mutants.sh [-an] [-l LIST] [NAME-PATTERN]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
pattern=${1:-.}
jobs=${JOBS:-2}
timeout_s=${MUTANT_TIMEOUT:-300}

work=$(mktemp -d "${TMPDIR:-/tmp}/pipeformer-mutants.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
trap 'echo "mutants: interrupted" >&2; exit 130' INT TERM

# the tree as it is in the worktree, committed or not
(cd "$here" && tar cf - --exclude=./.git --exclude=./build --exclude=./bin --exclude=./out .) |
	(cd "$work" && tar xf -) || exit 2
build() { make -C "$work" -s -j"$jobs" BUILD=build/mutants BIN=build/mutants/bin all units >"$work/build.log" 2>&1; }
# run_bats FILE: 0 when every test passed; the names of failing tests go to $work/failed
run_bats() {
	PF_BIN=$work/build/mutants/bin PF_UNIT=$work/build/mutants/unit \
		timeout "$timeout_s" bats "$work/tests/$1" >"$work/bats.log" 2>&1
	local status=$?
	grep '^not ok' "$work/bats.log" | sed "s/^not ok [0-9]* /$1: /" >>"$work/failed"
	[ $status -eq 124 ] && echo "$1: timed out after ${timeout_s}s" >>"$work/failed"
	return $status
}


# Parse the list into parallel arrays: title, file, tests, original, replacement.
titles=() files=() hints=() origs=() repls=()
n=-1
while IFS= read -r line || [ -n "$line" ]; do
	case $line in
	'#'* | '') ;;
	'== '*) n=$((n + 1)); titles[n]=${line#== }; files[n]= hints[n]= origs[n]= repls[n]= ;;
	'file: '*) files[n]=${line#file: } ;;
	'tests: '*) hints[n]=${line#tests: } ;;
	'- '*) origs[n]=${line#- } ;;
	'+ '*) repls[n]=${line#+ } ;;
	*) echo "mutants: $list: cannot read: $line" >&2; exit 2 ;;
	esac
done <"$list"

# apply FILE ORIGINAL REPLACEMENT: the one line of FILE whose text (without surrounding blanks) is
# ORIGINAL becomes REPLACEMENT, indented as it was. Fails unless exactly one line matches.
apply() {
	ORIG=$2 REPL=$3 awk '
		function trim(s) { sub(/^[ \t]+/, "", s); sub(/[ \t]+$/, "", s); return s }
		{ if (trim($0) == ENVIRON["ORIG"]) { match($0, /^[ \t]*/); print substr($0, 1, RLENGTH) ENVIRON["REPL"]; hits++ }
		  else print }
		END { exit hits == 1 ? 0 : 1 }' "$1" >"$1.mutant" && mv "$1.mutant" "$1"
}

if [ $dry -eq 0 ]; then
	echo "mutants: building the unmutated tree in $work"
	if ! build; then
		cat "$work/build.log" >&2
		echo "mutants: the unmutated tree does not build" >&2
		exit 2
	fi
fi
all_files=$(cd "$work/tests" && ls ./*.bats | sed 's|^\./||')

survived=0 broken=0 count=0
report=$work/report
printf '%-56s %-9s %s\n' "mutant" "result" "killed by" >"$report"
for i in $(seq 0 "$n"); do
	title=${titles[i]}
	echo "$title" | grep -Eq -- "$pattern" || continue
	count=$((count + 1))
	f=${files[i]}
	if [ -z "$f" ] || [ -z "${origs[i]}" ] || [ -z "${repls[i]}" ]; then
		printf '%-56s %-9s %s\n' "$title" "BROKEN" "needs file:, - and + lines" | tee -a "$report"
		broken=$((broken + 1))
		continue
	fi
	cp "$work/$f" "$work/original"
	if ! apply "$work/$f" "${origs[i]}" "${repls[i]}"; then
		printf '%-56s %-9s %s\n' "$title" "BROKEN" "$f: the line '${origs[i]}' is not there exactly once" | tee -a "$report"
		cp "$work/original" "$work/$f"
		broken=$((broken + 1))
		continue
	fi
	: >"$work/failed"
	if [ $dry -eq 1 ]; then
		printf '%-56s %-9s %s\n' "$title" "applies" "" | tee -a "$report"
	elif ! build; then
		printf '%-56s %-9s %s\n' "$title" "BROKEN" "does not compile (see the build log)" | tee -a "$report"
		sed -n '1,20p' "$work/build.log" >&2
		broken=$((broken + 1))
	else
		# the hinted files in full, then the others until one fails
		for b in ${hints[i]}; do
			run_bats "$b"
		done
		if [ ! -s "$work/failed" ] || [ $all -eq 1 ]; then
			for b in $all_files; do
				case " ${hints[i]} " in *" $b "*) continue ;; esac
				run_bats "$b" || [ $all -eq 1 ] || break
			done
		fi
		if [ -s "$work/failed" ]; then
			first=1
			while IFS= read -r t; do
				if [ $first -eq 1 ]; then
					printf '%-56s %-9s %s\n' "$title" "killed" "$t"
				else
					printf '%-56s %-9s %s\n' "" "" "$t"
				fi
				first=0
			done <"$work/failed" | tee -a "$report"
		else
			printf '%-56s %-9s %s\n' "$title" "SURVIVED" "-" | tee -a "$report"
			survived=$((survived + 1))
		fi
	fi
	cp "$work/original" "$work/$f" # a fresh mtime: make rebuilds it for the next mutant
done

echo
cat "$report"
echo
if [ $dry -eq 1 ]; then
	echo "mutants: $count checked, $((count - broken)) apply, $broken broken"
else
	echo "mutants: $count run, $((count - survived - broken)) killed, $survived survived, $broken broken"
fi
[ $broken -eq 0 ] || exit 2
[ $survived -eq 0 ] || exit 1
exit 0
