#!/usr/bin/env bash
# Builds Freelane's release artifacts into build/dist/. See build/README.md.
#
#   bash build/build.sh                  # the host's targets: linux windows (Linux), darwin (macOS)
#   bash build/build.sh linux windows    # what CI runs on every change
#   bash build/build.sh darwin           # on a Mac only (cgo and Apple's tools)
#
# Name, ID, Version and Build come from FyneApp.toml, read by the app's own parser.
set -euo pipefail

# Compiles the Windows icon, version information and manifest into a .syso.
readonly GO_WINRES=github.com/tc-hib/go-winres@v0.3.3
readonly WINDOWS_CC=x86_64-w64-mingw32-gcc
readonly SYSO=rsrc_windows_amd64.syso

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
readonly root dist=build/dist

die() {
	echo "build.sh: $*" >&2
	exit 1
}

meta() { go run build/appmeta/main.go FyneApp.toml "$1"; }

cleanup() {
	rm -rf "${work:-}"
	# The .syso must not outlive the build: any later Windows build of the
	# repository would silently link it.
	rm -f "$root/$SYSO"
}

# archive_tar DIR OUT: a reproducible .tar.gz of DIR (relative to $work).
archive_tar() {
	tar -C "$work" --sort=name --owner=0 --group=0 --numeric-owner \
		--mtime="@$SOURCE_DATE_EPOCH" -cf - "$1" | gzip -9n >"$2"
}

# archive_zip DIR OUT: a .zip of DIR (relative to $work).
archive_zip() {
	local out
	out=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
	rm -f "$out"
	if command -v zip >/dev/null; then
		(cd "$work" && zip -q -X -r "$out" "$1")
	elif command -v python3 >/dev/null; then
		(cd "$work" && python3 -m zipfile -c "$out" "$1")
	else
		die "need zip or python3 to write $2"
	fi
}

build_linux() {
	echo "==> linux/amd64"
	CGO_ENABLED=0 GOOS=linux GOARCH=amd64 \
		go build -trimpath -ldflags "-s -w" -o "$dist/freelane" .

	local pkg=freelane-$version-linux-amd64
	local stage=$work/$pkg
	mkdir -p "$stage"
	install -m 0755 "$dist/freelane" build/linux/install.sh build/linux/uninstall.sh "$stage/"
	install -m 0644 "build/linux/$app_id.desktop" build/linux/freelane.service "$stage/"
	install -m 0644 "$icon" "$stage/$app_id.png"
	archive_tar "$pkg" "$dist/$pkg.tar.gz"
	artifacts+=("$dist/freelane" "$dist/$pkg.tar.gz")
}

build_windows() {
	echo "==> windows/amd64"
	command -v "$WINDOWS_CC" >/dev/null ||
		die "$WINDOWS_CC not found (Debian/Ubuntu: apt-get install gcc-mingw-w64-x86-64); go-autostart's Windows code needs cgo"
	# winres.json names its files relative to itself; keep its icon in step with FyneApp.toml.
	grep -q "\"../../$icon\"" build/windows/winres.json ||
		die "build/windows/winres.json does not use FyneApp.toml's icon $icon"

	go run "$GO_WINRES" make --in build/windows/winres.json --arch amd64 --out rsrc \
		--product-version "$version" --file-version "$version.$build"
	[[ -f $SYSO ]] || die "go-winres did not write $SYSO"
	CGO_ENABLED=1 CC="$WINDOWS_CC" GOOS=windows GOARCH=amd64 \
		go build -trimpath -ldflags "-H=windowsgui -s -w" -o "$dist/freelane.exe" .
	rm -f "$SYSO"
	go run build/pecheck/main.go "$dist/freelane.exe"

	local pkg=freelane-$version-windows-amd64
	local stage=$work/$pkg
	mkdir -p "$stage"
	cp "$dist/freelane.exe" build/windows/*.bat "$stage/"
	archive_zip "$pkg" "$dist/$pkg.zip"
	artifacts+=("$dist/freelane.exe" "$dist/$pkg.zip")

	# The installer (per user, no administrator rights), from the same staged files.
	command -v makensis >/dev/null ||
		die "makensis not found (Debian/Ubuntu: apt-get install nsis); it builds the Windows installer"
	local setup=$dist/$name-Setup-$version.exe
	makensis -V2 -DVERSION="$version" -DDIST="$stage" -DOUTFILE="$root/$setup" build/windows/installer.nsi
	artifacts+=("$setup")
}

build_darwin() {
	echo "==> darwin (universal)"
	[[ $(uname -s) == Darwin ]] ||
		die "darwin: run this on macOS (the tray needs cgo there, plus lipo, sips, iconutil); see build/README.md"

	local app=$dist/$name.app
	rm -rf "$app"
	mkdir -p "$app/Contents/MacOS" "$app/Contents/Resources"
	local arch
	for arch in arm64 amd64; do
		CGO_ENABLED=1 GOOS=darwin GOARCH=$arch \
			go build -trimpath -ldflags "-s -w" -o "$work/freelane-$arch" .
	done
	lipo -create -output "$app/Contents/MacOS/freelane" "$work/freelane-arm64" "$work/freelane-amd64"

	sed -e "s|@NAME@|$name|g" -e "s|@ID@|$app_id|g" -e "s|@VERSION@|$version|g" -e "s|@BUILD@|$build|g" \
		build/darwin/Info.plist >"$app/Contents/Info.plist"
	plutil -lint "$app/Contents/Info.plist"

	local iconset=$work/icon.iconset size
	mkdir -p "$iconset"
	for size in 16 32 128 256 512; do
		sips -z "$size" "$size" "$icon" --out "$iconset/icon_${size}x${size}.png" >/dev/null
		sips -z $((size * 2)) $((size * 2)) "$icon" --out "$iconset/icon_${size}x${size}@2x.png" >/dev/null
	done
	iconutil -c icns -o "$app/Contents/Resources/icon.icns" "$iconset"

	# Ad-hoc signature: Apple silicon refuses to run unsigned code, and editing
	# the bundle invalidated the linker's signature.
	codesign --force --deep --sign - "$app"
	ditto -c -k --keepParent "$app" "$dist/freelane-$version-macos-universal.zip"
	artifacts+=("$dist/freelane-$version-macos-universal.zip")
}

targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
	case $(uname -s) in
	Darwin) targets=(darwin) ;;
	*) targets=(linux windows) ;;
	esac
fi
for target in "${targets[@]}"; do
	case $target in
	linux | windows | darwin) ;;
	*) die "unknown target $target (want linux, windows or darwin)" ;;
	esac
done

[[ $(go list -f '{{.Name}}' . 2>/dev/null) == main ]] ||
	die "the repository root holds no main package (main.go) to build"

name=$(meta Name)
app_id=$(meta ID)
version=$(meta Version)
build=$(meta Build)
icon=$(meta Icon)
[[ -f $icon ]] || die "icon $icon (FyneApp.toml) not found"
# Archive timestamps follow the last commit, so rebuilding a commit gives the same archives.
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
readonly name app_id version build icon SOURCE_DATE_EPOCH

work=$(mktemp -d)
trap cleanup EXIT
artifacts=()
mkdir -p "$dist"
echo "Building $name $version (build $build) into $dist/"
for target in "${targets[@]}"; do
	"build_$target"
done

echo "==> artifacts (bytes)"
for artifact in "${artifacts[@]}"; do
	printf '%10d  %s\n' "$(wc -c <"$artifact")" "$artifact"
done
