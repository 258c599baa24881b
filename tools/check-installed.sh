#!/bin/sh
# SPDX-License-Identifier: MIT
# Check an installed pipeformer (the .deb's, or make install's) with its own programs, not bin/: the README's
# pipeline, one sample script from a copy of the installed samples, the man page, the bash completion.
#   tools/check-installed.sh [PREFIX]      (default /usr; .ci/run runs it after apt-get install ./pipeformer_*.deb)
set -eu
prefix=${1:-/usr}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
PATH="$prefix/bin:/usr/bin:/bin"
export PATH

echo "== the README's pipeline, with $(command -v attend)"
echo "the cat sat on the mat" | embed --dim 16 --seed 1 | posenc | attend --attn w.txt > context.txt
heatmap -o attn.png < w.txt
tensor info w.txt
[ "$(head -c 8 attn.png | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || { echo "attn.png: not a PNG" >&2; exit 1; }

echo "== a sample script, from a copy of $prefix/share/doc/pipeformer/samples"
cp -r "$prefix/share/doc/pipeformer/samples" .
mkdir out
sh samples/demo/30-attend.sh > /dev/null
[ -s out/attend-weights.txt ]

echo "== the man page"
MANPATH=$prefix/share/man man -w attend

echo "== the bash completion"
bash -c '. "$1/share/bash-completion/completions/mha"
	COMP_WORDS=(mha --addi) COMP_CWORD=1
	_pipeformer_complete mha
	[ "${COMPREPLY[*]}" = --additive-mask ]' sh "$prefix"
echo "== installed pipeformer at $prefix works"
