-- mod_lobbyd_bridge: hands every main-room join to lobbyd and carries out its verdict.
--
-- This module decides nothing. It reports the facts of a join, and what happens in main rooms,
-- to the lobbyd component, waits a bounded time for the answer and carries it out. The wire
-- protocol is docs/bridge-protocol.md (urn:lobbyd:bridge:0). The pre-join gate (§1) lives in
-- lobbyd_bridge_gate.lib.lua and the main-room side (§2, §3) in lobbyd_bridge_room.lib.lua, beside
-- this file; this one holds the options, the VirtualHost part and the wiring.
--
-- Load it on the main VirtualHost (captures the session's token and room, announces the lobby in the
-- host's disco#info) and on the main MUC component (gates joins, reports room events); the
-- same file detects which part to run:
--
--   lobbyd_component = "lobby.meet.example.com" -- required: lobbyd's component JID
--   lobbyd_timeout = 2                          -- seconds to wait for a verdict
--   lobbyd_fail_mode = "closed"                 -- "closed" or "open" when lobbyd is not answering
--   VirtualHost "meet.example.com"
--       modules_enabled = { --[[ ... ]] "lobbyd_bridge" }
--   Component "conference.meet.example.com" "muc"
--       modules_enabled = { --[[ ... ]] "lobbyd_bridge" }
--
-- prosody-config/lobbyd.cfg.lua is the documented snippet with these lines.

local http_util = require "util.http";
local jid = require "util.jid";
local nodeprep = require "util.encodings".stringprep.nodeprep;
local st = require "util.stanza";

local xmlns_bridge = "urn:lobbyd:bridge:0";
local xmlns_disco_info = "http://jabber.org/protocol/disco#info";

-- Options (re-read on config-reloaded; a bad value keeps the previous ones there).
local component, timeout, fail_mode;

local function read_options()
	local new_component = module:get_option_string("lobbyd_component");
	local new_timeout = module:get_option_number("lobbyd_timeout", 2);
	local new_fail_mode = module:get_option_string("lobbyd_fail_mode", "closed");
	if not new_component or not jid.prep(new_component) or jid.node(new_component) then
		error("lobbyd_component must be set to lobbyd's component JID (a domain), e.g. lobby.meet.example.com");
	end
	if not new_timeout or new_timeout <= 0 or new_timeout > 60 then
		error("lobbyd_timeout must be a number of seconds in (0, 60]");
	end
	if new_fail_mode ~= "closed" and new_fail_mode ~= "open" then
		error("lobbyd_fail_mode must be \"closed\" or \"open\"");
	end
	component, timeout, fail_mode = jid.prep(new_component), new_timeout, new_fail_mode;
end

read_options(); -- a missing or bad option stops the module from loading

module:hook_global("config-reloaded", function ()
	local ok, err = pcall(read_options);
	if not ok then
		module:log("error", "Keeping previous lobbyd options: %s", err);
	end
end);

local is_muc = module:get_option_string("component_module") == "muc";

if not is_muc then
	if module:get_host_type() ~= "local" then
		error("mod_lobbyd_bridge belongs on the main VirtualHost and on the main MUC component");
	end

	-- Jitsi clients look for lobby support in the VirtualHost's disco#info (type lobbyrooms,
	-- named after the lobby domain); without it they never offer or use the lobby.
	module:add_identity("component", "lobbyrooms", component);

	-- Host part: keep the raw JWT the client put on the WebSocket/BOSH URL (?token=).
	-- Jitsi's token modules set session.auth_token themselves; the MUC part prefers that.
	-- The token is never logged.
	-- Also keep the room named there (?room=, as Jitsi clients connect): lobbyd needs it to say
	-- whether this session must give a display name (below). Jitsi's mod_jitsi_session keeps the
	-- same in session.jitsi_web_query_room, which is preferred.
	local function capture_token(event)
		local request = event.request;
		local query = request and request.url and request.url.query;
		if not query then return; end
		local params = http_util.formdecode(query);
		if type(params) ~= "table" then return; end
		if type(params.token) == "string" and params.token ~= "" then
			event.session.lobbyd_token = params.token;
		end
		if type(params.room) == "string" and params.room ~= "" then
			event.session.lobbyd_room = params.room;
		end
	end
	-- mod_websocket and mod_bosh are global modules: they fire these on the global event bus,
	-- once per new session, before its first stanza. Default priority; Jitsi's session modules
	-- hook the same events and set session.auth_token, which is preferred over ours.
	module:hook_global("websocket-session", capture_token);
	module:hook_global("bosh-session", capture_token);

	-- Before joining, Jitsi clients ask the lobby domain's disco#info (node lobbyrooms) whether
	-- they must give a display name. lobbyd answers it, but only the session knows the room on its
	-- URL and its token: the bridge adds them to the query (docs/bridge-protocol.md §4), replacing
	-- whatever the client put there itself. No room with a tenant prefix is reported: lobbyd
	-- cannot name that room, so it does not ask.
	module:hook("pre-iq/host", function (event)
		local stanza = event.stanza;
		if stanza.attr.type ~= "get" or stanza.attr.to ~= component then return; end
		local query = stanza.tags[1];
		if not query or query.name ~= "query" or query.attr.xmlns ~= xmlns_disco_info
			or query.attr.node ~= "lobbyrooms" then
			return;
		end
		query:maptags(function (tag)
			if tag.attr.xmlns == xmlns_bridge then return nil; end
			return tag;
		end);
		local session = event.origin;
		local room = session.jitsi_web_query_room or session.lobbyd_room;
		local prefix = session.jitsi_web_query_prefix;
		room = type(room) == "string" and (prefix == nil or prefix == "") and nodeprep(room) or nil;
		local token = session.auth_token or session.lobbyd_token;
		local facts = st.stanza("session", { xmlns = xmlns_bridge, room = room });
		if type(token) == "string" and token ~= "" then
			facts:text_tag("token", token);
		end
		query:add_child(facts);
	end);
	return;
end

-- MUC part.
local muc = module:depends("muc");
local lobbyd = module:require("lobbyd_bridge_iq");

local function options()
	return component, timeout, fail_mode;
end

-- What lobbyd said last about which joins it needs to see (docs/bridge-protocol.md §1, `ask`),
-- what it said about each present room (`room-ask`: "every-join" or "default", by room JID),
-- and the joins it gave a verdict for (weak: a join presence is gone once handled). Shared with
-- the main-room side, which reports those joins.
local state = { ask = "every-join", room_ask = {}, asked = setmetatable({}, { __mode = "k" }) };

-- After `prosodyctl reload` ask about every join again, until a verdict says what lobbyd (its
-- configuration perhaps changed too) needs to see.
module:hook_global("config-reloaded", function ()
	state.ask, state.room_ask = "every-join", {};
end);

-- The pre-join gate (§1), then the main-room side: occupants, lobby on/off, invitations,
-- notifications (§2, §3).
module:require("lobbyd_bridge_gate")(muc, options, lobbyd, state);
module:require("lobbyd_bridge_room")(muc, options, lobbyd, state);
module:log("info", "Joins to %s wait for lobbyd at %s (timeout %gs, fail mode %s)", module.host, component, timeout,
	fail_mode);
