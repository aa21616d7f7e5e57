-- mod_bench_token: benchmark-only. Never load it in a deployment.
--
-- Jitsi clients carry their JWT on the WebSocket/BOSH URL (?token=); a plain c2s TCP
-- connection has no URL. So that the benchmark's libstrophe clients can make token joins
-- over c2s, a session may hand its token to this module once, after binding:
--
--   <iq type='set' to='meet.test' id='tok'><token xmlns='urn:lobbyd:bench:0'>JWT</token></iq>
--
-- and it is stored as session.auth_token, the field Jitsi's token authentication sets and
-- mod_lobbyd_bridge prefers. Loaded on the VirtualHost by tests/bench/run only.

local st = require "util.stanza";

module:hook("iq-set/host/urn:lobbyd:bench:0:token", function (event)
	local origin, stanza = event.origin, event.stanza;
	local token = stanza.tags[1]:get_text();
	if origin.type ~= "c2s" or not token or token == "" then
		origin.send(st.error_reply(stanza, "modify", "bad-request"));
		return true;
	end
	origin.auth_token = token;
	origin.send(st.reply(stanza));
	return true;
end);
