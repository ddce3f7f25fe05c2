#!/bin/sh
# Removes Sesame from this Mac: Apple's login window first (restored from
# the backup taken at install), then the files. Run as root.
set -eu

AGENT="/Library/Application Support/Sesame/sesame-agent"
DAEMON="/Library/LaunchDaemons/io.sesame.authdb.plist"
MENUBAR="/Library/LaunchAgents/io.sesame.menubar.plist"

/bin/launchctl bootout system "$DAEMON" 2>/dev/null || true
"$AGENT" authdb uninstall
user_id=$(/usr/bin/stat -f %u /dev/console)
if [ "$user_id" -ne 0 ]; then
    /bin/launchctl bootout "gui/$user_id" "$MENUBAR" 2>/dev/null || true
fi
/bin/rm -rf "/Library/Security/SecurityAgentPlugins/Sesame.bundle" "/Applications/Sesame.app" \
    "$DAEMON" "$MENUBAR"
/bin/rm -f "$AGENT"
/usr/sbin/pkgutil --forget io.sesame.pkg 2>/dev/null || true
echo "Sesame is removed; Apple's login window is back."
