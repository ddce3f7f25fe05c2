#!/bin/sh
# Lockout simulation (issue 13): 30 simulated days against entra-sim; prints
# the failed sign-ins, lockouts and final state for password checks and
# quiet mode. Run from the repository root (debug profile: the figures are
# counts from the simulator's sign-in log, not timings).
set -eu
cargo test -q -p sesame-menubar --test lockout_simulation -- --nocapture --test-threads 1 2>&1 \
  | grep -E '^(lockout simulation|  )'
