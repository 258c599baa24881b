#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# tools/deb.sh: the Debian package of this run's programs (make deb does the same after a hardened build).
load helpers

ROOT=$BATS_TEST_DIRNAME/..

setup_file() {
	PF_BIN=${PF_BIN:-$BATS_TEST_DIRNAME/../bin}
	PF_UNIT=${PF_UNIT:-$BATS_TEST_DIRNAME/../build/unit}
	S=$BATS_FILE_TMPDIR/stage
	make -s -C "$BATS_TEST_DIRNAME/.." -o all BIN="$PF_BIN" BUILD="${PF_UNIT%/unit}" \
		DESTDIR="$S/debian/pipeformer" PREFIX=/usr install
	# the packages found by name: one for a library the programs link, one for a library they do not
	printf '%s\n' 'Depends  pf-test-fonts  libpng16  # linked: added' 'Depends  pf-test-never  libnotlinked' \
		'Recommends  pf-test-always  -  # always' > "$BATS_FILE_TMPDIR/depends"
	DEB_MAINTAINER='Test <test@example.org>' DEB_DEPENDS=$BATS_FILE_TMPDIR/depends \
		"$BATS_TEST_DIRNAME/../tools/deb.sh" "$S" 9.8.7 "$BATS_FILE_TMPDIR" > /dev/null
}

setup() {
	DEB=$(echo "$BATS_FILE_TMPDIR"/pipeformer_9.8.7-1_*.deb)
}

@test "deb: named pipeformer_VERSION-1_ARCH.deb, with the version and architecture in its control" {
	[ -f "$DEB" ]
	[ "$(dpkg-deb -f "$DEB" Package Version Architecture)" = \
		"$(printf 'Package: pipeformer\nVersion: 9.8.7-1\nArchitecture: %s' "$(dpkg --print-architecture)")" ]
}

@test "deb: Depends names the packages of the libraries the programs link (dpkg-shlibdeps)" {
	depends=$(dpkg-deb -f "$DEB" Depends)
	[[ $depends == *"libc6 (>= "* ]]
	[[ $depends == *"libpng16-16"* ]]
	[[ $depends == *"libzip4"* ]]
}

@test "deb: tools/deb-depends adds a package when the programs link its library, and only then" {
	[[ "$(dpkg-deb -f "$DEB" Depends)" == *", pf-test-fonts"* ]]
	[[ "$(dpkg-deb -f "$DEB" Depends)" != *"pf-test-never"* ]]
	[ "$(dpkg-deb -f "$DEB" Recommends)" = pf-test-always ]
}

@test "deb: the files Debian's policy asks for, man pages gzipped, programs stripped" {
	dpkg-deb -c "$DEB" | awk '{ print $6 }' > "$BATS_TEST_TMPDIR/files"
	for f in ./usr/bin/attend ./usr/share/man/man1/attend.1.gz ./usr/share/doc/pipeformer/copyright \
		./usr/share/doc/pipeformer/changelog.Debian.gz ./usr/share/bash-completion/completions/pipeformer \
		./usr/share/doc/pipeformer/docs/format.md ./usr/share/doc/pipeformer/samples/demo/30-attend.sh; do
		grep -qx -- "$f" "$BATS_TEST_TMPDIR/files" || { echo "missing $f" >&2; return 1; }
	done
	[ "$(grep -c '\.1$' "$BATS_TEST_TMPDIR/files")" -eq 0 ]
	dpkg-deb -x "$DEB" "$BATS_TEST_TMPDIR/x"
	[ "$(readelf -S "$BATS_TEST_TMPDIR/x/usr/bin/attend" | grep -c '\.debug_info\|\.symtab')" -eq 0 ]
	grep -q '^License: Expat' "$BATS_TEST_TMPDIR/x/usr/share/doc/pipeformer/copyright"
}
