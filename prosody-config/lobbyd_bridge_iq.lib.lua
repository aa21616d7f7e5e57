-- lobbyd_bridge_iq.lib.lua: ask lobbyd and wait for its answer, the error a client gets when
-- none comes, and switching a room's lobby, for the bridge (mod_lobbyd_bridge.lua). This module
-- decides nothing.
--
-- module:send_iq() would do, but Prosody 0.12 tracks at most 256 requests per module and refuses
-- the oldest beyond that ("evicted from iq tracking cache"): a burst of joins, such as a webinar's
-- start, would then be refused fail-closed. This waits on the same events, without that cap.
-- The returned promise resolves with the reply event, a result or an error (Prosody's bounce while
-- lobbyd is disconnected is an error from the component), and rejects only on timeout.

local new_id = require "util.id".medium;
local promise = require "util.promise";
local st = require "util.stanza";

local unavailable_text = "The lobby service is not answering; please try again in a moment.";

local function request(iq, timeout)
	local id, to = iq.attr.id, iq.attr.to;
	local result_event, error_event = "iq-result/host/"..id, "iq-error/host/"..id;
	return promise.new(function (resolve, reject)
		local timer, handler;
		local function stop()
			module:unhook(result_event, handler);
			module:unhook(error_event, handler);
		end
		function handler(event)
			if event.stanza.attr.from ~= to then return; end -- not lobbyd's answer: not ours
			stop();
			timer:stop();
			resolve(event);
			return true;
		end
		-- Priority 1, above Prosody's handling of unclaimed replies.
		module:hook(result_event, handler, 1);
		module:hook(error_event, handler, 1);
		timer = module:add_timer(timeout, function ()
			stop();
			reject({ text = ("no answer within %g s"):format(timeout) });
		end);
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

return { request = request, unavailable_reply = unavailable_reply, set_members_only = set_members_only };
