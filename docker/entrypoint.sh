#!/usr/bin/env bash
# lobbyd's container entrypoint for docker-jitsi-meet.
#
# Renders lobbyd.conf from the environment docker-jitsi-meet's .env already sets (XMPP_DOMAIN,
# XMPP_MUC_DOMAIN, XMPP_SERVER, ENABLE_AUTH, AUTH_TYPE, JWT_*) plus lobbyd's own LOBBYD_*
# variables, writes the secrets into files of mode 0600 (never into the rendered file, never on a
# command line), checks the result with `lobbyd --check` and runs lobbyd on it.
#
#   entrypoint.sh                    render into /etc/lobbyd, secrets into /run/lobbyd, run lobbyd
#   entrypoint.sh --render-only DIR  render lobbyd.conf and the secret files into DIR, check, exit
#                                    (LOBBYD_RENDER_ONLY=DIR does the same)
#
# README.md ("docker-jitsi-meet") has the table of every variable. Exit status 2: a variable is
# missing or wrong; the message names it.
set -euo pipefail
umask 077

prog=lobbyd-entrypoint
die() { printf '%s: %s\n' "$prog" "$*" >&2; exit 2; }
note() { printf '%s: %s\n' "$prog" "$*" >&2; }

usage() {
  cat <<'EOF'
usage: entrypoint.sh                    render lobbyd.conf from the environment and run lobbyd
       entrypoint.sh --render-only DIR  render lobbyd.conf and its secret files into DIR and exit
EOF
}

render_only=${LOBBYD_RENDER_ONLY:-}
while [ $# -gt 0 ]; do
  case $1 in
    --render-only)
      if [ $# -lt 2 ] || [ -z "$2" ]; then die "--render-only needs a directory"; fi
      render_only=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done

lobbyd_bin=${LOBBYD_BIN:-$(command -v lobbyd || true)}
if [ -z "$lobbyd_bin" ] || [ ! -x "$lobbyd_bin" ]; then
  die "lobbyd not found (LOBBYD_BIN=${LOBBYD_BIN:-unset})"
fi

if [ -n "$render_only" ]; then
  conf_dir=$render_only run_dir=$render_only
else
  conf_dir=${LOBBYD_CONF_DIR:-/etc/lobbyd} run_dir=${LOBBYD_RUN_DIR:-/run/lobbyd}
fi
mkdir -p "$conf_dir" "$run_dir"
conf=$conf_dir/lobbyd.conf

# ---- helpers ----------------------------------------------------------------------------------

# bool NAME DEFAULT: 1 or 0 for the variable NAME, read as docker-jitsi-meet reads its switches.
bool() {
  local v=${!1:-$2}
  case ${v,,} in
    1|true|yes|on) echo 1 ;;
    0|false|no|off) echo 0 ;;
    *) die "$1=$v: not a boolean (true/false, 1/0)" ;;
  esac
}

# domain NAME VALUE: VALUE when it looks like an XMPP domain (or a host name, an address).
domain() {
  [[ $2 =~ ^[A-Za-z0-9]([A-Za-z0-9.:-]*[A-Za-z0-9])?$ ]] || die "$1=$2: not a domain name"
  printf '%s' "${2,,}"
}

# A line of lobbyd.conf ends at a newline, and a '#' after white space starts a comment there:
# a value holding either would not say what it seems to, so it is refused.
clean() { # clean NAME VALUE
  case $2 in
    *$'\n'*|*$'\r'*) die "$1: the value holds a line break" ;;
  esac
  [[ $2 =~ [[:space:]]# ]] && die "$1: the value holds ' #', which lobbyd.conf reads as a comment"
  return 0
}

# write_secret NAME FILE VALUE: VALUE into FILE, mode 0600, owned by whoever runs lobbyd.
write_secret() {
  clean "$1" "$3"
  rm -f "$2"
  (umask 077 && printf '%s\n' "$3" >"$2")
  chmod 0600 "$2"
}

# ---- lobbyd's own keys, in the order --help-config lists them ---------------------------------
mapfile -t keys < <("$lobbyd_bin" --help-config | sed -n 's/^\([a-z_][a-z0-9_]*\) (\([a-z/]*\).*/\1 \2/p')
[ ${#keys[@]} -gt 0 ] || die "$lobbyd_bin --help-config listed no keys"
declare -A type=() value=()
order=()
for k in "${keys[@]}"; do
  type[${k% *}]=${k#* }
  order+=("${k% *}")
done
lists=()  # "key value" lines for the list keys, in order

set_key() { value[$1]=$2; }
add_list() { lists+=("$1 = $2"); }

# ---- docker-jitsi-meet's variables, with its own defaults -------------------------------------
xmpp_domain=$(domain XMPP_DOMAIN "${XMPP_DOMAIN:-meet.jitsi}")
muc_domain=$(domain XMPP_MUC_DOMAIN "${XMPP_MUC_DOMAIN:-muc.meet.jitsi}")
auth_domain=$(domain XMPP_AUTH_DOMAIN "${XMPP_AUTH_DOMAIN:-auth.meet.jitsi}")
hidden_domain=$(domain XMPP_HIDDEN_DOMAIN "${XMPP_HIDDEN_DOMAIN:-${XMPP_RECORDER_DOMAIN:-hidden.meet.jitsi}}")
xmpp_server=$(domain XMPP_SERVER "${XMPP_SERVER:-xmpp.meet.jitsi}")

# The stock lobby and lobbyd cannot both serve a lobby: docker-compose.lobbyd.yml turns
# Prosody's own off (ENABLE_LOBBY=false for the prosody service only). ENABLE_LOBBY=false here
# asks for no lobby at all, which lobbyd cannot give: a moderator can always switch one on.
if [ "$(bool ENABLE_LOBBY true)" = 0 ]; then
  die "ENABLE_LOBBY=false, but lobbyd is the lobby: leave docker-compose.lobbyd.yml out to run without one (the override turns Prosody's own lobby off by itself; do not set ENABLE_LOBBY=false in .env)"
fi

set_key component_jid "$(domain LOBBYD_COMPONENT_JID "${LOBBYD_COMPONENT_JID:-lobby.$xmpp_domain}")"
set_key component_host "$xmpp_server"
set_key main_domain "$xmpp_domain"
set_key muc_domain "$muc_domain"

# The component secret: the same value Prosody's Component for lobbyd has (the prosody service
# reads LOBBYD_COMPONENT_SECRET too). A file of its own (a Docker secret) wins.
if [ -n "${LOBBYD_COMPONENT_SECRET_FILE:-}" ]; then
  [ -z "${LOBBYD_COMPONENT_SECRET:-}" ] ||
    note "LOBBYD_COMPONENT_SECRET_FILE is set: LOBBYD_COMPONENT_SECRET is not used"
elif [ -n "${LOBBYD_COMPONENT_SECRET:-}" ]; then
  write_secret LOBBYD_COMPONENT_SECRET "$run_dir/component.secret" "$LOBBYD_COMPONENT_SECRET"
  set_key component_secret_file "$run_dir/component.secret"
else
  die "LOBBYD_COMPONENT_SECRET is not set: put the component secret in .env (e.g. \`openssl rand -hex 32\`); Prosody's lobbyd component reads the same variable"
fi

# Tokens: as docker-jitsi-meet's Prosody verifies them, and only when it does (ENABLE_AUTH with
# AUTH_TYPE=jwt). Other kinds of authentication prove moderators by a login lobbyd never sees.
enable_auth=$(bool ENABLE_AUTH 0)
ENABLE_AUTH=${ENABLE_AUTH:-0}
auth_type=${AUTH_TYPE:-internal}
if [ "$enable_auth" = 1 ] && [ "$auth_type" != jwt ]; then
  die "ENABLE_AUTH=${ENABLE_AUTH} with AUTH_TYPE=$auth_type: lobbyd decides on JWTs, so it needs AUTH_TYPE=jwt (or ENABLE_AUTH=0 for an open deployment whose rooms' owners let guests in)"
fi
if [ "$enable_auth" = 1 ]; then
  [ -n "${JWT_APP_ID:-}" ] || die "ENABLE_AUTH=${ENABLE_AUTH} with AUTH_TYPE=jwt needs JWT_APP_ID"
  clean JWT_APP_ID "$JWT_APP_ID"
  set_key jwt_app_id "$JWT_APP_ID"
  if [ -n "${LOBBYD_JWT_SECRET_FILE:-}" ]; then
    :  # a file of its own (a Docker secret) wins over JWT_APP_SECRET
  elif [ -n "${JWT_APP_SECRET:-}" ]; then
    [ ${#JWT_APP_SECRET} -ge 16 ] ||
      die "JWT_APP_SECRET is ${#JWT_APP_SECRET} bytes; lobbyd needs at least 16 (32 or more recommended)"
    write_secret JWT_APP_SECRET "$run_dir/jwt.secret" "$JWT_APP_SECRET"
    set_key jwt_secret_file "$run_dir/jwt.secret"
  elif [ -z "${LOBBYD_JWT_KEY_DIR:-}" ]; then
    if [ -n "${JWT_ASAP_KEYSERVER:-}" ]; then
      die "JWT_ASAP_KEYSERVER is a URL Prosody fetches keys from; lobbyd reads the same public keys (hex(sha256(kid)).pem) from a directory: mount it and set LOBBYD_JWT_KEY_DIR"
    fi
    die "ENABLE_AUTH=${ENABLE_AUTH} with AUTH_TYPE=jwt needs JWT_APP_SECRET (or LOBBYD_JWT_SECRET_FILE, or LOBBYD_JWT_KEY_DIR)"
  fi
  if [ -n "${JWT_ACCEPTED_ISSUERS:-}" ]; then
    clean JWT_ACCEPTED_ISSUERS "$JWT_ACCEPTED_ISSUERS"
    set_key jwt_accepted_issuers "${JWT_ACCEPTED_ISSUERS// /}"
  fi
  # Jitsi's token check accepts any audience unless asap_accepted_audiences says otherwise;
  # lobbyd's own default is "jitsi". Accept what the deployment's Prosody accepts.
  aud=${JWT_ACCEPTED_AUDIENCES:-*}
  clean JWT_ACCEPTED_AUDIENCES "$aud"
  set_key jwt_accepted_audiences "${aud// /}"
  [ "$(bool JWT_ENABLE_DOMAIN_VERIFICATION false)" = 0 ] || set_key jwt_verify_domain yes
elif [ -n "${JWT_APP_SECRET:-}" ]; then
  note "ENABLE_AUTH is off: JWT_APP_SECRET is not used (as docker-jitsi-meet's Prosody does not use it)"
fi

# Jicofo joins every room first, as an owner: it is nobody's host. The recorders' and the
# transcribers' domain walks past the lobby as Prosody's muc_lobby_whitelist has it.
add_list service_jid "focus@$auth_domain"
if [ "$(bool ENABLE_RECORDING 0)" = 1 ] || [ "$(bool ENABLE_TRANSCRIPTIONS 0)" = 1 ]; then
  add_list service_jid "$hidden_domain"
fi

set_key lock_file "$run_dir/lobbyd.lock"
set_key state_file "${LOBBYD_STATE_DIR:-/var/lib/lobbyd}/state"
[ -z "$render_only" ] || set_key state_file "$render_only/state"

# ---- LOBBYD_<KEY>: any key of lobbyd's, rendered into the file ---------------------------------
# It wins over what is derived above (empty counts as unset); a list key (service_jid, admit, jwt_issuer) adds to it,
# its items separated by ';'. The variables are not passed on to lobbyd (which would read them
# as overrides): the rendered file says everything.
for k in "${order[@]}"; do
  var=LOBBYD_${k^^}
  v=${!var:-}
  [ -n "$v" ] || continue  # unset or empty: compose passes a variable .env leaves empty as ""
  if [ "${type[$k]}" = list ]; then
    IFS=';' read -r -a items <<<"$v"
    for item in "${items[@]}"; do
      item=${item#"${item%%[![:space:]]*}"}; item=${item%"${item##*[![:space:]]}"}
      [ -n "$item" ] || continue
      clean "$var" "$item"
      add_list "$k" "$item"
    done
  else
    clean "$var" "$v"
    set_key "$k" "$v"
  fi
done

# ---- write, check, run ------------------------------------------------------------------------
tmp=$conf.tmp.$$
{
  echo "# lobbyd.conf, rendered by lobbyd's container entrypoint from the environment."
  echo "# Rewritten at every start: change the variables (README.md, docker-jitsi-meet), not this file."
  for k in "${order[@]}"; do
    [ -n "${value[$k]+set}" ] || continue
    echo "$k = ${value[$k]}"
  done
  for l in ${lists[@]+"${lists[@]}"}; do
    echo "$l"
  done
} >"$tmp"
chmod 0600 "$tmp"
mv -f "$tmp" "$conf"

# Nothing below reads a secret from the environment any more; lobbyd must not see LOBBYD_*
# either (it would take them as overrides of the file).
for v in $(compgen -e); do
  case $v in LOBBYD_*|JWT_APP_SECRET) unset "$v" ;; esac
done

"$lobbyd_bin" --check -c "$conf" >&2 || die "$conf: lobbyd --check refused it (above)"

if [ -n "$render_only" ]; then
  note "rendered $conf"
  exit 0
fi

# The Prosody side of the bridge travels in this image: refresh the copy the prosody service
# mounts (a named volume keeps the files of the image that created it), so an upgraded lobbyd
# never talks to an older bridge.
bridge_src=/usr/local/share/lobbyd/prosody-plugins
bridge_dst=/prosody-plugins-custom
if [ -d "$bridge_src" ] && [ -d "$bridge_dst" ] && [ -w "$bridge_dst" ]; then
  for f in "$bridge_src"/*; do
    cmp -s "$f" "$bridge_dst/${f##*/}" 2>/dev/null || install -m 0644 "$f" "$bridge_dst/${f##*/}"
  done
  chmod 0755 "$bridge_dst"
fi

exec "$lobbyd_bin" -c "$conf"
