#!/bin/sh
# SPDX-License-Identifier: MIT
# Turn a `make install DESTDIR=STAGE/debian/pipeformer PREFIX=/usr` tree into pipeformer_VERSION_ARCH.deb
# with dpkg-deb, as Debian's policy asks: stripped programs, gzipped man pages, the copyright file and
# changelog.Debian.gz in /usr/share/doc/pipeformer, md5sums, and a control file whose Depends come from
# the libraries the programs actually link (dpkg-shlibdeps) plus tools/deb-depends (fonts found by name).
#   tools/deb.sh STAGE VERSION OUTDIR      (make deb runs it)
# DEB_MAINTAINER ('Name <email>') defaults to the last commit's author; DEB_DEPENDS to tools/deb-depends.
set -eu
stage=$1 upstream=$2 outdir=$3
here=$(cd "$(dirname "$0")" && pwd)
depends_file=${DEB_DEPENDS:-$here/deb-depends}
pkg=pipeformer
version=$upstream-1
arch=$(dpkg --print-architecture)
root=$stage/debian/$pkg
doc=$root/usr/share/doc/$pkg
maintainer=${DEB_MAINTAINER:-$(git -C "$here" log -1 --format='%an <%ae>' 2> /dev/null || true)}
[ -n "$maintainer" ] || { echo "tools/deb.sh: set DEB_MAINTAINER='Name <email>'" >&2; exit 2; }
# the package's date: the last commit's (reproducible), else now
date=$(git -C "$here" log -1 --format=%cD 2> /dev/null || date -R)

[ -d "$root/usr/bin" ] || { echo "tools/deb.sh: $root/usr/bin: no installed programs" >&2; exit 1; }
programs=$(find "$root/usr/bin" -type f | sort)

# the programs: no debugging symbols, no notes (lintian: unstripped-binary-or-object)
for p in $programs; do
	strip --remove-section=.comment --remove-section=.note --strip-unneeded "$p"
done
# man pages compressed, reproducibly (-n: no name or time stamp)
find "$root/usr/share/man" -type f -name '*.[0-9]' -exec gzip -9nf {} +

# copyright: machine-readable (DEP-5), the license text from LICENSE
{
	cat <<-EOF
	Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
	Upstream-Name: $pkg

	Files: *
	Copyright: $(sed -n 's/^Copyright (c) //p' "$here/../LICENSE")
	License: Expat

	License: Expat
	EOF
	sed -n '/^Permission is hereby granted/,$p' "$here/../LICENSE" | sed 's/^$/./; s/^/ /'
} > "$doc/copyright"
printf '%s (%s) unstable; urgency=medium\n\n  * Built from the %s sources by make deb.\n\n -- %s  %s\n' \
	"$pkg" "$version" "$pkg" "$maintainer" "$date" | gzip -9n > "$doc/changelog.Debian.gz"

# not a Debian upload: no bug of Debian's to close
mkdir -p "$root/usr/share/lintian/overrides"
echo "$pkg: initial-upload-closes-no-bugs" > "$root/usr/share/lintian/overrides/$pkg"

# Depends: what dpkg-shlibdeps finds the programs link (it wants debian/control beside the tree, and
# finds the package's tree by its DEBIAN folder), then
# tools/deb-depends for what they find by name when they link its LIBRARY.
mkdir -p "$stage/debian"
printf 'Source: %s\n\nPackage: %s\nArchitecture: any\n' "$pkg" "$pkg" > "$stage/debian/control"
mkdir -p "$root/DEBIAN"
shlibs=$(cd "$stage" && dpkg-shlibdeps -O $(for p in $programs; do echo "debian/$pkg/${p#"$root"/}"; done) |
	sed -n 's/^shlibs:Depends=//p')
needed=$(for p in $programs; do objdump -p "$p" | awk '$1 == "NEEDED" { print $2 }'; done | sort -u)
extra() { # extra FIELD: the packages tools/deb-depends adds to FIELD, comma-separated
	sed 's/#.*//' "$depends_file" | while read -r field package library; do
		[ "$field" = "$1" ] || continue
		if [ "$library" = - ] || echo "$needed" | grep -q "^$library\.so"; then echo "$package"; fi
	done | paste -sd, - | sed 's/,/, /g'
}
depends=$shlibs
[ -z "$(extra Depends)" ] || depends="$depends, $(extra Depends)"
recommends=$(extra Recommends)

find "$root" -type d -exec chmod 755 {} +
find "$root" -type f -exec chmod 644 {} +
chmod 755 $programs
(cd "$root" && find usr -type f | LC_ALL=C sort | xargs md5sum) > "$root/DEBIAN/md5sums"
{
	echo "Package: $pkg"
	echo "Version: $version"
	echo "Architecture: $arch"
	echo "Maintainer: $maintainer"
	echo "Installed-Size: $(du -sk --exclude=DEBIAN "$root" | cut -f1)"
	echo "Depends: $depends"
	[ -z "$recommends" ] || echo "Recommends: $recommends"
	echo "Section: education"
	echo "Priority: optional"
	cat <<-'EOF'
	Description: small Unix programs that teach attention and the Transformer
	 pipeformer teaches the attention mechanism and the Transformer of "Attention
	 Is All You Need" with small programs that each do one stage (embed, posenc,
	 attend, mha, encode, decode, ...) and pass tensors to the next through a
	 pipe. Every intermediate is a readable tensor, the numbers match PyTorch's
	 torch.nn to about 1e-5, and heatmap draws the attention weights as images.
	 .
	 The documentation and the sample pipelines are in /usr/share/doc/pipeformer.
	EOF
} > "$root/DEBIAN/control"
chmod 644 "$root/DEBIAN/control" "$root/DEBIAN/md5sums"

deb=$outdir/${pkg}_${version}_$arch.deb
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb"
