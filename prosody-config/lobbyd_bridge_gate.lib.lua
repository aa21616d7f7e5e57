-- lobbyd_bridge_gate.lib.lua: the pre-join gate of mod_lobbyd_bridge (docs/bridge-protocol.md §1),
-- loaded with module:require by the module's MUC part; not a module of its own.
--
-- Like the module, this file decides nothing. It sends lobbyd the facts of each join it must see,
-- holds the join until the verdict comes (bounded by lobbyd_timeout) and carries the verdict out:
-- an affiliation to grant, the room password to supply, the 407 lobby error, the 406 display-name
-- error, or a refusal; with no verdict, the fail mode.

local async = require "util.async";
local id = require "util.id";
local jid = require "util.jid";
local st = require "util.stanza";

local xmlns_bridge = "urn:lobbyd:bridge:0";
local xmlns_muc = "http://jabber.org/protocol/muc";
local xmlns_nick = "http://jabber.org/protocol/nick";
local xmlns_jitmeet = "http://jitsi.org/jitmeet";

-- muc: mod_muc's module table; options(): the current lobbyd_component, lobbyd_timeout and
-- lobbyd_fail_mode; lobbyd: lobbyd_bridge_iq (request, unavailable_reply); state: lobbyd's last
-- `ask` and the joins it gave a verdict for (the module's, shared with the main-room side).
return function (muc, options, lobbyd, state)

local valid_error_types = { auth = true, cancel = true, continue = true, modify = true, wait = true };
local valid_conditions = {};
for condition in ([[bad-request conflict feature-not-implemented forbidden gone internal-server-error
	item-not-found jid-malformed not-acceptable not-allowed not-authorized policy-violation
	recipient-unavailable redirect registration-required remote-server-not-found
	remote-server-timeout resource-constraint service-unavailable subscription-required
	undefined-condition unexpected-request]]):gmatch("%S+") do
	valid_conditions[condition] = true;
end
local settable_affiliations = { owner = true, admin = true, member = true };
local known_actions = { allow = true, lobby = true, displayname = true, deny = true };

local function session_token(origin)
	local token = origin.auth_token or origin.lobbyd_token;
	if type(token) == "string" and token ~= "" then return token; end
end

-- lobbyd's `ask` and `room-ask`: true when it has said it needs no verdict for this join.
-- "token-lobby-password-new" is the same as "token-lobby-password", except that a join creating
-- a room is asked about. A room lobbyd has not said "default" for (state.room_ask) is asked
-- about: it waits for its host, or it was there before this bridge heard lobbyd's `ask`.
local function lobbyd_needs_no_verdict(origin, room)
	if state.ask ~= "token-lobby-password" and state.ask ~= "token-lobby-password-new" then return false; end
	if session_token(origin) then return false; end
	if not room then return state.ask == "token-lobby-password"; end
	if state.room_ask[room.jid] ~= "default" then return false; end
	return not (room:get_members_only() or room:get_password());
end

-- What a verdict said about a room still to be created ("set-lobby", "room-ask"), until mod_muc
-- creates it for that join (muc-room-created, below).
local at_creation = {};

local function session_id(origin)
	-- Random, so an id never comes back for a later session (table addresses do).
	local sid = origin.lobbyd_session_id;
	if not sid then
		sid = id.medium();
		origin.lobbyd_session_id = sid;
	end
	return sid;
end

-- The room facts lobbyd judges by; compared again after the wait.
local function room_facts(room, stanza)
	if not room then
		return { exists = "false", members_only = "false", affiliation = "none", password = "none" };
	end
	local password = "none";
	local room_password = room:get_password();
	if room_password then
		local given = stanza:get_child("x", xmlns_muc):get_child_text("password", xmlns_muc);
		if not given or given == "" then
			password = "missing";
		elseif given == room_password then
			password = "ok";
		else
			password = "wrong";
		end
	end
	return {
		exists = "true";
		members_only = room:get_members_only() and "true" or "false";
		affiliation = room:get_affiliation(stanza.attr.from) or "none";
		password = password;
	};
end

local function same_facts(a, b)
	return a.exists == b.exists and a.members_only == b.members_only
		and a.affiliation == b.affiliation and a.password == b.password;
end

-- Asks lobbyd; returns the <verdict/> element, or nil and why there is none.
local function ask(origin, stanza, room_jid, facts)
	local component, timeout = options();
	if not async.ready() then
		return nil, "join not sent from a client session (no async context)";
	end
	local display_name = stanza:get_child_text("nick", xmlns_nick);
	if display_name and not display_name:find("%S") then display_name = nil; end
	local token = session_token(origin);
	local iq = st.iq({ type = "get", from = module.host, to = component, id = "lobbyd-j-"..id.short() })
		:tag("join", {
			xmlns = xmlns_bridge;
			room = room_jid;
			nick = jid.resource(stanza.attr.to);
			jid = stanza.attr.from;
			session = session_id(origin);
			affiliation = facts.affiliation;
			["room-exists"] = facts.exists;
			["members-only"] = facts.members_only;
			password = facts.password;
			-- The client's address (Prosody's session.ip: the socket's peer, or for WebSocket
			-- and BOSH the X-Forwarded-For of a trusted_proxies proxy), for knock_limit_per_ip.
			ip = type(origin.ip) == "string" and origin.ip or nil;
		});
	if display_name then iq:text_tag("display-name", display_name); end
	if token then iq:text_tag("token", token); end

	local event, err = async.wait_for(lobbyd.request(iq, timeout));
	if not event then
		return nil, tostring(err and err.text or "no reply");
	end
	local reply = event.stanza;
	if reply.attr.from ~= component then
		return nil, "reply not from "..component;
	elseif reply.attr.type ~= "result" then
		local _, condition, text = reply:get_error();
		return nil, ("error reply: %s%s"):format(tostring(condition), text and (" ("..text..")") or "");
	end
	local verdict = reply:get_child("verdict", xmlns_bridge);
	if not verdict or not known_actions[verdict.attr.action] then
		return nil, "reply carries no verdict this bridge understands";
	end
	local scope = verdict.attr.ask;
	if scope ~= "token-lobby-password" and scope ~= "token-lobby-password-new" then scope = "every-join"; end
	if scope ~= state.ask then
		-- What lobbyd said about rooms held under the old scope; each is asked about once more.
		state.ask, state.room_ask = scope, {};
	end
	return verdict;
end

local function bare_in_room(room, bare)
	for _, occupant in room:each_occupant() do
		if occupant.bare_jid == bare then return true; end
	end
	return false;
end

-- level: "info" unless lobbyd's own log already says it at info (its verdict line, with the rule,
-- for a guest sent to the lobby or asked for a name: the everyday case, one line per knock).
local function refuse(origin, stanza, room_jid, why, reply, level)
	module:log(level or "info", "Refused %s joining %s: %s", stanza.attr.from, room_jid, why);
	origin.send(reply);
	return true;
end

local function session_gone(origin)
	return origin.destroyed or origin.type == "destroyed";
end

local function on_presence(event)
	local component, _, fail_mode = options();
	local origin, stanza = event.origin, event.stanza;
	if stanza.attr.type ~= nil or not stanza:get_child("x", xmlns_muc) then return; end
	local room_jid = jid.bare(stanza.attr.to);
	local room = muc.get_room_from_jid(room_jid);
	if room == false then return; end -- mod_muc answers the room-load error
	if room and room:get_occupant_jid(stanza.attr.from) then return; end -- already in: not a join
	if lobbyd_needs_no_verdict(origin, room) then return; end

	-- Ask; if the room's facts changed while we waited, ask once more with the new ones.
	local verdict, why;
	for attempt = 1, 2 do
		local facts = room_facts(room, stanza);
		verdict, why = ask(origin, stanza, room_jid, facts);
		if session_gone(origin) then
			module:log("debug", "Session of %s went away while its join waited", stanza.attr.from);
			return true;
		end
		room = muc.get_room_from_jid(room_jid);
		if room == false then return; end
		if not verdict or same_facts(facts, room_facts(room, stanza)) then break; end
		verdict, why = nil, "the room changed twice while the join waited";
		module:log("debug", "Room %s changed while %s waited (attempt %d)", room_jid, stanza.attr.from, attempt);
	end

	if not verdict then
		if fail_mode == "open" then
			module:log("warn", "lobbyd gave no verdict for %s joining %s (%s); fail mode open: continuing",
				stanza.attr.from, room_jid, why);
			return;
		end
		local reply = lobbyd.unavailable_reply(stanza);
		return refuse(origin, stanza, room_jid, "no verdict from lobbyd ("..why.."), fail mode closed", reply);
	end

	local action, rule = verdict.attr.action, verdict.attr.rule or "?";
	local room_ask = verdict.attr["room-ask"];
	if room_ask ~= "every-join" and room_ask ~= "default" then room_ask = nil; end
	if room and room_ask then state.room_ask[room.jid] = room_ask; end
	local reason = verdict:get_text();
	if reason == "" then reason = nil; end

	if action == "allow" then
		state.asked[stanza] = true;
		local affiliation = verdict.attr.affiliation;
		if room and settable_affiliations[affiliation] and room:get_affiliation(stanza.attr.from) ~= affiliation then
			-- Before mod_muc routes the join, so the new occupant's default role follows it. No
			-- reason and no separate announcement: the joiner's presence carries the affiliation
			-- to the occupants, and how someone got in (the rule) is for lobbyd's log only.
			local bare = jid.bare(stanza.attr.from);
			local ok, err_type, condition;
			if bare_in_room(room, bare) then -- another session of it is in: its role changes too
				ok, err_type, condition = room:set_affiliation(true, bare, affiliation);
			else
				ok, err_type, condition = lobbyd.grant_joiner(room, bare, affiliation);
			end
			if not ok then
				local reply = st.error_reply(stanza, err_type or "cancel", condition or "internal-server-error");
				return refuse(origin, stanza, room_jid,
					("could not set affiliation %s (%s)"):format(affiliation, tostring(condition)), reply);
			end
		end
		if verdict.attr.password == "supply" and room and room:get_password() then
			-- lobbyd lets this join past the room password (an owner, an approved guest);
			-- mod_muc checks it on every join and strips the MUC <x> before storing presence.
			local muc_x = stanza:get_child("x", xmlns_muc);
			if muc_x then
				muc_x:remove_children("password", xmlns_muc);
				muc_x:text_tag("password", room:get_password(), { xmlns = xmlns_muc });
			end
		end
		local set_lobby = verdict.attr["set-lobby"];
		-- A room still to be created gets lobbyd's default lobby the moment this join creates it
		-- (what an earlier join that never created it left here is overwritten).
		if not room then
			at_creation[room_jid] = { lobby = set_lobby == "on", room_ask = room_ask };
		end
		if set_lobby == "on" or set_lobby == "off" then
			-- Switch a present room before this join goes in.
			if room then lobbyd.set_members_only(room, set_lobby == "on"); end
			module:log("info", "Lobby of %s %s by lobbyd (rule %s) for %s", room_jid, set_lobby,
				tostring(verdict.attr.rule), stanza.attr.from);
		end
		return; -- mod_muc's own checks (ban, members-only, password, nick) run as usual
	elseif action == "lobby" then
		local lobby_jid = verdict.attr.lobby or (jid.node(room_jid).."@"..component);
		local reply = st.error_reply(stanza, "auth", "registration-required")
			:text_tag("lobbyroom", lobby_jid, { xmlns = xmlns_jitmeet }):up()
			:text_tag("lobbyroom", lobby_jid)
			:tag("x", { xmlns = xmlns_muc }):up();
		reply:get_child("error").attr.code = "407";
		return refuse(origin, stanza, room_jid, "lobby, rule "..rule, reply, "debug");
	elseif action == "displayname" then
		local reply = st.error_reply(stanza, "modify", "not-acceptable")
			:tag("displayname-required", { xmlns = xmlns_jitmeet, lobby = "true" }):up():up()
			:tag("x", { xmlns = xmlns_muc }):up();
		reply:get_child("error").attr.code = "406";
		return refuse(origin, stanza, room_jid, "display name required, rule "..rule, reply, "debug");
	end
	-- deny
	local err_type = valid_error_types[verdict.attr.type] and verdict.attr.type or "cancel";
	local condition = valid_conditions[verdict.attr.condition] and verdict.attr.condition or "not-allowed";
	local reply = st.error_reply(stanza, err_type, condition, reason);
	return refuse(origin, stanza, room_jid, ("deny %s/%s, rule %s%s"):format(err_type, condition, rule,
		reason and (": "..reason) or ""), reply);
end

module:hook("muc-room-created", function (event)
	local room = event.room;
	local note = at_creation[room.jid];
	at_creation[room.jid] = nil;
	if note and note.lobby then
		room:set_members_only(true);
		module:log("debug", "Room %s created with its lobby on", room.jid);
	end
	if note then
		state.room_ask[room.jid] = note.room_ask;
	elseif state.ask == "token-lobby-password" then
		-- Created by a join lobbyd said it need not see: no room of this scope waits for a host.
		state.room_ask[room.jid] = "default";
	end
end);

module:hook("muc-room-destroyed", function (event)
	state.room_ask[event.room.jid] = nil;
	at_creation[event.room.jid] = nil;
end);

-- Priority 10: before mod_muc's router (-2), which creates rooms and runs
-- muc-occupant-pre-join; gating there is too late for a new room (the joiner is already its
-- owner). Nothing else in Prosody's MUC hooks presence/full above -2; Jitsi modules that only
-- observe presence can run at either side.
module:hook("presence/full", on_presence, 10);

end
