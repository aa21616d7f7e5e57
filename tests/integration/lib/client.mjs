// A WebSocket client shaped like a Jitsi Meet client: ?token= on the WebSocket URL, SASL
// ANONYMOUS, and joins shaped like lib-jitsi-meet's (MUC <x/>, <nick/>, caps, stats-id).
import { client, xml } from "@xmpp/client";

// What @xmpp/client takes from the global scope and Node 18 (Debian 12's) does not put there:
// WebSocket (Node 22) and Web Crypto (Node 19).
if (typeof globalThis.WebSocket === "undefined") {
	globalThis.WebSocket = (await import("ws")).WebSocket;
}
if (typeof globalThis.crypto === "undefined") {
	globalThis.crypto = (await import("node:crypto")).webcrypto;
}

export { xml };

export const NS = {
	muc: "http://jabber.org/protocol/muc",
	mucUser: "http://jabber.org/protocol/muc#user",
	mucOwner: "http://jabber.org/protocol/muc#owner",
	nick: "http://jabber.org/protocol/nick",
	jitmeet: "http://jitsi.org/jitmeet",
	stanzas: "urn:ietf:params:xml:ns:xmpp-stanzas",
	bridge: "urn:lobbyd:bridge:0",
	data: "jabber:x:data",
	discoInfo: "http://jabber.org/protocol/disco#info",
	mucAdmin: "http://jabber.org/protocol/muc#admin",
	conference: "jabber:x:conference",
	caps: "http://jabber.org/protocol/caps",
};

const caps = () => xml("c", { xmlns: NS.caps, hash: "sha-1", node: "https://jitsi.org/jitsi-meet",
	ver: "/LxjVAUjW56LWSj9lRquSYt35Ho=" });
const hasStatus = (s, code) => s.getChild("x", NS.mucUser)?.getChildren("status").some((st) => st.attrs.code === code);

let counter = 0;
const randomNick = () => Math.random().toString(16).slice(2, 10);

export class Client {
	constructor(xmpp) {
		this.xmpp = xmpp;
		this.stanzas = [];
		this.waiters = [];
		xmpp.on("stanza", (s) => {
			this.stanzas.push(s);
			for (const w of [...this.waiters]) {
				if (w.match(s)) { this.waiters.splice(this.waiters.indexOf(w), 1); w.resolve(s); }
			}
		});
	}

	// Connect over WebSocket as Jitsi clients do; `token` goes on the URL as ?token=, `room` (the
	// room node the meeting URL names) as ?room=.
	static async connect(stack, { token, url, room } = {}) {
		let service = url ?? stack.env.WS_URL;
		const query = new URLSearchParams();
		if (room) query.set("room", room);
		if (token) query.set("token", token);
		if ([...query].length) service += `?${query}`;
		const xmpp = client({ service, domain: stack.env.DOMAIN, resource: `r${++counter}` });
		xmpp.on("error", () => {}); // surfaced through the promises below
		xmpp.reconnect.stop();
		const c = new Client(xmpp);
		c.jid = (await xmpp.start()).toString();
		return c;
	}

	get bare() { return this.jid.split("/")[0]; }

	// Resolve with the first (past or future) stanza that matches, or reject after `timeout` ms.
	waitFor(match, timeout = 5000, { includePast = false } = {}) {
		if (includePast) {
			const s = this.stanzas.find(match);
			if (s) return Promise.resolve(s);
		}
		return new Promise((resolve, reject) => {
			const w = { match, resolve };
			this.waiters.push(w);
			setTimeout(() => {
				const i = this.waiters.indexOf(w);
				if (i >= 0) { this.waiters.splice(i, 1); reject(new Error(`no matching stanza within ${timeout} ms`)); }
			}, timeout);
		});
	}

	// Send a lib-jitsi-meet shaped join; resolve with the room's answer for this occupant JID:
	// the self-presence (status 110) or the error presence.
	async join(room, { nick = randomNick(), displayName, password, timeout = 8000 } = {}) {
		const to = `${room}/${nick}`;
		const muc = xml("x", { xmlns: NS.muc });
		if (password) muc.append(xml("password", {}, password));
		const presence = xml("presence", { to }, muc,
			xml("stats-id", {}, `Stats${nick}`),
			xml("c", { xmlns: "http://jabber.org/protocol/caps", hash: "sha-1",
				node: "https://jitsi.org/jitsi-meet", ver: "/LxjVAUjW56LWSj9lRquSYt35Ho=" }),
			xml("jitsi_participant_codecType", {}, "vp8"));
		if (displayName !== undefined) presence.append(xml("nick", { xmlns: NS.nick }, displayName));
		const answer = this.waitFor((s) => s.is("presence") && s.attrs.from === to && (s.attrs.type === "error"
			|| s.getChild("x", NS.mucUser)?.getChildren("status").some((st) => st.attrs.code === "110")), timeout);
		const started = Date.now();
		await this.xmpp.send(presence);
		const stanza = await answer;
		return new JoinResult(stanza, Date.now() - started, to);
	}

	async leave(occupantJid) {
		await this.xmpp.send(xml("presence", { to: occupantJid, type: "unavailable" }));
	}

	// Owner: make the room members-only through the muc#owner config form, as lib-jitsi-meet's
	// setMembersOnly() does (fetch the form, submit membersonly=true).
	async setMembersOnly(room, on = true, extraFields = []) {
		const form = await this.xmpp.iqCaller.request(
			xml("iq", { type: "get", to: room }, xml("query", { xmlns: NS.mucOwner })), 5000);
		const fields = form.getChild("query", NS.mucOwner)?.getChild("x", NS.data)?.getChildren("field") ?? [];
		if (!fields.some((f) => f.attrs.var === "muc#roomconfig_membersonly")) {
			throw new Error("room config form has no muc#roomconfig_membersonly");
		}
		await this.xmpp.iqCaller.request(xml("iq", { type: "set", to: room },
			xml("query", { xmlns: NS.mucOwner },
				xml("x", { xmlns: NS.data, type: "submit" },
					xml("field", { var: "FORM_TYPE" }, xml("value", {}, "http://jabber.org/protocol/muc#roomconfig")),
					xml("field", { var: "muc#roomconfig_membersonly" }, xml("value", {}, on ? "true" : "false")),
					...extraFields.map(([v, value]) => xml("field", { var: v }, xml("value", {}, value)))))), 5000);
	}

	// An IQ; resolves with the result stanza, rejects (StanzaError) with an error reply.
	iq(type, to, payload, timeout = 5000) {
		return this.xmpp.iqCaller.request(xml("iq", { type, to }, payload), timeout);
	}

	// An IQ whose error reply is an answer too: resolves with the result stanza or, for an error
	// reply, with its <error/> element.
	async iqAnswer(type, to, payload, timeout = 5000) {
		try {
			return await this.iq(type, to, payload, timeout);
		} catch (err) {
			if (err?.element) return err.element;
			throw err;
		}
	}

	async discoInfo(to, node, ...children) {
		return (await this.iq("get", to, xml("query", node ? { xmlns: NS.discoInfo, node } : { xmlns: NS.discoInfo }, ...children)))
			.getChild("query", NS.discoInfo);
	}

	// lib-jitsi-meet's setMembersOnly(true): one muc#admin IQ with an item per non-member.
	grantMembers(room, jids) {
		return this.iqAnswer("set", room, xml("query", { xmlns: NS.mucAdmin },
			...jids.map((jid) => xml("item", { affiliation: "member", jid }))));
	}

	// Lobby.join(): the knock presence (nick), then, after the self-presence, the e-mail presence.
	// A moderator's client joins with neither nick nor e-mail. Resolves with the self-presence
	// (or the error presence) of the first presence.
	async joinLobby(lobby, { nick = randomNick(), displayName, email, timeout = 5000 } = {}) {
		const to = `${lobby}/${nick}`;
		const presence = xml("presence", { to }, xml("x", { xmlns: NS.muc }), caps());
		if (displayName !== undefined) presence.append(xml("nick", { xmlns: NS.nick }, displayName));
		const self = this.waitFor((s) => s.is("presence") && s.attrs.from === to
			&& (s.attrs.type === "error" || hasStatus(s, "110")), timeout);
		await this.xmpp.send(presence);
		const answer = await self;
		if (answer.attrs.type !== "error" && email !== undefined) {
			// The room echoes the update to its sender (stock Prosody echoes it whole).
			const seen = this.stanzas.length;
			const echo = this.waitFor((s) => s.is("presence") && s.attrs.from === to && hasStatus(s, "110")
				&& this.stanzas.indexOf(s) >= seen, timeout);
			const update = xml("presence", { to }, caps());
			if (displayName !== undefined) update.append(xml("nick", { xmlns: NS.nick }, displayName));
			update.append(xml("email", {}, email));
			await this.xmpp.send(update);
			await echo;
		}
		return new JoinResult(answer, 0, to);
	}

	// Lobby.approveAccess(): a mediated invitation to the main room, one <invite/> per JID.
	async invite(room, jids, id = `${randomNick()}:sendIQ`) {
		await this.xmpp.send(xml("message", { to: room, id }, xml("x", { xmlns: NS.mucUser },
			...jids.map((jid) => xml("invite", { to: jid })))));
		return id;
	}

	// Lobby.denyAccess(): kick the knocker by its lobby nick.
	deny(lobby, nick, reason = "You have been kicked.") {
		return this.iqAnswer("set", lobby, xml("query", { xmlns: NS.mucAdmin },
			xml("item", { nick, role: "none" }, xml("reason", {}, reason))));
	}

	async close() {
		try { await this.xmpp.stop(); } catch { /* already gone */ }
	}
}

export class JoinResult {
	constructor(stanza, ms, occupantJid) {
		this.stanza = stanza;
		this.ms = ms;
		this.occupantJid = occupantJid;
	}
	get ok() { return this.stanza.attrs.type !== "error"; }
	get error() { return this.stanza.getChild("error"); }
	get errorType() { return this.error?.attrs.type; }
	get condition() {
		return this.error?.children.find((c) => typeof c !== "string" && c.attrs.xmlns === NS.stanzas
			&& c.name !== "text")?.name;
	}
	get text() { return this.error?.getChildText("text", NS.stanzas); }
	get item() { return this.stanza.getChild("x", NS.mucUser)?.getChild("item"); }
	get affiliation() { return this.item?.attrs.affiliation; }
	get role() { return this.item?.attrs.role; }
	toString() { return this.stanza.toString(); }
}
