// Lobby on by default (lobby_default = on), the first owner's say over it (context.room.lobby
// in the owner's token) and lobby_off_after = first-owner, on the real stack. A room whose lobby
// comes on by default never strands its owner: an owner token walks in.
import { describe, test } from "./lib/test.mjs";
import assert from "node:assert/strict";
import { useStack, verdictLine, assertNotAsked } from "./lib/stack.mjs";
import { NS, xml } from "./lib/client.mjs";
import { mint, mintLocal } from "./lib/token.mjs";
import { clientPool, rand } from "./lib/util.mjs";
import { hex8, statuses, assertLobbyError, lobbyLine } from "./lib/lobby.mjs";

const membersOnly = async (c, room) => (await c.discoInfo(room)).getChildren("feature")
	.some((f) => f.attrs.var === "muc_membersonly");

// An owner token whose context.room.lobby says what the owner wants for the room.
function ownerWishing(stack, node, lobby) {
	return mintLocal(stack, { room: node, claims: { context: {
		user: { id: `u-${rand()}`, name: "Owner", moderator: true }, room: { lobby } } } });
}

describe("lobby_default = on", { timeout: 90000 }, () => {
	const s = useStack({ lobbydExtra: "lobby_default = on" });
	const connect = clientPool(s);
	const env = () => s.stack.env;
	const names = () => {
		const node = `dflt-${rand()}`;
		return { node, room: `${node}@${env().MUC_DOMAIN}`, lobby: `${node}@${env().LOBBY_DOMAIN}` };
	};

	test("an owner token opens a new room with its lobby on; a guest is sent to the lobby and knocks", async () => {
		const { node, room, lobby } = names();
		const owner = await connect({ token: mint(s.stack, { room: node, moderator: true, name: "Owner" }) });
		const mark = s.stack.mark("lobbyd");
		const o = await owner.join(room, { displayName: "Owner" });
		assert.deepEqual([o.ok, o.affiliation, o.role], [true, "owner", "moderator"], `${o}`);
		await s.stack.waitLog("lobbyd", lobbyLine(`room=${room}`, "lobby=on", "rule=lobby-default"), { offset: mark });
		assert.equal(await membersOnly(owner, room), true, "the new room is not members-only");
		const guest = await connect();
		assertLobbyError(await guest.join(room, { displayName: "Guest" }), lobby);
		const nick = hex8();
		const k = await guest.joinLobby(lobby, { nick, displayName: "Guest" });
		assert.ok(k.ok, `knock refused: ${k}`);
		// The owner rejoins: still walks in, as owner.
		await owner.leave(o.occupantJid);
		const again = await owner.join(room, { displayName: "Owner" });
		assert.deepEqual([again.ok, again.affiliation], [true, "owner"], `${again}`);
	});

	test("a tokenless join that creates a room is asked about and gets the lobby too", async () => {
		const { room, lobby } = names();
		const creator = await connect(); // stands in for Jicofo, which opens rooms before anyone joins
		const mark = s.stack.mark("lobbyd");
		const c = await creator.join(room, { displayName: "Creator" });
		assert.ok(c.ok, `${c}`);
		await s.stack.waitLog("lobbyd", verdictLine(room, "allow"), { offset: mark });
		assert.equal(await membersOnly(creator, room), true);
		const guest = await connect();
		assertLobbyError(await guest.join(room, { displayName: "Guest" }), lobby);
	});

	test("the first owner's token says lobby false: the default lobby goes off and the waiting walk in", async () => {
		const { node, room, lobby } = names();
		const creator = await connect();
		assert.ok((await creator.join(room, { displayName: "Creator" })).ok);
		const guest = await connect();
		assertLobbyError(await guest.join(room, { displayName: "Waiting" }), lobby);
		const nick = hex8();
		assert.ok((await guest.joinLobby(lobby, { nick, displayName: "Waiting" })).ok);
		const owner = await connect({ token: ownerWishing(s.stack, node, false) });
		const mark = s.stack.mark("lobbyd");
		const o = await owner.join(room, { displayName: "Owner" });
		assert.deepEqual([o.ok, o.affiliation], [true, "owner"], `${o}`);
		await s.stack.waitLog("lobbyd", lobbyLine(`room=${room}`, "lobby=off", "rule=owner-token", "released=1"),
			{ offset: mark });
		const gone = await guest.waitFor((x) => x.is("presence") && x.attrs.from === `${lobby}/${nick}`
			&& x.attrs.type === "unavailable", 5000, { includePast: true });
		assert.equal(gone.getChild("x", NS.mucUser)?.getChild("destroy")?.attrs.jid, room, `${gone}`);
		const m104 = await creator.waitFor((x) => x.is("message") && x.attrs.from === room
			&& statuses(x).includes("104"), 5000, { includePast: true });
		assert.ok(m104);
		assert.equal(await membersOnly(owner, room), false, "the room is still members-only");
		const r = await guest.join(room, { displayName: "Waiting" });
		assert.ok(r.ok, `the released guest cannot get in: ${r}`);
		// Only the first owner has that say: a moderator turns the lobby back on, and a later
		// owner token asking for no lobby changes nothing.
		await owner.setMembersOnly(room, true);
		const second = await connect({ token: ownerWishing(s.stack, node, false) });
		assert.ok((await second.join(room, { displayName: "Second" })).ok);
		assert.equal(await membersOnly(second, room), true, "a later owner's token switched the lobby");
	});

	test("an owner token with lobby false opens a new room without a lobby", async () => {
		const { node, room } = names();
		const owner = await connect({ token: ownerWishing(s.stack, node, "false") });
		assert.ok((await owner.join(room, { displayName: "Owner" })).ok);
		assert.equal(await membersOnly(owner, room), false);
		const guest = await connect();
		const g = await guest.join(room, { displayName: "Guest" });
		assert.ok(g.ok, `${g}`);
	});
});

describe("lobby_off_after = first-owner", { timeout: 60000 }, () => {
	const s = useStack({ lobbydExtra: "lobby_default = on\nlobby_off_after = first-owner" });
	const connect = clientPool(s);

	test("guests wait in the default lobby until the first owner arrives, then walk in", async () => {
		const node = `first-${rand()}`;
		const room = `${node}@${s.stack.env.MUC_DOMAIN}`, lobby = `${node}@${s.stack.env.LOBBY_DOMAIN}`;
		const creator = await connect();
		assert.ok((await creator.join(room, { displayName: "Creator" })).ok);
		const guest = await connect();
		assertLobbyError(await guest.join(room, { displayName: "Early" }), lobby);
		const nick = hex8();
		assert.ok((await guest.joinLobby(lobby, { nick, displayName: "Early" })).ok);
		const owner = await connect({ token: mint(s.stack, { room: node, moderator: true, name: "Host" }) });
		const mark = s.stack.mark("lobbyd");
		assert.ok((await owner.join(room, { displayName: "Host" })).ok);
		await s.stack.waitLog("lobbyd", lobbyLine(`room=${room}`, "lobby=off", "rule=first-owner", "released=1"),
			{ offset: mark });
		await guest.waitFor((x) => x.is("presence") && x.attrs.from === `${lobby}/${nick}` && x.attrs.type === "unavailable",
			5000, { includePast: true });
		assert.ok((await guest.join(room, { displayName: "Early" })).ok);
	});
});

// The room's disco#info, or the error Prosody answers for a room that does not exist.
const roomExists = async (c, room) => (await c.iqAnswer("get", room, xml("query", { xmlns: NS.discoInfo }))).name !== "error";

describe("before_host = wait", { timeout: 60000 }, () => {
	const s = useStack({ lobbydExtra: "before_host = wait" });
	const connect = clientPool(s);

	test("guests of a room no host has opened wait in its lobby; the first host finds them there", async () => {
		const node = `host-${rand()}`;
		const room = `${node}@${s.stack.env.MUC_DOMAIN}`, lobby = `${node}@${s.stack.env.LOBBY_DOMAIN}`;
		const guest = await connect();
		let mark = s.stack.mark("lobbyd");
		assertLobbyError(await guest.join(room, { displayName: "Early" }), lobby);
		await s.stack.waitLog("lobbyd", (l) => verdictLine(room, "lobby")(l) && l.includes("rule=before-host"),
			{ offset: mark });
		assert.equal(await roomExists(guest, room), false, "the guest created the room");
		const nick = hex8();
		assert.ok((await guest.joinLobby(lobby, { nick, displayName: "Early", email: "early@example.org" })).ok,
			"the knock of a guest waiting for the host was refused");

		const host = await connect({ token: mint(s.stack, { room: node, moderator: true, name: "Host" }) });
		mark = s.stack.mark("lobbyd");
		const h = await host.join(room, { displayName: "Host" });
		assert.deepEqual([h.ok, h.affiliation], [true, "owner"], `${h}`);
		await s.stack.waitLog("lobbyd", lobbyLine(`room=${room}`, "lobby=on", "rule=before-host"), { offset: mark });
		assert.equal(await membersOnly(host, room), true, "the host's room has no lobby for the waiting guest");
		// The host's client joins the lobby room as its moderator and sees who waited.
		assert.ok((await host.joinLobby(lobby, { nick: hex8() })).ok);
		const seen = await host.waitFor((x) => x.is("presence") && x.attrs.from === `${lobby}/${nick}`, 5000,
			{ includePast: true });
		assert.equal(seen.getChild("x", NS.mucUser)?.getChild("item")?.attrs.jid, guest.jid);
		// Now the room is hosted: a new guest meets the lobby as usual.
		const late = await connect();
		mark = s.stack.mark("lobbyd");
		assertLobbyError(await late.join(room, { displayName: "Late" }), lobby);
		await s.stack.waitLog("lobbyd", (l) => verdictLine(room, "lobby")(l) && l.includes("rule=lobby "), { offset: mark });
	});

	test("once its host is in, guests join the open room without a round trip; rooms still waiting ask", async () => {
		const node = `open-${rand()}`;
		const room = `${node}@${s.stack.env.MUC_DOMAIN}`;
		const host = await connect({ token: mint(s.stack, { room: node, moderator: true, name: "Host" }) });
		const h = await host.join(room, { displayName: "Host" });
		assert.deepEqual([h.ok, h.affiliation], [true, "owner"], `${h}`);
		assert.equal(await membersOnly(host, room), false, "nobody waited, yet the room got a lobby");
		const guest = await connect();
		let mark = s.stack.mark("lobbyd");
		const g = await guest.join(room, { displayName: "Guest" });
		assert.deepEqual([g.ok, g.affiliation], [true, "none"], `${g}`);
		assertNotAsked(s.stack, mark, guest.jid, "a guest's join into a hosted open room");
		// A room nobody has opened is still lobbyd's to judge.
		const other = `wait-${rand()}`;
		mark = s.stack.mark("lobbyd");
		assertLobbyError(await guest.join(`${other}@${s.stack.env.MUC_DOMAIN}`, { displayName: "Guest" }),
			`${other}@${s.stack.env.LOBBY_DOMAIN}`);
		await s.stack.waitLog("lobbyd", (l) => verdictLine(other, "lobby")(l) && l.includes("rule=before-host"),
			{ offset: mark });
	});
});

describe("before_host = wait with lobby_off_after = first-owner", { timeout: 60000 }, () => {
	const s = useStack({ lobbydExtra: "before_host = wait\nlobby_off_after = first-owner" });
	const connect = clientPool(s);

	test("the guests wait for the host, and walk in when it arrives", async () => {
		const node = `wfh-${rand()}`;
		const room = `${node}@${s.stack.env.MUC_DOMAIN}`, lobby = `${node}@${s.stack.env.LOBBY_DOMAIN}`;
		const guest = await connect();
		assertLobbyError(await guest.join(room, { displayName: "Early" }), lobby);
		const nick = hex8();
		assert.ok((await guest.joinLobby(lobby, { nick, displayName: "Early" })).ok);
		const host = await connect({ token: mint(s.stack, { room: node, moderator: true, name: "Host" }) });
		const mark = s.stack.mark("lobbyd");
		assert.ok((await host.join(room, { displayName: "Host" })).ok);
		await s.stack.waitLog("lobbyd", lobbyLine(`room=${room}`, "lobby=off", "rule=first-owner", "released=1"),
			{ offset: mark });
		const gone = await guest.waitFor((x) => x.is("presence") && x.attrs.from === `${lobby}/${nick}`
			&& x.attrs.type === "unavailable", 5000, { includePast: true });
		assert.equal(gone.getChild("x", NS.mucUser)?.getChild("destroy")?.attrs.jid, room);
		const r = await guest.join(room, { displayName: "Early" });
		assert.deepEqual([r.ok, r.affiliation], [true, "none"], `${r}`);
	});
});

describe("before_host = deny", { timeout: 60000 }, () => {
	const s = useStack({ lobbydExtra: "before_host = deny" });
	const connect = clientPool(s);

	test("a guest is refused until a host has joined, and never creates the room", async () => {
		const node = `deny-${rand()}`;
		const room = `${node}@${s.stack.env.MUC_DOMAIN}`;
		const guest = await connect();
		const mark = s.stack.mark("lobbyd");
		const r = await guest.join(room, { displayName: "Early" });
		assert.ok(!r.ok, `${r}`);
		assert.equal(r.condition, "not-allowed");
		assert.match(r.error.getChildText("text", NS.stanzas) ?? "", /no host has joined yet/);
		await s.stack.waitLog("lobbyd", (l) => verdictLine(room, "deny")(l) && l.includes("rule=before-host"),
			{ offset: mark });
		assert.equal(await roomExists(guest, room), false);
		const host = await connect({ token: mint(s.stack, { room: node, moderator: true, name: "Host" }) });
		assert.ok((await host.join(room, { displayName: "Host" })).ok);
		const again = await guest.join(room, { displayName: "Early" });
		assert.ok(again.ok, `still refused with a host in the room: ${again}`);
	});
});
