# shellcheck shell=bash
# Shared helpers for stack-up, stack-down and stack-ctl. Sourced, not run.
# Every process is found through the pid file in the stack directory and checked against its
# command line before it is signalled, so nothing outside the stack is ever touched.

stack_die() { echo "stack: $*" >&2; exit 1; }
stack_log() { echo "stack: $*" >&2; }

# stack_paths DIR: set the file names used everywhere.
stack_paths() {
    STACK_DIR=$1
    PROSODY_CFG=$STACK_DIR/prosody.cfg.lua
    PROSODY_PID_FILE=$STACK_DIR/prosody.pid
    PROSODY_LOG=$STACK_DIR/prosody.log
    LOBBYD_CONFIG=$STACK_DIR/lobbyd.conf
    LOBBYD_PID_FILE=$STACK_DIR/lobbyd.pid
    LOBBYD_LOG=$STACK_DIR/lobbyd.log
    STACK_ENV=$STACK_DIR/stack.env
}

# stack_env_get KEY: a value from stack.env (written by stack-up).
stack_env_get() {
    sed -n "s/^$1=//p" "$STACK_ENV" | tail -n 1
}

# stack_pid_of PIDFILE MARKER: print the pid if it is alive and its command line contains MARKER.
stack_pid_of() {
    local pidfile=$1 marker=$2 pid
    [ -s "$pidfile" ] || return 1
    pid=$(tr -dc '0-9' <"$pidfile")
    [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$marker" || return 1
    # A zombie has exited already.
    [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ] || return 1
    echo "$pid"
}

prosody_pid() { stack_pid_of "$PROSODY_PID_FILE" "$PROSODY_CFG"; }
lobbyd_pid() { stack_pid_of "$LOBBYD_PID_FILE" "$LOBBYD_CONFIG"; }

# stack_wait_port PORT SECONDS: wait until something accepts on 127.0.0.1:PORT.
stack_wait_port() {
    local port=$1 deadline=$((SECONDS + $2))
    while [ "$SECONDS" -lt "$deadline" ]; do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
        sleep 0.05
    done
    return 1
}

# stack_wait_log FILE OFFSET REGEX SECONDS [PID]: wait for an extended REGEX in FILE after byte
# OFFSET; give up early when PID (if given) dies.
stack_wait_log() {
    local file=$1 offset=$2 regex=$3 deadline=$((SECONDS + $4)) pid=${5:-}
    while [ "$SECONDS" -lt "$deadline" ]; do
        if [ -f "$file" ] && tail -c "+$((offset + 1))" "$file" | grep -qE -- "$regex"; then return 0; fi
        if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then return 1; fi
        sleep 0.05
    done
    return 1
}

# prosody_version LAUNCHER: the version of the Prosody that LAUNCHER (a `prosody` script) runs,
# read from prosody.version in its CFG_SOURCEDIR; "unknown" when it cannot tell.
prosody_version() {
    local src
    src=$(sed -n "s/^CFG_SOURCEDIR='\(.*\)';.*/\1/p" "$1" 2>/dev/null | head -n 1)
    if [ -n "$src" ] && [ -r "$src/prosody.version" ]; then head -n 1 "$src/prosody.version"; else echo unknown; fi
}

stack_size() { if [ -f "$1" ]; then stat -c %s "$1"; else echo 0; fi; }

# stack_stop_pid PID NAME: SIGTERM (resuming a stopped process first), then SIGKILL after 10 s.
stack_stop_pid() {
    local pid=$1 name=$2
    kill -CONT "$pid" 2>/dev/null || true
    kill -TERM "$pid" 2>/dev/null || return 0
    for _ in $(seq 1 200); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.05
    done
    stack_log "$name (pid $pid) ignored SIGTERM for 10 s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
}

# prosody_start: start the stack's Prosody in the background and wait until its c2s, HTTP and
# component ports accept connections.
prosody_start() {
    local c2s http comp pid offset prosody
    c2s=$(stack_env_get C2S_PORT); http=$(stack_env_get HTTP_PORT); comp=$(stack_env_get COMPONENT_PORT)
    if pid=$(prosody_pid); then stack_die "Prosody already runs (pid $pid)"; fi
    rm -f "$PROSODY_PID_FILE"
    offset=$(stack_size "$PROSODY_LOG")
    prosody=$(stack_env_get PROSODY)
    "${prosody:-prosody}" -F --config "$PROSODY_CFG" </dev/null >>"$STACK_DIR/prosody.stdout" 2>&1 &
    pid=$!
    echo "$pid" >"$PROSODY_PID_FILE"
    for port in "$c2s" "$http" "$comp"; do
        if ! stack_wait_port "$port" 20 || ! kill -0 "$pid" 2>/dev/null; then
            tail -n 30 "$PROSODY_LOG" "$STACK_DIR/prosody.stdout" >&2 2>/dev/null || true
            stack_die "Prosody (pid $pid) did not start listening on port $port"
        fi
    done
    # A module that fails to load leaves Prosody running without it: refuse such a stack. The
    # listeners can be up before the MUC component has loaded its modules, so wait for the line.
    # (A plain-Prosody stack, STACK_NO_BRIDGE=1, has no bridge to wait for.)
    if [ "$(stack_env_get NO_BRIDGE)" = 1 ]; then return 0; fi
    if ! stack_wait_log "$PROSODY_LOG" "$offset" "lobbyd_bridge.*Joins to .* wait for lobbyd" 20 "$pid" ||
        tail -c "+$((offset + 1))" "$PROSODY_LOG" | grep -q "Error initializing module 'lobbyd_bridge'"; then
        grep -A3 "lobbyd_bridge" "$PROSODY_LOG" | tail -n 20 >&2 || true
        stack_die "the bridge did not load on the MUC host (see $PROSODY_LOG)"
    fi
}

# lobbyd_start: start lobbyd in the background and wait until it has connected to Prosody.
lobbyd_start() {
    local lobbyd pid offset poffset domain
    lobbyd=$(stack_env_get LOBBYD)
    domain=$(stack_env_get LOBBY_DOMAIN)
    [ -x "$lobbyd" ] || stack_die "LOBBYD=$lobbyd is not an executable"
    if pid=$(lobbyd_pid); then stack_die "lobbyd already runs (pid $pid)"; fi
    offset=$(stack_size "$LOBBYD_LOG")
    poffset=$(stack_size "$PROSODY_LOG")
    "$lobbyd" -c "$LOBBYD_CONFIG" </dev/null >>"$LOBBYD_LOG" 2>&1 &
    pid=$!
    echo "$pid" >"$LOBBYD_PID_FILE"
    if ! stack_wait_log "$LOBBYD_LOG" "$offset" "INFO +stream: connected to .* as ${domain//./\\.}" 20 "$pid"; then
        tail -n 30 "$LOBBYD_LOG" >&2 || true
        stack_die "lobbyd (pid $pid) did not connect to Prosody"
    fi
    stack_wait_log "$PROSODY_LOG" "$poffset" "External component successfully authenticated" 5 ||
        stack_log "warning: Prosody did not log the component's authentication"
}
