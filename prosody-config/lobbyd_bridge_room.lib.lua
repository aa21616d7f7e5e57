-- lobbyd_bridge_room.lib.lua: the main-room side of mod_lobbyd_bridge (loaded with module:require
-- by the module's MUC part; not a module of its own).
--
-- Like the module, this file decides nothing. It reports what happens in main rooms to lobbyd
-- (occupants, the lobby switched on or off, invitations, destroyed rooms) and carries out what
-- lobbyd answers and sends (routed invitations, notifications in the room), as described in
-- docs/bridge-protocol.md §2 and §3. It also gives Jitsi clients the facts they look for on the
-- main MUC: the lobby room in the room's disco#info, and muc#admin IQs with several items.

local async = require "util.async";
local id = require "util.id";
local jid = require "util.jid";
local st = require "util.stanza";

local xmlns_bridge = "urn:lobbyd:bridge:0";
local xmlns_muc_user = "http://jabber.org/protocol/muc#user";
local xmlns_muc_admin = "http://jabber.org/protocol/muc#admin";
local xmlns_jitmeet = "http://jitsi.org/jitmeet";
local xmlns_conference = "jabber:x:conference";

local moderating = { owner = true, admin = true };

-- muc: mod_muc's module table; options(): the current lobbyd_component, lobbyd_timeout and
-- lobbyd_fail_mode (re-read by the module on config-reloaded); lobbyd: lobbyd_bridge_iq (request,
-- unavailable_reply); state: lobbyd's last `ask` and the joins it gave a verdict for (the module's).
return function (muc, options, lobbyd, state)

local function event_iq(payload)
	local component = options();
	return st.iq({ type = "set", from = module.host, to = component, id = "lobbyd-e-"..id.short() })
		:add_child(payload);
end

-- Occupant, destroyed: not waited for and not tracked. module:send_iq() keeps at most 256
-- requests per module and evicts the oldest, which would cut short the joins waiting for their
-- verdicts under a burst; the reply to a plain send is an iq result nobody claims, and Prosody
-- drops it. lobbyd logs anything it refuses.
local function tell(payload)
	module:send(event_iq(payload));
end

-- What lobbyd's reply means: the reply's first child (or true for an empty result); or nil,
-- "refused", the error when lobbyd refused the request itself; or nil, why when there is no
-- usable answer (the caller applies the fail mode).
local function answer_of(event, err)
	local reply = event and event.stanza;
	if not reply then
		return nil, tostring(err and err.text or "no reply");
	elseif reply.attr.type == "error" then
		local err_type, condition, text = reply:get_error();
		if err_type == "auth" then -- lobbyd's own refusal, e.g. auth/forbidden
			return nil, "refused", { type = err_type, condition = condition, text = text };
		end
		-- e.g. Prosody's bounce while lobbyd is disconnected
		return nil, ("error reply: %s%s"):format(tostring(condition), text and (" ("..text..")") or "");
	end
	return reply.tags[1] or true;
end

-- Lobby: wait for lobbyd (bounded), holding the sender's session; answer_of()'s results.
local function ask(payload)
	local _, timeout = options();
	if not async.ready() then
		return nil, "the request was not sent from a client session (no async context)";
	end
	return answer_of(async.wait_for(lobbyd.request(event_iq(payload), timeout)));
end

-- Admit: ask without holding the sender's session, and call done(answer_of()'s results) later.
-- A moderator's client may send one invitation message per guest in a burst; holding its session
-- for each would queue them all behind one another, and Prosody 0.12 pauses reading a session
-- that waits (seen stalling such a burst for good).
local function ask_then(payload, done)
	local _, timeout = options();
	lobbyd.request(event_iq(payload), timeout):next(function (event)
		done(answer_of(event));
	end, function (err)
		done(answer_of(nil, err));
	end):catch(function (err)
		-- An error in 'done' would otherwise vanish into a promise nobody reads.
		module:log("error", "Handling lobbyd's answer to %s failed: %s", payload.name, tostring(err));
	end);
end

local function fail_closed()
	local _, _, fail_mode = options();
	return fail_mode == "closed";
end


-- §2.1 occupants. Hooks at the default priority 0: they only observe. Neighbours: mod_muc's
-- empty-room cleanup on muc-occupant-left (-1) runs after ours, so `left` precedes `destroyed`.
local function tell_occupant(room, occupant, event_name, affiliation, removed)
	tell(st.stanza("occupant", {
		xmlns = xmlns_bridge; room = room.jid; jid = occupant.jid; nick = jid.resource(occupant.nick);
		event = event_name; affiliation = affiliation or "none"; removed = removed and "true" or nil;
	}));
end

-- Occupants lobbyd was told about, by room JID and real bare JID (stable across an occupant's
-- sessions and nick changes): their leaving is reported too.
local reported = {};

local function mark_reported(room, occupant)
	local in_room = reported[room.jid];
	if not in_room then
		in_room = {};
		reported[room.jid] = in_room;
	end
	in_room[occupant.bare_jid] = true;
end

local function report_joined(room, occupant, affiliation)
	mark_reported(room, occupant);
	tell_occupant(room, occupant, "joined", affiliation);
end

-- A verdict lets a session try; only this confirms it got in (Prosody may still refuse it after
-- the verdict: password, nick conflict, a full room). Joins lobbyd has said it need not see are
-- not reported, unless the occupant may moderate (lobbyd must know a room's owners) or the lobby
-- is on.
module:hook("muc-occupant-joined", function (event)
	local room, occupant = event.room, event.occupant;
	local affiliation = room:get_affiliation(occupant.bare_jid);
	if state.ask == "every-join" or state.asked[event.stanza] or moderating[affiliation]
		or room:get_members_only() then
		report_joined(room, occupant, affiliation);
	end
end);

-- Without a stanza the occupant did not leave by itself: it was kicked or the room went away.
module:hook("muc-occupant-left", function (event)
	local room, occupant = event.room, event.occupant;
	local affiliation = room:get_affiliation(occupant.bare_jid);
	local in_room = reported[room.jid];
	local was_reported = in_room and in_room[occupant.bare_jid];
	if in_room then
		in_room[occupant.bare_jid] = nil;
		if next(in_room) == nil then reported[room.jid] = nil; end
	end
	if was_reported or state.ask == "every-join" or moderating[affiliation] or room:get_members_only() then
		tell_occupant(room, occupant, "left", affiliation, event.stanza == nil);
	end
end);

module:hook("muc-set-affiliation", function (event)
	if not event.in_room or not (moderating[event.affiliation] or moderating[event.previous_affiliation]) then
		return;
	end
	for _, occupant in event.room:each_occupant() do
		if occupant.bare_jid == event.jid then
			mark_reported(event.room, occupant);
			tell_occupant(event.room, occupant, "affiliation", event.affiliation);
		end
	end
end);

-- §2.4. Priority 10: before mod_muc forgets the room (0) and before its tombstone handler
-- (-10), which stops the event for persistent rooms.
module:hook("muc-room-destroyed", function (event)
	reported[event.room.jid] = nil;
	tell(st.stanza("destroyed", { xmlns = xmlns_bridge; room = event.room.jid }));
end, 10);

-- The room's disco#info names the lobby room while the lobby is on, as Jitsi clients expect.
-- Default priority: it only adds a form field, like Prosody's own muc-disco#info handlers.
module:hook("muc-disco#info", function (event)
	if not event.room:get_members_only() then return; end
	local component = options();
	table.insert(event.form, { name = "muc#roominfo_lobbyroom", label = "Lobby room jid" });
	event.formdata["muc#roominfo_lobbyroom"] = jid.node(event.room.jid).."@"..component;
end);

-- §2.2 the owner config form. Only a form that carries muc#roomconfig_membersonly says anything
-- about the lobby. lobbyd sends LOBBY-ENABLED (§3) before it answers, so occupants see it
-- before the IQ result and the 104 message. Priority 0; Prosody's lock.lib also hooks this event
-- (0) and applies the fields afterwards, in muc-config-submitted/<var> events.
module:hook("muc-config-submitted", function (event)
	local field = "muc#roomconfig_membersonly";
	local enabled = event.fields[field];
	if enabled == nil then return; end
	local room = event.room;
	if enabled then
		-- Joins into an open room may not have been reported (lobbyd's `ask`, a reload of this
		-- module, a restart of lobbyd): lobbyd learns who is present now, before the lobby request
		-- (same stream, so in this order), as it does for every later join. A repeat is harmless.
		for _, occupant in room:each_occupant() do
			report_joined(room, occupant, room:get_affiliation(occupant.bare_jid));
		end
	end
	local answer, why = ask(st.stanza("lobby", {
		xmlns = xmlns_bridge; room = room.jid; actor = event.actor; enabled = enabled and "true" or "false";
	}));
	if answer then return; end
	if fail_closed() then
		-- Keep the room as it was, so Prosody and lobbyd do not disagree about the lobby.
		event.fields[field] = room:get_members_only() or false;
		module:log("warn", "lobbyd did not confirm the lobby of %s going %s (%s); fail mode closed: unchanged",
			room.jid, enabled and "on" or "off", why);
	else
		module:log("warn", "lobbyd did not confirm the lobby of %s going %s (%s); fail mode open: applied",
			room.jid, enabled and "on" or "off", why);
	end
end);

-- muc#admin sets with several items (lib-jitsi-meet grants membership to every occupant in one
-- IQ before it enables the lobby), or with a full JID (older clients): every item goes through
-- Prosody's own room API, with the bare JID; one answer, the first error if any. A set with one
-- item and a bare JID is left to mod_muc. Priority 1: before mod_muc's handler (-2).
local function admin_item(room, actor, item)
	local reason = item:get_child_text("reason");
	local item_jid = item.attr.jid and jid.prep(item.attr.jid);
	if item.attr.jid and not item_jid then
		return nil, "modify", "jid-malformed";
	end
	if item.attr.affiliation and item_jid and not item.attr.role then
		return room:set_affiliation(actor, jid.bare(item_jid), item.attr.affiliation, reason);
	elseif item.attr.role and not item.attr.affiliation then
		local occupant_jid = item.attr.nick and jid.prep(room.jid.."/"..item.attr.nick)
			or (item_jid and room:get_occupant_jid(item_jid));
		if not occupant_jid then
			return nil, "modify", "bad-request";
		end
		return room:set_role(actor, occupant_jid, item.attr.role, reason);
	end
	return nil, "cancel", "bad-request";
end

module:hook("iq-set/bare/"..xmlns_muc_admin..":query", function (event)
	local origin, stanza = event.origin, event.stanza;
	local room = muc.get_room_from_jid(jid.bare(stanza.attr.to));
	if not room then return; end -- mod_muc answers for missing rooms
	local items, full = {}, false;
	for item in stanza.tags[1]:childtags("item") do
		items[#items + 1] = item;
		if item.attr.jid and jid.resource(item.attr.jid) then full = true; end
	end
	if #items < 2 and not full then return; end
	local err_type, condition;
	for _, item in ipairs(items) do
		local ok, t, c = admin_item(room, stanza.attr.from, item);
		if not ok and not err_type then
			err_type, condition = t or "cancel", c or "not-allowed";
		end
	end
	room:save(true);
	origin.send(err_type and st.error_reply(stanza, err_type, condition) or st.reply(stanza));
	return true;
end, 1);

-- §2.3 invitations to a members-only room: lobbyd says whom, the bridge routes the invitations.
local function routed_invite(room, actor, msg_id, invitee, reason)
	local body = actor.." invited you to the room "..room.jid..(reason ~= "" and (" ("..reason..")") or "");
	return st.message({ from = room.jid, to = invitee, id = msg_id })
		:tag("x", { xmlns = xmlns_muc_user })
			:tag("invite", { from = actor }):text_tag("reason", reason):up()
		:up()
		:text_tag("x", reason, { xmlns = xmlns_conference, jid = room.jid })
		:text_tag("body", body);
end

-- Priority 1: before mod_muc's handler (-2), which would handle only the first <invite/> and
-- grant membership itself.
module:hook("message/bare", function (event)
	local origin, stanza = event.origin, event.stanza;
	local kind = stanza.attr.type;
	if kind ~= nil and kind ~= "normal" then return; end
	local x = stanza:get_child("x", xmlns_muc_user);
	if not x then return; end
	local room = muc.get_room_from_jid(jid.bare(stanza.attr.to));
	if not room or not room:get_members_only() then return; end -- lobby off: Prosody's business

	local invites, order = {}, {};
	local admit = st.stanza("admit", { xmlns = xmlns_bridge; room = room.jid; actor = stanza.attr.from });
	for invite in x:childtags("invite") do
		if invite.attr.to then
			local invitee = jid.prep(invite.attr.to);
			if not invitee then
				origin.send(st.error_reply(stanza, "modify", "jid-malformed"));
				return true;
			end
			if not invites[invitee] then
				invites[invitee] = invite:get_child_text("reason") or "";
				order[#order + 1] = invitee;
				admit:tag("invitee", { jid = invitee }):up();
			end
		end
	end
	if #order == 0 then return; end -- a decline or something else: mod_muc's business

	ask_then(admit, function (answer, why, err)
		if why == "refused" then
			module:log("info", "lobbyd refused invitations to %s from %s", room.jid, stanza.attr.from);
			origin.send(st.error_reply(stanza, err));
			return;
		elseif not answer then
			if not fail_closed() then
				module:log("warn", "lobbyd gave no answer for invitations to %s (%s); fail mode open: left to Prosody",
					room.jid, why);
				-- The room may have gone while the request waited.
				local now = muc.get_room_from_jid(room.jid);
				if now then now:handle_mediated_invite(origin, stanza); end
				return;
			end
			module:log("warn", "lobbyd gave no answer for invitations to %s (%s); fail mode closed: refused",
				room.jid, why);
			origin.send(lobbyd.unavailable_reply(stanza));
			return;
		end
		local admitted = {};
		if answer ~= true and answer.name == "admitted" and answer.attr.xmlns == xmlns_bridge then
			for invitee in answer:childtags("invitee") do
				admitted[invitee.attr.jid or ""] = true;
			end
		end
		for _, invitee in ipairs(order) do
			if admitted[invitee] then
				module:send(routed_invite(room, stanza.attr.from, stanza.attr.id, invitee, invites[invitee]));
			end
		end
	end);
	return true;
end, 1);

-- §3 notifications from lobbyd: a json-message in the room from the actor's occupant.
-- Only lobbyd's component may send them. The event is specific to this payload; nothing else
-- hooks it.
module:hook("iq-set/host/"..xmlns_bridge..":notify", function (event)
	local origin, stanza = event.origin, event.stanza;
	local component = options();
	if stanza.attr.from ~= component then
		origin.send(st.error_reply(stanza, "auth", "forbidden"));
		return true;
	end
	local notify = stanza.tags[1];
	local room = notify.attr.room and muc.get_room_from_jid(notify.attr.room);
	local from = room and notify.attr.actor and room:get_occupant_jid(notify.attr.actor);
	if from then
		room:broadcast_message(st.message({ type = "groupchat", from = from, id = id.medium() })
			:text_tag("json-message", notify:get_text(), { xmlns = xmlns_jitmeet }));
	else
		module:log("debug", "No occupant %s in %s: notification not shown", tostring(notify.attr.actor),
			tostring(notify.attr.room));
	end
	origin.send(st.reply(stanza));
	return true;
end);

-- §3.3 send back to the lobby: lobbyd has revoked the session's admission and asks for the
-- occupant to leave the main room, as a kick does (status 307, the reason text, the moderator as
-- actor). Only lobbyd's component may ask; the occupant must still be that session.
module:hook("iq-set/host/"..xmlns_bridge..":eject", function (event)
	local origin, stanza = event.origin, event.stanza;
	if stanza.attr.from ~= options() then
		origin.send(st.error_reply(stanza, "auth", "forbidden"));
		return true;
	end
	local eject = stanza.tags[1];
	local room = eject.attr.room and muc.get_room_from_jid(eject.attr.room);
	local occupant_jid = room and eject.attr.nick and jid.prep(room.jid.."/"..eject.attr.nick);
	if not occupant_jid or not eject.attr.jid or room:get_occupant_jid(eject.attr.jid) ~= occupant_jid then
		origin.send(st.error_reply(stanza, "cancel", "item-not-found", "no such occupant in that room"));
		return true;
	end
	local ok, err_type, condition = room:set_role(eject.attr.actor or true, occupant_jid, "none",
		eject:get_text());
	if not ok then
		module:log("warn", "Could not send %s back to the lobby of %s: %s", occupant_jid, room.jid,
			tostring(condition));
		origin.send(st.error_reply(stanza, err_type or "cancel", condition or "not-allowed"));
		return true;
	end
	origin.send(st.reply(stanza));
	return true;
end);

-- §3.4 what an operator did through lobbyd's admin commands, carried out in the room: the
-- invitation that lets a waiting guest in, and the lobby switched on or off. Only lobbyd's
-- component may ask.
local function from_lobbyd(event)
	if event.stanza.attr.from ~= options() then
		event.origin.send(st.error_reply(event.stanza, "auth", "forbidden"));
		return nil;
	end
	local request = event.stanza.tags[1];
	local room = request.attr.room and muc.get_room_from_jid(request.attr.room);
	if not room then
		event.origin.send(st.error_reply(event.stanza, "cancel", "item-not-found", "no such room"));
		return nil;
	end
	return room, request;
end

module:hook("iq-set/host/"..xmlns_bridge..":invite", function (event)
	local room, invite = from_lobbyd(event);
	if not room then return true; end
	local invitee = invite.attr.jid and jid.prep(invite.attr.jid);
	if not invitee then
		event.origin.send(st.error_reply(event.stanza, "modify", "jid-malformed"));
		return true;
	end
	module:send(routed_invite(room, invite.attr.actor or options(), id.medium(), invitee, ""));
	event.origin.send(st.reply(event.stanza));
	return true;
end);

-- On, as Jitsi Meet turns a lobby on: the occupants present become members first, so nobody
-- inside is removed by the room going members-only.
module:hook("iq-set/host/"..xmlns_bridge..":set-lobby", function (event)
	local room, request = from_lobbyd(event);
	if not room then return true; end
	local on = request.attr.enabled == "true";
	if on then
		for _, occupant in room:each_occupant() do
			if room:get_affiliation(occupant.bare_jid) == nil then
				room:set_affiliation(true, occupant.bare_jid, "member");
			end
		end
	end
	lobbyd.set_members_only(room, on);
	module:log("info", "Lobby of %s %s by lobbyd for %s", room.jid, on and "on" or "off",
		tostring(request.attr.actor));
	event.origin.send(st.reply(event.stanza));
	return true;
end);

-- §3.2 who is still present: after each (re)connect lobbyd lists the sessions it believes are in
-- its lobby rooms or in main rooms, since leaves that happened while it was away never reached
-- it. For a main room the answer is whether the room has an occupant with that real JID; for a
-- lobby room, whether that client session still exists and has not withdrawn its presence from
-- that occupant JID (Prosody tracks the directed presence each session sends). lobbyd decides
-- what to do with the answer.
module:hook("iq-get/host/"..xmlns_bridge..":present", function (event)
	local origin, stanza = event.origin, event.stanza;
	if stanza.attr.from ~= options() then
		origin.send(st.error_reply(stanza, "auth", "forbidden"));
		return true;
	end
	local full_sessions = prosody.full_sessions;
	local reply = st.reply(stanza):tag("present", { xmlns = xmlns_bridge });
	for item in stanza.tags[1]:childtags("session") do
		local real, where = item.attr.jid, item.attr["in"];
		if real and where then
			local here;
			if jid.host(where) == module.host then
				local room = muc.get_room_from_jid(jid.bare(where));
				here = room and room:get_occupant_by_real_jid(real) ~= nil;
			else
				local session = full_sessions[real];
				here = session and session.directed and session.directed[where];
			end
			reply:tag("session", { jid = real, ["in"] = where, present = here and "true" or "false" }):up();
		end
	end
	origin.send(reply);
	return true;
end);

end
