#!/bin/sh
# Builds Sesame's macOS package on a Mac (Xcode command-line tools and both
# Rust targets: rustup target add aarch64-apple-darwin x86_64-apple-darwin).
#
#   agent/macos/build.sh [VERSION]
#
# Lays down Sesame.bundle (the authorization plugin), sesame-agent,
# /Applications/Sesame.app (the menu bar), the LaunchAgent and the
# LaunchDaemon. Universal (arm64 + x86_64) binaries: the privileged mechanisms run in
# authorizationhosthelper.arm64 or .x86_64 (Rosetta), so the plugin needs
# both slices. Signs when SESAME_SIGN_IDENTITY (Developer ID Application)
# and SESAME_INSTALLER_IDENTITY (Developer ID Installer) are set.
set -eu

VERSION="${1:-0.1.0}"
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT="$ROOT/target/macos"
PAYLOAD="$OUT/payload"
TARGETS="aarch64-apple-darwin x86_64-apple-darwin"

rm -rf "$OUT"
mkdir -p "$PAYLOAD/Library/Security/SecurityAgentPlugins" "$PAYLOAD/Applications" \
         "$PAYLOAD/Library/Application Support/Sesame" \
         "$PAYLOAD/Library/LaunchAgents" "$PAYLOAD/Library/LaunchDaemons"

for t in $TARGETS; do
    cargo build --release --manifest-path "$ROOT/Cargo.toml" --target "$t" \
        -p sesame-authplugin -p sesame-agent -p sesame-menubar
done

# assemble BUNDLE INFO_PLIST EXECUTABLE BUILT: the Info.plist (versioned) and
# the universal binary built as BUILT, as BUNDLE/Contents/MacOS/EXECUTABLE.
assemble() {
    mkdir -p "$1/Contents/MacOS"
    cp "$2" "$1/Contents/Info.plist"
    /usr/libexec/PlistBuddy -c "Set :CFBundleShortVersionString $VERSION" \
        -c "Set :CFBundleVersion $VERSION" "$1/Contents/Info.plist"
    lipo -create -output "$1/Contents/MacOS/$3" \
        "$ROOT/target/aarch64-apple-darwin/release/$4" \
        "$ROOT/target/x86_64-apple-darwin/release/$4"
    lipo -info "$1/Contents/MacOS/$3"
}

# The plugin bundle: the cdylib as Contents/MacOS/Sesame.
BUNDLE="$PAYLOAD/Library/Security/SecurityAgentPlugins/Sesame.bundle"
assemble "$BUNDLE" "$HERE/Sesame.bundle/Contents/Info.plist" Sesame libsesame_authplugin.dylib
# The menu-bar app (the LaunchAgent runs its executable; the keychain item's
# access list trusts it): APPL, LSUIElement, sesame-menubar.
APP="$PAYLOAD/Applications/Sesame.app"
assemble "$APP" "$HERE/Sesame.app/Contents/Info.plist" sesame-menubar sesame-menubar

lipo -create -output "$PAYLOAD/Library/Application Support/Sesame/sesame-agent" \
    "$ROOT/target/aarch64-apple-darwin/release/sesame-agent" \
    "$ROOT/target/x86_64-apple-darwin/release/sesame-agent"
lipo -info "$PAYLOAD/Library/Application Support/Sesame/sesame-agent"

cp "$HERE/uninstall.sh" "$PAYLOAD/Library/Application Support/Sesame/uninstall.sh"
cp "$HERE/LaunchAgents/io.sesame.menubar.plist" "$PAYLOAD/Library/LaunchAgents/"
cp "$HERE/LaunchDaemons/io.sesame.authdb.plist" "$PAYLOAD/Library/LaunchDaemons/"
plutil -lint "$BUNDLE/Contents/Info.plist" "$APP/Contents/Info.plist" \
    "$PAYLOAD"/Library/Launch*/*.plist

if [ -n "${SESAME_SIGN_IDENTITY:-}" ]; then
    codesign --force --options runtime --timestamp --sign "$SESAME_SIGN_IDENTITY" \
        "$PAYLOAD/Library/Application Support/Sesame/sesame-agent"
    codesign --force --options runtime --timestamp --sign "$SESAME_SIGN_IDENTITY" "$BUNDLE"
    codesign --force --options runtime --timestamp --sign "$SESAME_SIGN_IDENTITY" "$APP"
fi

SIGN_PKG=""
if [ -n "${SESAME_INSTALLER_IDENTITY:-}" ]; then
    SIGN_PKG="--sign $SESAME_INSTALLER_IDENTITY"
fi
# shellcheck disable=SC2086
pkgbuild --root "$PAYLOAD" --scripts "$HERE/scripts" --identifier io.sesame.pkg \
    --version "$VERSION" --install-location / $SIGN_PKG "$OUT/Sesame-$VERSION.pkg"
echo "built $OUT/Sesame-$VERSION.pkg"
