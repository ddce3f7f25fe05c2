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

# The bundle: Info.plist plus the cdylib as Contents/MacOS/Sesame.
BUNDLE="$PAYLOAD/Library/Security/SecurityAgentPlugins/Sesame.bundle"
mkdir -p "$BUNDLE/Contents/MacOS"
cp "$HERE/Sesame.bundle/Contents/Info.plist" "$BUNDLE/Contents/Info.plist"
/usr/libexec/PlistBuddy -c "Set :CFBundleShortVersionString $VERSION" \
    -c "Set :CFBundleVersion $VERSION" "$BUNDLE/Contents/Info.plist"
lipo -create -output "$BUNDLE/Contents/MacOS/Sesame" \
    "$ROOT/target/aarch64-apple-darwin/release/libsesame_authplugin.dylib" \
    "$ROOT/target/x86_64-apple-darwin/release/libsesame_authplugin.dylib"
lipo -create -output "$PAYLOAD/Library/Application Support/Sesame/sesame-agent" \
    "$ROOT/target/aarch64-apple-darwin/release/sesame-agent" \
    "$ROOT/target/x86_64-apple-darwin/release/sesame-agent"
lipo -info "$BUNDLE/Contents/MacOS/Sesame"

# The menu-bar app (the LaunchAgent runs its executable; the keychain item's
# access list trusts it): Info.plist (APPL, LSUIElement) plus sesame-menubar.
APP="$PAYLOAD/Applications/Sesame.app"
mkdir -p "$APP/Contents/MacOS"
cp "$HERE/Sesame.app/Contents/Info.plist" "$APP/Contents/Info.plist"
/usr/libexec/PlistBuddy -c "Set :CFBundleShortVersionString $VERSION" \
    -c "Set :CFBundleVersion $VERSION" "$APP/Contents/Info.plist"
lipo -create -output "$APP/Contents/MacOS/sesame-menubar" \
    "$ROOT/target/aarch64-apple-darwin/release/sesame-menubar" \
    "$ROOT/target/x86_64-apple-darwin/release/sesame-menubar"
lipo -info "$APP/Contents/MacOS/sesame-menubar"

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
