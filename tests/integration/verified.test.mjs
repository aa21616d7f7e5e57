// What moderators see of a knocker on the real stack: a knocker whose token lobbyd verified is
// shown with its token's name and e-mail (in the <nick/> and <email/> the stock client displays,
// in place of the ones it typed) and <knocker-identity xmlns='urn:lobbyd:identity:0'
// verified='token' name=… email=…/>; a tokenless knocker is shown as it typed, verified='none',
// and an identity element it forges in its own presence never reaches the moderator. The mark
// survives a restart of lobbyd with the waiters.
import { describe, test } from "./lib/test.mjs";
import assert from "node:assert/strict";
import { useStack } from "./lib/stack.mjs";
import { NS, xml } from "./lib/client.mjs";
import { mint, mintLocal } from "./lib/token.mjs";
import { clientPool, rand } from "./lib/util.mjs";
import { hex8, assertLobbyError, lobbyLine, lobbyPresenceFrom } from "./lib/lobby.mjs";

const NS_IDENTITY = "urn:lobbyd:identity:0";

// What the moderator's last presence of OCCUPANT shows.
function shown(client, lobby, occupant) {
	const all = client.stanzas.filter((x) => lobbyPresenceFrom(lobby, occupant)(x) && x.attrs.type === undefined);
	const p = all[all.length - 1];
	assert.ok(p, `no presence of ${occupant}`);
	const ids = p.getChildren("knocker-identity", NS_IDENTITY);
	assert.equal(ids.length, 1, `not one knocker-identity: ${p}`);
	// Nothing of the knocker's own making is passed on (lib-jitsi-meet reads children by name).
	assert.equal(p.children.filter((c) => typeof c !== "string"
		&& (c.name === "knocker-identity" || c.name === "identity")).length, 1,
		`an element the knocker sent was passed on: ${p}`);
	return {
		nick: p.getChildText("nick", NS.nick), email: p.getChildText("email") ?? undefined,
		verified: ids[0].attrs.verified, name: ids[0].attrs.name, vemail: ids[0].attrs.email,
	};
}

const FORGED = () => xml("knocker-identity", { xmlns: NS_IDENTITY, verified: "token", name: "The Boss",
	email: "boss@example.com" });

describe("a knocker's verified identity", { timeout: 90000 }, () => {
	const s = useStack({ lobbydExtra: "lobby_default = on" });
	const connect = clientPool(s);
	const env = () => s.stack.env;
	const node = `ver-${rand()}`;
	const room = () => `${node}@${env().MUC_DOMAIN}`, lobby = () => `${node}@${env().LOBBY_DOMAIN}`;
	const st = {};

	async function ownerInLobby() {
		const nick = hex8();
		assert.ok((await st.owner.joinLobby(lobby(), { nick })).ok);
		st.ownerLobby = `${lobby()}/${nick}`;
	}

	test("the owner opens the room and sits in its lobby room", async () => {
		st.owner = await connect({ token: mint(s.stack, { room: node, moderator: true, name: "Owner" }) });
		const o = await st.owner.join(room(), { displayName: "Owner", nick: "owner" });
		assert.deepEqual([o.ok, o.affiliation], [true, "owner"], `${o}`);
		await ownerInLobby();
	});

	test("a token knocker is shown with its token's name and e-mail, verified", async () => {
		const token = mintLocal(s.stack, { room: node, claims: { context: { user: {
			id: "u-alice", name: "Alice Real", email: "alice@example.com" } } } });
		st.alice = await connect({ token });
		assertLobbyError(await st.alice.join(room(), { displayName: "typed alice" }), lobby());
		const mark = s.stack.mark("lobbyd");
		st.aliceNick = hex8();
		assert.ok((await st.alice.joinLobby(lobby(), { nick: st.aliceNick, displayName: "typed alice",
			email: "typed@example.org" })).ok);
		const occupant = `${lobby()}/${st.aliceNick}`;
		// The e-mail presence has reached the owner too.
		await st.owner.waitFor((x) => lobbyPresenceFrom(lobby(), occupant)(x) && x.getChildText("email") !== null,
			5000, { includePast: true });
		assert.deepEqual(shown(st.owner, lobby(), occupant), { nick: "Alice Real", email: "alice@example.com",
			verified: "token", name: "Alice Real", vemail: "alice@example.com" });
		await s.stack.waitLog("lobbyd", lobbyLine("knock", `jid=${st.alice.jid}`, "name=\"Alice Real\"",
			"verified=token"), { offset: mark });
	});

	test("a tokenless knocker is shown as typed, not verified, and its forged element is dropped", async () => {
		st.guest = await connect();
		assertLobbyError(await st.guest.join(room(), { displayName: "The Boss" }), lobby());
		st.guestNick = hex8();
		const occupant = `${lobby()}/${st.guestNick}`;
		const mark = s.stack.mark("lobbyd");
		// lib-jitsi-meet's two presences, each with an identity element of the guest's own making.
		const self = st.guest.waitFor((x) => x.attrs.from === occupant && x.is("presence"));
		await st.guest.xmpp.send(xml("presence", { to: occupant }, xml("x", { xmlns: NS.muc }),
			xml("nick", { xmlns: NS.nick }, "The Boss"), FORGED(),
			xml("identity", {}, xml("user", {}, xml("name", {}, "The Boss")))));
		assert.equal((await self).attrs.type, undefined, `${await self}`);
		await st.guest.xmpp.send(xml("presence", { to: occupant }, xml("nick", { xmlns: NS.nick }, "The Boss"),
			xml("email", {}, "boss@example.com"), FORGED()));
		await st.owner.waitFor((x) => lobbyPresenceFrom(lobby(), occupant)(x) && x.getChildText("email") !== null,
			5000, { includePast: true });
		assert.deepEqual(shown(st.owner, lobby(), occupant), { nick: "The Boss", email: "boss@example.com",
			verified: "none", name: undefined, vemail: undefined });
		await s.stack.waitLog("lobbyd", lobbyLine("knock", `jid=${st.guest.jid}`, "verified=none"), { offset: mark });
	});

	test("after a restart of lobbyd the waiters keep what was vouched for", async () => {
		s.stack.ctl("lobbyd-stop");
		const mark = s.stack.mark("lobbyd");
		s.stack.ctl("lobbyd-start");
		await s.stack.waitLog("lobbyd", /stream: checked \d+ sessions with the bridge/, { offset: mark });
		// The owner's client enters the lobby room again and is shown everyone waiting.
		await st.owner.leave(st.ownerLobby);
		await st.owner.waitFor((x) => x.attrs.from === st.ownerLobby && x.attrs.type === "unavailable", 5000,
			{ includePast: true });
		const seen = st.owner.stanzas.length;
		await ownerInLobby();
		const alice = `${lobby()}/${st.aliceNick}`, guest = `${lobby()}/${st.guestNick}`;
		for (const occupant of [alice, guest])
			await st.owner.waitFor((x) => lobbyPresenceFrom(lobby(), occupant)(x) && st.owner.stanzas.indexOf(x) >= seen,
				5000, { includePast: true });
		assert.deepEqual(shown(st.owner, lobby(), alice), { nick: "Alice Real", email: "alice@example.com",
			verified: "token", name: "Alice Real", vemail: "alice@example.com" });
		assert.deepEqual(shown(st.owner, lobby(), guest), { nick: "The Boss", email: "boss@example.com",
			verified: "none", name: undefined, vemail: undefined });
	});
});
