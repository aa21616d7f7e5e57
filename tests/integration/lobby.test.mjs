// The lobby end to end, as the Jitsi Meet client drives it: enable with occupants present, knock,
// approve (one and several), deny, the owner dropping and coming back, disable with people
// waiting, the main room destroyed, and what non-owners cannot do. One stack for the file; the
// tests of a describe() run in order and share its room.
import { describe, test } from "./lib/test.mjs";
import assert from "node:assert/strict";
import { useStack, verdictLine } from "./lib/stack.mjs";
import { NS, xml } from "./lib/client.mjs";
import { mint } from "./lib/token.mjs";
import { clientPool, rand } from "./lib/util.mjs";
import { hex8, statuses, notifyOf, waitNotify, lobbyPresenceFrom, assertNothing, assertLobbyError,
	assertRoutedInvite, isInviteFrom, lobbyLine } from "./lib/lobby.mjs";

const QUIET_MS = 400; // how long "nothing arrives" is watched for

describe("the lobby of one room, flow by flow", { timeout: 90000 }, () => {
	const s = useStack();
	const connect = clientPool(s);
	const node = `lobby-${rand()}`;
	const st = {}; // shared by the ordered tests below
	const env = () => s.stack.env;
	const room = () => `${node}@${env().MUC_DOMAIN}`;
	const lobby = () => `${node}@${env().LOBBY_DOMAIN}`;

	// A tokenless guest: refused with 407, then knocks with a name and an e-mail.
	async function knock(name, email) {
		const c = await connect();
		const mark = s.stack.mark("lobbyd");
		assertLobbyError(await c.join(room(), { displayName: name }), lobby());
		await s.stack.waitLog("lobbyd", verdictLine(room(), "lobby"), { offset: mark });
		const nick = hex8();
		const r = await c.joinLobby(lobby(), { nick, displayName: name, email });
		assert.ok(r.ok, `knock refused: ${r}`);
		assert.deepEqual(r.item && [r.affiliation, r.role], ["none", "participant"]);
		return { c, nick, occupant: `${lobby()}/${nick}`, name, email };
	}

	// The owner's client sees the knocker's presence with its real JID, name and e-mail.
	async function ownerSees(owner, k) {
		const p = await owner.waitFor((x) => lobbyPresenceFrom(lobby(), k.occupant)(x) && x.attrs.type === undefined
			&& (k.email === undefined || x.getChildText("email") === k.email), 5000, { includePast: true });
		assert.equal(p.getChild("x", NS.mucUser)?.getChild("item")?.attrs.jid, k.c.jid, `no real JID: ${p}`);
		assert.equal(p.getChildText("nick", NS.nick), k.name);
		return p;
	}

	test("the VirtualHost's disco#info has the lobbyrooms identity", async () => {
		const c = await connect();
		const q = await c.discoInfo(env().DOMAIN);
		const id = q.getChildren("identity").find((i) => i.attrs.type === "lobbyrooms");
		assert.ok(id, `no lobbyrooms identity: ${q}`);
		assert.equal(id.attrs.category, "component");
		assert.equal(id.attrs.name, env().LOBBY_DOMAIN);
	});

	test("enable with occupants present: members first (full JIDs), then the config form", async () => {
		st.token = mint(s.stack, { room: node, moderator: true, name: "Owner" });
		st.owner = await connect({ token: st.token });
		const o = await st.owner.join(room(), { displayName: "Owner" });
		assert.equal(o.affiliation, "owner");
		st.ownerOccupant = o.occupantJid;
		st.g1 = await connect();
		st.g2 = await connect();
		for (const g of [st.g1, st.g2]) {
			const r = await g.join(room(), { displayName: "Early" });
			assert.deepEqual([r.affiliation, r.role], ["none", "participant"]);
			g.occupant = r.occupantJid;
		}
		// lib-jitsi-meet (2021): one IQ, one item per non-member, full JIDs.
		const grant = await st.owner.grantMembers(room(), [st.g1.jid, st.g2.jid]);
		assert.equal(grant.attrs.type, "result", `member grant refused: ${grant}`);
		const mark = s.stack.mark("lobbyd");
		await st.owner.setMembersOnly(room(), true);
		await s.stack.waitLog("lobbyd", lobbyLine(`room=${room()}`, "lobby=on", `actor=${st.owner.jid}`),
			{ offset: mark });
		for (const c of [st.owner, st.g1, st.g2]) {
			const n = await waitNotify(c, room(), "LOBBY-ENABLED");
			assert.equal(n.attrs.from, st.ownerOccupant, "LOBBY-ENABLED comes from the owner's occupant");
			assert.equal(notifyOf(n, room()).value, true);
			const m104 = await c.waitFor((x) => x.is("message") && x.attrs.from === room()
				&& statuses(x).includes("104"), 5000, { includePast: true });
			assert.ok(c.stanzas.indexOf(n) < c.stanzas.indexOf(m104), "LOBBY-ENABLED after the 104");
		}
		// The early guests stay (now members); nobody was kicked with 322.
		await assertNothing(st.g1, (x) => x.is("presence") && x.attrs.type === "unavailable"
			&& statuses(x).includes("322"), 100, "an occupant was kicked");
		const q = await st.g1.discoInfo(room());
		assert.ok(q.getChildren("feature").some((f) => f.attrs.var === "muc_membersonly"), `not members-only: ${q}`);
		const fields = q.getChild("x", NS.data).getChildren("field");
		const lobbyField = fields.find((f) => f.attrs.var === "muc#roominfo_lobbyroom");
		assert.equal(lobbyField?.attrs.label, "Lobby room jid");
		assert.equal(lobbyField.getChildText("value"), lobby());
		assert.equal(fields.find((f) => f.attrs.var === "muc#roominfo_occupants")?.getChildText("value"), "3");
	});

	test("the owner's client joins the lobby room as its moderator", async () => {
		st.ownerLobbyNick = hex8();
		const r = await st.owner.joinLobby(lobby(), { nick: st.ownerLobbyNick });
		assert.ok(r.ok, `owner refused in the lobby: ${r}`);
		assert.deepEqual([r.affiliation, r.role], ["owner", "moderator"]);
	});

	test("a guest is refused with 407, knocks, and the owner sees the knock with real JID and e-mail", async () => {
		const mark = s.stack.mark("lobbyd");
		st.k1 = await knock("Guest One", "g1@example.org");
		await s.stack.waitLog("lobbyd", lobbyLine("knock", `room=${lobby()}`, `jid=${st.k1.c.jid}`, "moderator=no"),
			{ offset: mark });
		await ownerSees(st.owner, st.k1);
	});

	test("knockers cannot see each other", async () => {
		st.k2 = await knock("Guest Two", "g2@example.org");
		await ownerSees(st.owner, st.k2);
		const others = (me) => (x) => x.is("presence") && x.attrs.from?.startsWith(`${lobby()}/`)
			&& x.attrs.from !== me.occupant;
		await assertNothing(st.k2.c, others(st.k2), QUIET_MS, "the second knocker saw another lobby occupant");
		await assertNothing(st.k1.c, others(st.k1), 0, "the first knocker saw another lobby occupant");
	});

	test("lobby chat flows between knockers and the moderator, never between knockers", async () => {
		// As lib-jitsi-meet's lobby chat: json-messages, groupchat to the room or chat to one nick.
		const chat = (type, text) => xml("json-message", { xmlns: NS.jitmeet },
			JSON.stringify({ type: "LOBBY_CHAT_MESSAGE", message: text }));
		const from = (occupant, text) => (x) => x.is("message") && x.attrs.from === occupant
			&& x.getChildText("json-message", NS.jitmeet)?.includes(text);
		const ownerOccupant = `${lobby()}/${st.ownerLobbyNick}`;

		await st.k1.c.xmpp.send(xml("message", { to: lobby(), type: "groupchat" }, chat("groupchat", "hello from k1")));
		await st.owner.waitFor(from(st.k1.occupant, "hello from k1"), 5000, { includePast: true });
		await st.k1.c.waitFor(from(st.k1.occupant, "hello from k1"), 5000, { includePast: true }); // the echo
		await assertNothing(st.k2.c, from(st.k1.occupant, "hello from k1"), QUIET_MS,
			"a knocker's message reached another knocker");

		await st.owner.xmpp.send(xml("message", { to: st.k2.occupant, type: "chat" }, chat("chat", "wait please")));
		await st.k2.c.waitFor(from(ownerOccupant, "wait please"), 5000, { includePast: true });
		await assertNothing(st.k1.c, from(ownerOccupant, "wait please"), QUIET_MS,
			"a private message reached another knocker");

		await st.k1.c.xmpp.send(xml("message", { to: st.k2.occupant, type: "chat", id: "k2k" }, chat("chat", "psst")));
		const err = await st.k1.c.waitFor((x) => x.is("message") && x.attrs.type === "error" && x.attrs.id === "k2k",
			5000, { includePast: true });
		assert.ok(err.getChild("error")?.getChild("not-acceptable", NS.stanzas), `not refused: ${err}`);
		await assertNothing(st.k2.c, from(st.k1.occupant, "psst"), QUIET_MS, "knockers reached each other");
	});

	test("a non-owner cannot read the lobby: a member's lobby join only knocks and sees no one", async () => {
		const r = await st.g1.joinLobby(lobby(), { nick: "g1peek", displayName: "Early" });
		assert.ok(r.ok, `member refused in the lobby: ${r}`);
		assert.deepEqual([r.affiliation, r.role], ["none", "participant"]);
		await assertNothing(st.g1, (x) => x.is("presence") && x.attrs.from?.startsWith(`${lobby()}/`)
			&& x.attrs.from !== `${lobby()}/g1peek`, QUIET_MS, "a non-owner saw lobby occupants");
		await st.g1.leave(`${lobby()}/g1peek`);
		await st.owner.waitFor((x) => x.attrs.from === `${lobby()}/g1peek` && x.attrs.type === "unavailable", 5000,
			{ includePast: true });
	});

	test("a non-owner cannot approve: the invite is refused and nobody is admitted", async () => {
		const mark = s.stack.mark("lobbyd");
		const id = await st.g1.invite(room(), [st.k1.c.jid]);
		const err = await st.g1.waitFor((x) => x.is("message") && x.attrs.type === "error" && x.attrs.id === id);
		assert.equal(err.getChild("error")?.attrs.type, "auth");
		assert.ok(err.getChild("error").getChild("forbidden", NS.stanzas), `not forbidden: ${err}`);
		await s.stack.waitLog("lobbyd", lobbyLine(`room=${room()}`, "refused approve", st.g1.jid), { offset: mark });
		await assertNothing(st.k1.c, isInviteFrom(room()), QUIET_MS, "the knocker got an invite");
		const again = await st.k1.c.join(room(), { displayName: "Guest One" });
		assert.ok(!again.ok, `the knocker got in: ${again}`);
	});

	test("a non-owner cannot deny: the kick is refused and the knocker stays", async () => {
		const mark = s.stack.mark("lobbyd");
		const r = await st.k2.c.deny(lobby(), st.k1.nick);
		assert.equal(r.name, "error", `a knocker's deny went through: ${r}`);
		assert.equal(r.attrs.type, "auth");
		assert.ok(r.getChild("forbidden", NS.stanzas), `${r}`);
		await s.stack.waitLog("lobbyd", lobbyLine(`room=${lobby()}`, "refused deny"), { offset: mark });
		await assertNothing(st.k1.c, (x) => x.is("presence") && x.attrs.type === "unavailable", 100,
			"the knocker was kicked");
	});

	test("the owner approves with a mediated invite: the guest joins as member", async () => {
		const mark = s.stack.mark("lobbyd");
		const id = await st.owner.invite(room(), [st.k1.c.jid]);
		const inv = await st.k1.c.waitFor(isInviteFrom(room()));
		assertRoutedInvite(inv, { room: room(), actor: st.owner.jid, id });
		await s.stack.waitLog("lobbyd", lobbyLine(`room=${room()}`, `admit=${st.k1.c.jid}`), { offset: mark });
		const granted = await waitNotify(st.g2, room(), "LOBBY-ACCESS-GRANTED");
		assert.equal(granted.attrs.from, st.ownerOccupant);
		assert.deepEqual(notifyOf(granted, room()), { type: "lobby-notify", event: "LOBBY-ACCESS-GRANTED",
			value: st.k1.occupant, name: "Guest One" });
		const r = await st.k1.c.join(room(), { displayName: "Guest One" });
		assert.ok(r.ok, `approved guest refused: ${r}`);
		assert.deepEqual([r.affiliation, r.role], ["member", "participant"]);
		st.k1.main = r.occupantJid;
		await s.stack.waitLog("lobbyd", verdictLine(room(), "allow"), { offset: mark });
		await st.k1.c.leave(st.k1.occupant); // the client leaves the lobby once in
		await st.owner.waitFor((x) => x.attrs.from === st.k1.occupant && x.attrs.type === "unavailable", 5000,
			{ includePast: true });
	});

	test("an admitted guest who leaves comes back within the window; once kicked, it knocks again", async () => {
		let mark = s.stack.mark("lobbyd");
		await st.k1.c.leave(st.k1.main);
		await st.owner.waitFor((x) => x.attrs.from === st.k1.main && x.attrs.type === "unavailable", 5000,
			{ includePast: true });
		const back = await st.k1.c.join(room(), { displayName: "Guest One" });
		assert.ok(back.ok, `admitted guest refused on rejoin: ${back}`);
		await s.stack.waitLog("lobbyd", (l) => verdictLine(room(), "allow")(l) && l.includes("rule=rejoin-window"),
			{ offset: mark });
		// The owner kicks it from the main room (muc#admin role='none'): its admission ends.
		const kicked = st.k1.c.waitFor((x) => x.attrs.from === back.occupantJid && x.attrs.type === "unavailable");
		const nick = back.occupantJid.split("/")[1];
		const res = await st.owner.iqAnswer("set", room(), xml("query", { xmlns: NS.mucAdmin },
			xml("item", { nick, role: "none" })));
		assert.equal(res.attrs.type, "result", `kick refused: ${res}`);
		await kicked;
		mark = s.stack.mark("lobbyd");
		assertLobbyError(await st.k1.c.join(room(), { displayName: "Guest One" }), lobby());
		await s.stack.waitLog("lobbyd", verdictLine(room(), "lobby"), { offset: mark });
	});

	test("the owner denies: 307 + 110 with actor and reason, LOBBY-ACCESS-DENIED in the main room", async () => {
		const mark = s.stack.mark("lobbyd");
		await st.owner.xmpp.send(xml("iq", { type: "set", to: lobby(), id: `deny-${rand()}` },
			xml("query", { xmlns: NS.mucAdmin },
				xml("item", { nick: st.k2.nick, role: "none" }, xml("reason", {}, "You have been kicked.")))));
		const kicked = await st.k2.c.waitFor((x) => x.attrs.from === st.k2.occupant && x.attrs.type === "unavailable");
		assert.deepEqual(statuses(kicked).sort(), ["110", "307"]);
		const item = kicked.getChild("x", NS.mucUser).getChild("item");
		assert.equal(item.getChild("actor")?.attrs.nick, st.ownerLobbyNick);
		assert.equal(item.getChildText("reason"), "You have been kicked.");
		const denied = await waitNotify(st.g2, room(), "LOBBY-ACCESS-DENIED");
		assert.equal(denied.attrs.from, st.ownerOccupant);
		assert.deepEqual(notifyOf(denied, room()), { type: "lobby-notify", event: "LOBBY-ACCESS-DENIED",
			value: st.k2.occupant, name: "Guest Two" });
		await s.stack.waitLog("lobbyd", lobbyLine(`room=${lobby()}`, `deny="${st.k2.nick}"`, "found=yes"), { offset: mark });
	});

	test("the owner admits several with one message carrying several invites", async () => {
		const k3 = await knock("Guest Three", "g3@example.org");
		const k4 = await knock("Guest Four", "g4@example.org");
		await ownerSees(st.owner, k3);
		await ownerSees(st.owner, k4);
		const id = await st.owner.invite(room(), [k3.c.jid, k4.c.jid]);
		for (const k of [k3, k4]) {
			assertRoutedInvite(await k.c.waitFor(isInviteFrom(room()), 5000, { includePast: true }),
				{ room: room(), actor: st.owner.jid, id });
			await waitNotify(st.g2, room(), "LOBBY-ACCESS-GRANTED", (n) => n.value === k.occupant);
			const r = await k.c.join(room(), { displayName: k.name });
			assert.deepEqual([r.ok, r.affiliation], [true, "member"], `${r}`);
			await k.c.leave(k.occupant);
		}
	});

	test("the owner drops and reconnects with the same token: owner again, and can approve", async () => {
		await st.owner.close();
		await st.g2.waitFor((x) => x.attrs.from === st.ownerOccupant && x.attrs.type === "unavailable", 5000,
			{ includePast: true });
		// Someone knocks while no owner is there.
		const k5 = await knock("Guest Five", "g5@example.org");
		const back = await connect({ token: st.token });
		assert.notEqual(back.jid, st.owner.jid, "anonymous login gave the same JID again");
		const mark = s.stack.mark("lobbyd");
		const r = await back.join(room(), { displayName: "Owner" });
		assert.ok(r.ok, `the owner was refused on reconnect: ${r}`);
		assert.deepEqual([r.affiliation, r.role], ["owner", "moderator"]);
		await s.stack.waitLog("lobbyd", (l) => verdictLine(room(), "allow")(l) && l.includes("rule=owner-claim"),
			{ offset: mark });
		const lr = await back.joinLobby(lobby(), { nick: hex8() });
		assert.deepEqual([lr.ok, lr.affiliation, lr.role], [true, "owner", "moderator"], `${lr}`);
		await ownerSees(back, k5);
		const id = await back.invite(room(), [k5.c.jid]);
		assertRoutedInvite(await k5.c.waitFor(isInviteFrom(room())), { room: room(), actor: back.jid, id });
		const in5 = await k5.c.join(room(), { displayName: "Guest Five" });
		assert.deepEqual([in5.ok, in5.affiliation], [true, "member"], `${in5}`);
		await k5.c.leave(k5.occupant);
		st.owner = back;
		st.ownerOccupant = r.occupantJid;
	});

	test("a bypass token walks in as member", async () => {
		const c = await connect({ token: mint(s.stack, { room: node, bypass: true, name: "Bypass" }) });
		const mark = s.stack.mark("lobbyd");
		const r = await c.join(room(), { displayName: "Bypass" });
		assert.deepEqual([r.ok, r.affiliation, r.role], [true, "member", "participant"], `${r}`);
		await s.stack.waitLog("lobbyd", (l) => verdictLine(room(), "allow")(l) && l.includes("rule=bypass-claim"),
			{ offset: mark });
	});

	test("a join without a display name gets 406 displayname-required", async () => {
		const c = await connect();
		const mark = s.stack.mark("lobbyd");
		const r = await c.join(room());
		assert.ok(!r.ok, `got in: ${r}`);
		assert.equal(r.error.attrs.code, "406");
		assert.equal(r.condition, "not-acceptable");
		assert.equal(r.error.getChild("displayname-required", NS.jitmeet)?.attrs.lobby, "true");
		await s.stack.waitLog("lobbyd", verdictLine(room(), "displayname"), { offset: mark });
	});

	test("a display name is asked for up front only where the stock lobby asks: the URL's room has a lobby, the user would knock", async () => {
		const FEATURE = "http://jitsi.org/protocol/lobbyrooms#displayname_required";
		// What lib-jitsi-meet asks right after connecting: the lobby domain, node lobbyrooms.
		const asked = async (c, ...children) => (await c.discoInfo(env().LOBBY_DOMAIN, "lobbyrooms", ...children))
			.getChildren("feature").some((f) => f.attrs.var === FEATURE);
		const guest = await connect({ room: node });
		assert.equal(await asked(guest), true, "a guest for a room with a lobby is not asked for a name");
		// Whatever the client claims about its own session, the bridge says what it knows.
		assert.equal(await asked(guest, xml("session", { xmlns: "urn:lobbyd:bridge:0", room: `open-${rand()}` })), true,
			"a session fact forged by the client was believed");
		const owner = await connect({ room: node, token: st.token });
		assert.equal(await asked(owner), false, "an owner is asked for a display name");
		const bypass = await connect({ room: node, token: mint(s.stack, { room: node, bypass: true, name: "B" }) });
		assert.equal(await asked(bypass), false, "a bypass token is asked for a display name");
		const elsewhere = await connect({ room: `open-${rand()}` });
		assert.equal(await asked(elsewhere), false, "asked for a name for a room without a lobby");
		const nowhere = await connect();
		assert.equal(await asked(nowhere), false, "asked for a name with no room on the URL");
		// The lobby domain itself still answers as a MUC service.
		const q = await nowhere.discoInfo(env().LOBBY_DOMAIN);
		assert.ok(q.getChildren("feature").some((f) => f.attrs.var === NS.muc), `${q}`);
	});

	test("disable with people waiting: they get the destroy presence with the main room and walk in", async () => {
		const k6 = await knock("Guest Six", "g6@example.org");
		const mark = s.stack.mark("lobbyd");
		await st.owner.setMembersOnly(room(), false);
		// lobbyd releases the waiting before it answers: the presence may precede the IQ result.
		const gone = await k6.c.waitFor((x) => x.attrs.from === k6.occupant && x.attrs.type === "unavailable", 5000,
			{ includePast: true });
		const destroy = gone.getChild("x", NS.mucUser)?.getChild("destroy");
		assert.equal(destroy?.attrs.jid, room(), `no destroy with the main room: ${gone}`);
		await s.stack.waitLog("lobbyd", lobbyLine(`room=${room()}`, "lobby=off", "released=1"), { offset: mark });
		const off = await waitNotify(st.g2, room(), "LOBBY-ENABLED", (n) => n.value === false);
		assert.equal(off.attrs.from, st.ownerOccupant);
		const r = await k6.c.join(room(), { displayName: "Guest Six" });
		assert.ok(r.ok, `released knocker refused: ${r}`);
		const q = await k6.c.discoInfo(room());
		assert.ok(q.getChildren("feature").some((f) => f.attrs.var === "muc_open"));
		assert.ok(!q.getChild("x", NS.data).getChildren("field").some((f) => f.attrs.var === "muc#roominfo_lobbyroom"));
	});
});

describe("a main room destroyed with people waiting", { timeout: 60000 }, () => {
	const s = useStack();
	const connect = clientPool(s);

	test("the knocker gets the destroy presence without a jid", async () => {
		const { env } = s.stack;
		const node = `gone-${rand()}`;
		const room = `${node}@${env.MUC_DOMAIN}`;
		const lobby = `${node}@${env.LOBBY_DOMAIN}`;
		const owner = await connect({ token: mint(s.stack, { room: node, moderator: true, name: "Owner" }) });
		assert.ok((await owner.join(room, { displayName: "Owner" })).ok);
		await owner.setMembersOnly(room, true);
		const guest = await connect();
		assertLobbyError(await guest.join(room, { displayName: "Waiting" }), lobby);
		const nick = hex8();
		assert.ok((await guest.joinLobby(lobby, { nick, displayName: "Waiting" })).ok);
		const mark = s.stack.mark("lobbyd");
		// lobbyd's presence may reach the guest before the owner's result: wait from before the send.
		const goneP = guest.waitFor((x) => x.attrs.from === `${lobby}/${nick}` && x.attrs.type === "unavailable");
		await owner.iq("set", room, xml("query", { xmlns: NS.mucOwner }, xml("destroy", {}, xml("reason", {}, "bye"))));
		const gone = await goneP;
		const destroy = gone.getChild("x", NS.mucUser)?.getChild("destroy");
		assert.ok(destroy, `no destroy: ${gone}`);
		assert.equal(destroy.attrs.jid, undefined, `destroy names a room: ${gone}`);
		await s.stack.waitLog("lobbyd", lobbyLine(`room=${room}`, "destroyed", "told=1"), { offset: mark });
	});
});
