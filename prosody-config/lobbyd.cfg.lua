-- lobbyd.cfg.lua: the Prosody side of lobbyd.
--
-- Prosody (0.12 and 13 alike) reads it from /etc/prosody/conf.d/ through
-- `Include "conf.d/*.cfg.lua"` (the last line of Debian's /etc/prosody/prosody.cfg.lua).
-- Where this file is:
--   * Debian package lobbyd: /etc/prosody/conf.avail/lobbyd.cfg.lua, where jitsi-meet's packages keep
--     their snippets too. Edit it there (an upgrade keeps your edits) and link it in at step 5;
--   * `make install`: $(DATADIR)/lobbyd/lobbyd.cfg.lua; copy it into /etc/prosody/conf.d/ at step 5.
--
-- This file sets:
--   * the bridge options (global, so both hosts that load the bridge see them);
--   * the external component lobbyd connects to (XEP-0114), with its secret read from a file.
--
-- What to do, in this order (Prosody refuses to start with this file in conf.d and no secret file):
--   1. The component secret, one file read by lobbyd and by Prosody: owned by lobbyd, group
--      prosody, mode 0640 (lobbyd refuses a secret file that others may read):
--        install -m 0640 -o lobbyd -g prosody /dev/null /etc/lobbyd/component.secret
--        head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >/etc/lobbyd/component.secret
--   2. The two values just below this header: lobbyd_domain is component_jid of
--      /etc/lobbyd/lobbyd.conf, component_secret_file the file of step 1.
--   3. By hand, in the file that defines your Jitsi hosts (e.g. /etc/prosody/conf.avail/
--      meet.example.com.cfg.lua). Prosody 0.12 cannot add to a list set in another file (13 can,
--      but the order in which conf.d files are read is not fixed), so these lines cannot live here:
--      a. plugin_paths (global section): add the directory holding mod_lobbyd_bridge.lua and
--         its lobbyd_bridge_*.lib.lua files (the module loads them from beside itself),
--           plugin_paths = { "/usr/share/jitsi-meet/prosody-plugins/", "/usr/local/lib/lobbyd/prosody-modules" }
--      b. VirtualHost "meet.example.com": add "lobbyd_bridge" to its modules_enabled.
--      c. Component "conference.meet.example.com" "muc": add "lobbyd_bridge" to its modules_enabled.
--   4. Remove the stock lobby: lobbyd serves the lobby domain itself, so the lobby MUC component
--      (Component "lobby.meet.example.com" "muc") and "muc_lobby_rooms" must not be configured too.
--   5. Put this file into conf.d. Debian package: link it,
--        ln -s ../conf.avail/lobbyd.cfg.lua /etc/prosody/conf.d/lobbyd.cfg.lua
--      `make install`: copy it there.
--   6. prosodyctl check config && systemctl restart prosody (the bridge options are re-read on
--      `prosodyctl reload`; adding the component needs a restart).

-- ---- edit these two values ------------------------------------------------------------------
-- lobbyd's component_jid (also the lobby MUC domain clients are sent to):
local lobbyd_domain = "lobby.meet.example.com";
-- The file holding the component secret, the same file as lobbyd's component_secret_file.
-- Prosody reads it when it loads its configuration, lobbyd when it starts: lobbyd:prosody, mode
-- 0640 (step 1). Keeping the secret in a file keeps it out of this config, of `ps` output and of
-- the process environment.
local component_secret_file = "/etc/lobbyd/component.secret";
-- -----------------------------------------------------------------------------------------------

-- Prosody 13 warns about direct use of Lua's libraries in a config file and offers them as
-- `Lua.*`; Prosody 0.12 has no `Lua` and reads them directly.
local lua = Lua or _G;

local function read_secret(path)
	local f, err = lua.io.open(path, "r");
	if not f then
		lua.error("lobbyd.cfg.lua: cannot read the component secret: "..lua.tostring(err), 0);
	end
	local secret = f:read("*l");
	f:close();
	if not secret or secret == "" then
		lua.error("lobbyd.cfg.lua: the component secret file "..path.." is empty", 0);
	end
	return secret;
end

-- Bridge options (mod_lobbyd_bridge). Global so the VirtualHost and the MUC component share them.
lobbyd_component = lobbyd_domain;  -- required: lobbyd's component JID
lobbyd_timeout = 2;                -- seconds the bridge waits for a verdict before the fail mode
lobbyd_fail_mode = "closed";       -- "closed": refuse the join with a clear error; "open": let it
                                   -- continue without token rights (members-only still applies)

-- The external component lobbyd connects to (XEP-0114 on component_ports, default 5347, which
-- Prosody binds to loopback unless component_interfaces says otherwise).
Component(lobbyd_domain)
	component_secret = read_secret(component_secret_file);
	-- A restarted lobbyd replaces a hung old connection instead of being locked out; lobbyd's
	-- lock file keeps two live instances from kicking each other.
	component_conflict_resolve = "kick_old";
