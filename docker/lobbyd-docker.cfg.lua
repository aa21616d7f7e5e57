-- lobbyd-docker.cfg.lua: the Prosody side of lobbyd in docker-jitsi-meet's prosody container.
--
-- The lobbyd image carries this file beside the bridge module (mod_lobbyd_bridge.lua and its
-- lobbyd_bridge_*.lib.lua). docker-compose.lobbyd.yml mounts that directory in the prosody
-- container at /prosody-plugins-custom/mod_lobbyd_bridge (Prosody finds mod_NAME/mod_NAME.lua
-- in a plugin path), includes this file through GLOBAL_CONFIG, and adds "lobbyd_bridge" to
-- XMPP_MODULES (the main VirtualHost) and XMPP_MUC_MODULES (the main MUC).
--
-- Nothing to edit: every value comes from the prosody service's environment.
--   XMPP_DOMAIN                 the main VirtualHost (default meet.jitsi)
--   LOBBYD_COMPONENT_JID        lobbyd's component, also the lobby domain (default lobby.XMPP_DOMAIN)
--   LOBBYD_COMPONENT_SECRET     required: the secret the lobbyd service is given as well
--   LOBBYD_COMPONENT_PORT       the component listener (default 5347, never published)
--   LOBBYD_COMPONENT_INTERFACE  where it listens (default *: the meet.jitsi network)
--   LOBBYD_BRIDGE_TIMEOUT       seconds the bridge waits for a verdict (default 2)
--   LOBBYD_BRIDGE_FAIL_MODE     closed (default: refuse the join with a clear error) or open
--
-- docker-jitsi-meet's prosody.cfg.lua turns the component listener off (component_ports = { })
-- before GLOBAL_CONFIG, so the settings below turn it back on. Its own lobby must be off
-- (ENABLE_LOBBY=false for the prosody service, which the override sets): lobbyd serves the
-- lobby domain itself.

-- Prosody 13 offers Lua's libraries as `Lua.*` in a config file; Prosody 0.12 has them directly.
local lua = Lua or _G;

local function setting(value, default)
	if value == nil or value == "" then
		return default;
	end
	return value;
end

local xmpp_domain = setting(ENV_XMPP_DOMAIN, "meet.jitsi");
local lobbyd_domain = setting(ENV_LOBBYD_COMPONENT_JID, "lobby."..xmpp_domain);
local secret = setting(ENV_LOBBYD_COMPONENT_SECRET, nil);
if not secret then
	lua.error("lobbyd-docker.cfg.lua: LOBBYD_COMPONENT_SECRET is not set in the prosody service's"
		.." environment (docker-compose.lobbyd.yml passes it from .env)", 0);
end
local port = lua.tonumber(setting(ENV_LOBBYD_COMPONENT_PORT, "5347"));
if not port then
	lua.error("lobbyd-docker.cfg.lua: LOBBYD_COMPONENT_PORT must be a port number", 0);
end

component_ports = { port };
component_interfaces = { setting(ENV_LOBBYD_COMPONENT_INTERFACE, "*") };

-- Bridge options (mod_lobbyd_bridge), global so the VirtualHost and the MUC share them.
lobbyd_component = lobbyd_domain;
lobbyd_timeout = lua.tonumber(setting(ENV_LOBBYD_BRIDGE_TIMEOUT, "2"));
lobbyd_fail_mode = setting(ENV_LOBBYD_BRIDGE_FAIL_MODE, "closed");

-- The external component lobbyd connects to (XEP-0114).
Component(lobbyd_domain)
	component_secret = secret;
	-- A restarted lobbyd replaces a hung old connection instead of being locked out.
	component_conflict_resolve = "kick_old";
