// The page side of one e2e client: a thin layer over the unmodified lib-jitsi-meet bundle.
// Every connection and conference event the library emits is reported to the test driver
// (window.e2eReport, bound by the driver) with its arguments made JSON-safe, and shown on the
// page so a failure screenshot tells the story. Stanzas in and out are reported too, for
// diagnosis only: tests assert on the library's events and API, never on the wire.
/* global JitsiMeetJS */
(function () {
	"use strict";
	const logEl = document.getElementById("log");
	const state = { connection: null, conference: null, options: null };

	function safe(value, depth = 0) {
		if (value === null || value === undefined) return value ?? null;
		if (["string", "number", "boolean"].includes(typeof value)) return value;
		if (typeof value === "function") return "[function]";
		if (value instanceof Error) return { error: String(value.message || value) };
		if (value && typeof value.getId === "function" && typeof value.getDisplayName === "function") {
			return { participant: value.getId(), name: value.getDisplayName() ?? null, role: value.getRole?.() ?? null };
		}
		if (value && typeof value.outerHTML === "string") return value.outerHTML;
		if (depth > 3) return "[…]";
		if (Array.isArray(value)) return value.slice(0, 20).map((v) => safe(v, depth + 1));
		try {
			const out = {};
			for (const key of Object.keys(value).slice(0, 30)) {
				if (key.startsWith("_")) continue;
				out[key] = safe(value[key], depth + 1);
			}
			return out;
		} catch (e) {
			return String(value);
		}
	}

	function report(kind, name, args) {
		const entry = { t: Date.now(), kind, name, args: safe(args) };
		if (kind !== "stanza") {
			logEl.textContent += `${new Date(entry.t).toISOString().slice(11, 23)} ${kind} ${name} ${JSON.stringify(entry.args)}\n`;
		}
		if (typeof window.e2eReport === "function") window.e2eReport(entry);
	}

	function reverse(map) {
		const out = {};
		for (const [key, value] of Object.entries(map)) out[value] = key;
		return out;
	}

	function traceStanzas(connection) {
		// Observation only: wrap Strophe's documented xmlInput/xmlOutput hooks.
		const strophe = connection?.xmpp?.connection?._stropheConn;
		if (!strophe) return;
		const input = strophe.xmlInput, output = strophe.xmlOutput;
		strophe.xmlInput = function (elem) { report("stanza", "in", elem?.outerHTML ?? String(elem)); return input.apply(this, arguments); };
		strophe.xmlOutput = function (elem) { report("stanza", "out", elem?.outerHTML ?? String(elem)); return output.apply(this, arguments); };
	}

	JitsiMeetJS.init({});
	JitsiMeetJS.setLogLevel(JitsiMeetJS.logLevels.WARN);
	const CONNECTION = JitsiMeetJS.events.connection;
	const CONFERENCE = JitsiMeetJS.events.conference;
	const connectionNames = reverse(CONNECTION);
	const conferenceNames = reverse(CONFERENCE);

	window.e2e = {
		label(who) { document.getElementById("who").textContent = who; document.title = who; },

		// Resolves on CONNECTION_ESTABLISHED, rejects on CONNECTION_FAILED (or after timeoutMs).
		connect({ serviceUrl, domain, muc, token, timeoutMs = 10000 }) {
			state.options = { serviceUrl, domain, muc };
			const connection = new JitsiMeetJS.JitsiConnection(null, token || null, {
				hosts: { domain, muc },
				serviceUrl,
			});
			state.connection = connection;
			for (const event of Object.values(CONNECTION)) {
				connection.addEventListener(event, (...args) => report("connection", connectionNames[event], args));
			}
			return new Promise((resolve, reject) => {
				const timer = setTimeout(() => reject(new Error(`no CONNECTION_ESTABLISHED within ${timeoutMs} ms`)), timeoutMs);
				connection.addEventListener(CONNECTION.CONNECTION_ESTABLISHED, () => { clearTimeout(timer); resolve(); });
				connection.addEventListener(CONNECTION.CONNECTION_FAILED, (...args) => {
					clearTimeout(timer);
					reject(new Error(`CONNECTION_FAILED ${JSON.stringify(safe(args))}`));
				});
				traceStanzas(connection);
				connection.connect();
			});
		},

		// Starts the join; the driver waits for CONFERENCE_JOINED / CONFERENCE_FAILED events.
		join(room, displayName) {
			const conference = state.connection.initJitsiConference(room, {
				openBridgeChannel: false,
				p2p: { enabled: false },
			});
			state.conference = conference;
			for (const event of Object.values(CONFERENCE)) {
				conference.on(event, (...args) => report("conference", conferenceNames[event], args));
			}
			conference.setDisplayName(displayName);
			conference.join();
		},

		// Calls a JitsiConference method; awaits it when it returns a promise.
		async call(method, ...args) {
			const conference = state.conference;
			if (!conference) throw new Error("no conference");
			if (typeof conference[method] !== "function") throw new Error(`JitsiConference has no ${method}()`);
			return safe(await conference[method](...args));
		},

		// Sends an IQ (its XML text, without an id) over the library's own XMPP connection, as
		// a client built on lib-jitsi-meet would; resolves with the answer's XML (type result
		// or error), or rejects when none comes within timeoutMs.
		iq(xmlText, timeoutMs = 10000) {
			const xmpp = state.connection?.xmpp?.connection;
			if (!xmpp) return Promise.reject(new Error("not connected"));
			const doc = new DOMParser().parseFromString(xmlText, "text/xml");
			if (doc.getElementsByTagName("parsererror").length) return Promise.reject(new Error(`not XML: ${xmlText}`));
			return new Promise((resolve) => {
				xmpp.sendIQ(doc.documentElement, (answer) => resolve(answer.outerHTML),
					(answer) => resolve(answer?.outerHTML ?? String(answer)), timeoutMs);
			});
		},

		async leave() {
			const conference = state.conference;
			state.conference = null;
			if (conference) {
				await Promise.race([conference.leave(), new Promise((r) => setTimeout(r, 5000))]);
			}
		},

		disconnect() {
			const connection = state.connection;
			state.connection = null;
			if (!connection) return Promise.resolve();
			return new Promise((resolve) => {
				const timer = setTimeout(resolve, 5000);
				connection.addEventListener(CONNECTION.CONNECTION_DISCONNECTED, () => { clearTimeout(timer); resolve(); });
				connection.disconnect();
			});
		},
	};
})();
