// Helpers for the lobby flows: what lib-jitsi-meet sends and what the tests look for in the
// answers (see /work/shared/protocol/stock-transcripts for the stock wire).
import assert from "node:assert/strict";
import { NS } from "./client.mjs";

export const hex8 = () => Math.floor(Math.random() * 0xffffffff).toString(16).padStart(8, "0");

export const statuses = (s) => (s.getChild("x", NS.mucUser)?.getChildren("status") ?? []).map((c) => c.attrs.code);

// The lobby-notify payload of a main-room json-message, or undefined.
export function notifyOf(s, room) {
	if (!s.is("message") || s.attrs.type !== "groupchat" || !s.attrs.from?.startsWith(`${room}/`)) return undefined;
	const text = s.getChildText("json-message", NS.jitmeet);
	if (text === null || text === undefined) return undefined;
	const json = JSON.parse(text);
	return json.type === "lobby-notify" ? json : undefined;
}

// Wait (past stanzas included) for a lobby-notify EVENT in ROOM; returns the stanza.
export function waitNotify(client, room, event, test = () => true, timeout = 5000) {
	return client.waitFor((s) => {
		const n = notifyOf(s, room);
		return n !== undefined && n.event === event && test(n, s);
	}, timeout, { includePast: true });
}

// A presence from a lobby room occupant (not the recipient's own).
export const lobbyPresenceFrom = (lobby, occupant) => (s) => s.is("presence") && s.attrs.from === occupant
	&& s.attrs.from.startsWith(`${lobby}/`);

// Assert that CLIENT received nothing matching within MS.
export async function assertNothing(client, match, ms, what) {
	const since = client.stanzas.length;
	await new Promise((r) => setTimeout(r, ms));
	const got = client.stanzas.slice(since).find(match) ?? client.stanzas.slice(0, since).find(match);
	assert.equal(got, undefined, `${what}: ${got}`);
}

// A guest refused with the 407 lobby error; returns the lobby JID it names.
export function assertLobbyError(r, lobbyJid) {
	assert.ok(!r.ok, `guest got in: ${r}`);
	assert.equal(r.errorType, "auth");
	assert.equal(r.error.attrs.code, "407");
	assert.equal(r.condition, "registration-required");
	assert.equal(r.error.getChildText("lobbyroom", NS.jitmeet), lobbyJid);
	return lobbyJid;
}

// The routed invitation the approved guest receives (c-knock-approve.xml).
export function assertRoutedInvite(s, { room, actor, id }) {
	assert.equal(s.attrs.from, room);
	assert.equal(s.attrs.id, id, "the routed invite keeps the moderator's message id");
	const x = s.getChild("x", NS.mucUser);
	const invite = x?.getChild("invite");
	assert.equal(invite?.attrs.from, actor, `invite from: ${s}`);
	assert.ok(invite.getChild("reason"), `no <reason/> in the invite: ${s}`);
	assert.equal(s.getChild("x", NS.conference)?.attrs.jid, room, `no jabber:x:conference: ${s}`);
	assert.equal(s.getChildText("body"), `${actor} invited you to the room ${room}`);
}

export const isInviteFrom = (room) => (s) => s.is("message") && s.attrs.from === room && s.attrs.type !== "error"
	&& s.getChild("x", NS.mucUser)?.getChild("invite");

// A lobbyd "lobby:" log line containing every one of PARTS.
export const lobbyLine = (...parts) => (line) => /\bINFO\s+lobby:/.test(line) && parts.every((p) => line.includes(p));
