#!/bin/sh
# Footprint (issue 13): starts `sesame-menubar run` against entra-sim (its
# own process, HTTP on loopback) for a bound user in a sandbox root, has it
# make one check ("Check now", SIGUSR1: the check runs in a child process),
# waits for it to settle, then reports idle RSS (anonymous vs file pages)
# and the context switches (wake-ups) over a quiet minute. Run as root from the repository root (the sandbox
# root uses the shadow tools). QUIET=60 by default. SKIP_BUILD=1 builds
# nothing; SIM_BIN / AGENT_BIN / MENUBAR_BIN point at other builds.
set -eu
QUIET=${QUIET:-60}
PROFILE=${PROFILE:-release}   # PROFILE=debug uses the debug builds
if [ -z "${SKIP_BUILD:-}" ]; then
  if [ "$PROFILE" = release ]; then cargo build --release -q -p sesame-menubar -p entra-sim --bins; else cargo build -q -p sesame-menubar -p entra-sim --bins; fi
  cargo build -q -p sesame-agent --bin sesame-agent
fi
BIN=target/$PROFILE
# The daemon is what is measured; the simulator and the agent (which signs
# the user in first) may come from another build: SIM_BIN=, AGENT_BIN=.
SIM_BIN=${SIM_BIN:-$BIN/entra-sim}
MENUBAR=${MENUBAR_BIN:-$BIN/sesame-menubar}
AGENT=${AGENT_BIN:-target/debug/sesame-agent}
TMP=$(mktemp -d)
trap 'kill $DAEMON $SIM 2>/dev/null || true; rm -rf "$TMP"' EXIT
PORT=${PORT:-18743}
"$SIM_BIN" serve --listen "127.0.0.1:$PORT" > "$TMP/sim.out" 2>&1 &
SIM=$!
cat > "$TMP/profile.plist" <<PLIST
<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0"><dict>
<key>TenantID</key><string>6f1c2a4e-8d3b-4c5a-9e7f-0a1b2c3d4e5f</string>
<key>AuthorityHost</key><string>http://127.0.0.1:$PORT</string>
<key>AllowInsecureSimulatedTenant</key><true/>
<key>OIDCClientID</key><string>c3000000-0000-4000-8000-000000000001</string>
<key>OIDCRedirectURI</key><string>https://login.microsoftonline.com/common/oauth2/nativeclient</string>
<key>LogPath</key><string>$TMP/sync.log</string>
</dict></plist>
PLIST
for _ in $(seq 50); do grep -q listening "$TMP/sim.out" && break; sleep 0.2; done
# A minimal sandbox root, as sesame_platform::directory::sandbox::create makes it.
mkdir -p "$TMP/root/etc" "$TMP/root/home" "$TMP/root/var/mail" "$TMP/root/var/lib" "$TMP/root/root"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n' > "$TMP/root/etc/passwd"
printf 'root:*:19000:0:99999:7:::\nnobody:*:19000:0:99999:7:::\n' > "$TMP/root/etc/shadow"
printf 'root:x:0:\nsudo:x:27:\nusers:x:100:\nnogroup:x:65534:\n' > "$TMP/root/etc/group"
printf 'root:*::\nsudo:*::\nusers:*::\nnogroup:*::\n' > "$TMP/root/etc/gshadow"
printf 'UID_MIN 1000\nUID_MAX 60000\nGID_MIN 1000\nGID_MAX 60000\nUSERGROUPS_ENAB yes\nENCRYPT_METHOD YESCRYPT\nUMASK 022\n' > "$TMP/root/etc/login.defs"
chmod 640 "$TMP/root/etc/shadow" "$TMP/root/etc/gshadow"
keyctl session - sh -c "
  echo Sesame-Demo-2 | $AGENT login --profile $TMP/profile.plist --root $TMP/root --log-path $TMP/sync.log --native --user adele@contoso.example --password-stdin >/dev/null
  SESAME_LOG=info $MENUBAR --profile $TMP/profile.plist --root $TMP/root --log-path $TMP/sync.log --state-dir $TMP/state --user adele@contoso.example run &
  echo \$! > $TMP/daemon.pid
  wait
" > "$TMP/daemon.out" 2>&1 &
sleep 3
DAEMON=$(cat "$TMP/daemon.pid")
sleep 2
# One check first, so the figure is the daemon's after checks, not only
# after start-up.
kill -USR1 "$DAEMON"
sleep 3
ctx() { awk '/^(voluntary|nonvoluntary)_ctxt_switches/ {s+=$2} END {print s}' /proc/$DAEMON/status; }
BEFORE=$(ctx)
sleep "$QUIET"
AFTER=$(ctx)
RSS=$(awk '/^VmRSS/ {print $2}' /proc/$DAEMON/status)
THREADS=$(awk '/^Threads/ {print $2}' /proc/$DAEMON/status)
# Resident anonymous memory (heap, stacks) vs mapped file pages (the binary's code, shared).
SPLIT=$(awk '/^Rss(Anon|File)/ {printf "%s %s KiB ", $1, $2}' /proc/$DAEMON/status)
echo "footprint ($PROFILE build): sesame-menubar run, idle RSS ${RSS} KiB ($(awk "BEGIN {printf \"%.2f\", $RSS/1024}") MiB, target <= 6 MiB), threads $THREADS; $SPLIT"
echo "footprint: context switches over a quiet ${QUIET} s: $((AFTER - BEFORE)) (target 0: no wake-ups between checks)"
echo "footprint: the daemon's log:"; sed 's/^/  /' "$TMP/daemon.out"
"$MENUBAR" --profile "$TMP/profile.plist" --root "$TMP/root" --log-path "$TMP/sync.log" --state-dir "$TMP/state" --user adele@contoso.example status | head -3
