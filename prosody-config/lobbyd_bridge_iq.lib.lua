-- lobbyd_bridge_iq.lib.lua: ask lobbyd and wait for its answer, the error a client gets when
-- none comes, and switching a room's lobby, for the bridge (mod_lobbyd_bridge.lua). This module
-- decides nothing.
--
-- module:send_iq() would do, but Prosody 0.12 tracks at most 256 requests per module and refuses
-- the oldest beyond that ("evicted from iq tracking cache"): a burst of joins, such as a webinar's
-- start, would then be refused fail-closed. This waits for the reply without that cap.
-- The returned promise resolves with the reply event, a result or an error (Prosody's bounce while
-- lobbyd is disconnected is an error from the component), and rejects only on timeout.

local new_id = require "util.id".medium;
local promise = require "util.promise";
local st = require "util.stanza";

local unavailable_text = "The lobby service is not answering; please try again in a moment.";

-- Requests waiting for lobbyd's answer, by IQ id: the JID asked, resolve, the timeout timer.
-- One handler for all of them, so a request costs a table entry instead of hooking and unhooking
-- two events of its own.
local pending = {};

-- Priority 1: before mod_iq (0), which would fire iq-result/host/<id> for nobody.
module:hook("iq/host", function (event)
	local stanza = event.stanza;
	local kind = stanza.attr.type;
	if kind ~= "result" and kind ~= "error" then return; end
	local waiting = pending[stanza.attr.id];
	if not waiting or stanza.attr.from ~= waiting.to then return; end -- not lobbyd's answer: not ours
	pending[stanza.attr.id] = nil;
	waiting.timer:stop();
	waiting.resolve(event);
	return true;
end, 1);

local function request(iq, timeout)
	local id, to = iq.attr.id, iq.attr.to;
	return promise.new(function (resolve, reject)
		local waiting = { to = to, resolve = resolve };
		waiting.timer = module:add_timer(timeout, function ()
			if pending[id] ~= waiting then return; end
			pending[id] = nil;
			reject({ text = ("no answer within %g s"):format(timeout) });
		end);
		pending[id] = waiting;
		module:send(iq);
	end);
end

-- The error that answers a client's stanza when lobbyd gives no usable answer and the fail mode is
-- closed (docs/bridge-protocol.md §1): one shape for joins and invitations alike.
local function unavailable_reply(stanza)
	return st.error_reply(stanza, "wait", "internal-server-error", unavailable_text)
		:tag("lobbyd-unavailable", { xmlns = "urn:lobbyd:bridge:0" }):up();
end

-- A room lobbyd switched: members-only as Prosody's config form would make it, and the occupants
-- told with status 104, as after a configuration change.
local function set_members_only(room, on)
	if room:get_members_only() == on then return; end
	room:set_members_only(on);
	room:save(true);
	local msg = st.message({ type = "groupchat", from = room.jid, id = new_id() })
		:tag("x", { xmlns = "http://jabber.org/protocol/muc#user" }):tag("status", { code = "104" }):up():up();
	room:broadcast_message(msg);
end

-- The affiliation a verdict grants to a joiner who is not in the room yet, just before its join
-- goes on. Prosody's room:set_affiliation() would also send every occupant a message about it
-- (XEP-0045 example 195) and force a save of the room, work that grows with the room; the
-- joiner's own presence, a moment later, carries the new affiliation to everyone anyway. This is
-- the same change without that message: the muc-pre-set-affiliation and muc-set-affiliation
-- events fire as they do in Prosody's own path (another module may still refuse the grant), and
-- a persistent room is saved. Only for a joiner who is not in the room (the caller checks).
-- Returns true, or nil, the error type and condition.
local function grant_joiner(room, bare_jid, affiliation)
	local previous = room:get_affiliation(bare_jid);
	local event = {
		room = room; actor = nil; jid = bare_jid; affiliation = affiliation; reason = nil;
		previous_affiliation = previous or "none"; data = nil;
		previous_data = room._affiliation_data and room._affiliation_data[bare_jid] or nil;
	};
	module:fire_event("muc-pre-set-affiliation", event);
	if event.allowed == false then
		local err = event.error or { type = "cancel", condition = "not-allowed" };
		return nil, err.type, err.condition;
	end
	room._affiliations[bare_jid] = affiliation;
	room:save();
	event.in_room = false;
	module:fire_event("muc-set-affiliation", event);
	return true;
end

return { request = request, unavailable_reply = unavailable_reply, set_members_only = set_members_only,
	grant_joiner = grant_joiner };
