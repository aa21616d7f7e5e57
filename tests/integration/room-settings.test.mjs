// An owner token's settings for its own room on the real stack: context.room.allow (from an issuer
// in room_allow_issuers) lets the listed guests walk past the lobby (rule=room-allow), and
// context.room.before_host governs the room's next call; both survive a restart of lobbyd.
import { describe, test } from "./lib/test.mjs";
import assert from "node:assert/strict";
import { useStack, verdictLine, assertNotAsked } from "./lib/stack.mjs";
import { mintLocal } from "./lib/token.mjs";
import { clientPool, rand } from "./lib/util.mjs";
import { assertLobbyError, lobbyLine } from "./lib/lobby.mjs";

const ownerToken = (s, node, room) => mintLocal(s.stack, { room: node, claims: { context: {
	user: { id: `u-${rand()}`, name: "Host", moderator: true }, room } } });
const guestToken = (s, node, email) => mintLocal(s.stack, { room: node, claims: { context: {
	user: { id: `u-${rand()}`, name: "Guest", email } } } });

async function restart(s) {
	const mark = s.stack.mark("lobbyd");
	s.stack.ctl("lobbyd-restart");
	await s.stack.waitLog("lobbyd", (l) => l.includes("stream: connected"), { offset: mark });
}

describe("context.room.allow from a trusted issuer", { timeout: 90000 }, () => {
	const s = useStack({ lobbydExtra: "lobby_default = on\nroom_allow_issuers = someone-else lobbyd-test" });
	const connect = clientPool(s);

	test("listed guests walk in as members, others knock, and the list survives a restart", async () => {
		const node = `allow-${rand()}`;
		const room = `${node}@${s.stack.env.MUC_DOMAIN}`, lobby = `${node}@${s.stack.env.LOBBY_DOMAIN}`;
		const owner = await connect({ token: ownerToken(s, node, { allow: ["ann@example.com", "@partner.test"] }) });
		let mark = s.stack.mark("lobbyd");
		assert.ok((await owner.join(room, { displayName: "Host" })).ok);
		await s.stack.waitLog("lobbyd", lobbyLine(`room=${room}`, "allow_list=2", 'iss="lobbyd-test"'), { offset: mark });

		const ann = await connect({ token: guestToken(s, node, "Ann@Example.com") });
		mark = s.stack.mark("lobbyd");
		const a = await ann.join(room, { displayName: "Ann" });
		assert.deepEqual([a.ok, a.affiliation], [true, "member"], `${a}`);
		await s.stack.waitLog("lobbyd", (l) => verdictLine(room, "allow")(l) && l.includes("rule=room-allow"), { offset: mark });

		const stranger = await connect({ token: guestToken(s, node, "eve@elsewhere.test") });
		assertLobbyError(await stranger.join(room, { displayName: "Eve" }), lobby);

		await restart(s);
		const partner = await connect({ token: guestToken(s, node, "zed@partner.test") });
		mark = s.stack.mark("lobbyd");
		const p = await partner.join(room, { displayName: "Zed" });
		assert.deepEqual([p.ok, p.affiliation], [true, "member"], `after a restart: ${p}`);
		await s.stack.waitLog("lobbyd", (l) => verdictLine(room, "allow")(l) && l.includes("rule=room-allow"), { offset: mark });
	});

	test("a malformed list is refused on its own: the owner still walks in", async () => {
		const node = `allow-${rand()}`;
		const room = `${node}@${s.stack.env.MUC_DOMAIN}`;
		const owner = await connect({ token: ownerToken(s, node, { allow: ["bob@meet.test/phone"] }) });
		const mark = s.stack.mark("lobbyd");
		const o = await owner.join(room, { displayName: "Host" });
		assert.deepEqual([o.ok, o.affiliation], [true, "owner"], `${o}`);
		await s.stack.waitLog("lobbyd", (l) => /\bWARN\s+token:/.test(l) && l.includes(`room=${room}`)
			&& l.includes("context.room.allow refused: context.room.allow[0]"), { offset: mark });
	});
});

describe("context.room.allow without room_allow_issuers", { timeout: 60000 }, () => {
	const s = useStack({ lobbydExtra: "lobby_default = on" });
	const connect = clientPool(s);

	test("the list is ignored, and lobbyd says so once for the room", async () => {
		const node = `allow-${rand()}`;
		const room = `${node}@${s.stack.env.MUC_DOMAIN}`, lobby = `${node}@${s.stack.env.LOBBY_DOMAIN}`;
		const token = ownerToken(s, node, { allow: ["ann@example.com"] });
		const mark = s.stack.mark("lobbyd");
		const owner = await connect({ token });
		assert.ok((await owner.join(room, { displayName: "Host" })).ok);
		const second = await connect({ token });
		assert.ok((await second.join(room, { displayName: "Host 2" })).ok);
		await s.stack.waitLog("lobbyd", (l) => verdictLine(room, "allow")(l) && l.includes("Host 2"), { offset: mark });
		const ann = await connect({ token: guestToken(s, node, "ann@example.com") });
		assertLobbyError(await ann.join(room, { displayName: "Ann" }), lobby);
		const said = s.stack.readFrom("lobbyd", mark).split("\n").filter((l) => /\bINFO\s+lobby:/.test(l)
			&& l.includes(`room=${room}`) && l.includes("context.room.allow ignored") && l.includes("room_allow_issuers"));
		assert.equal(said.length, 1, said.join("\n"));
	});
});

describe("context.room.before_host", { timeout: 90000 }, () => {
	const s = useStack({ lobbydExtra: "before_host = allow" });
	const connect = clientPool(s);

	test("the owner's deny governs the room's next call, across a restart; other rooms keep the deployment's", async () => {
		const node = `bh-${rand()}`;
		const room = `${node}@${s.stack.env.MUC_DOMAIN}`;
		const owner = await connect({ token: ownerToken(s, node, { before_host: "deny" }) });
		let mark = s.stack.mark("lobbyd");
		const o = await owner.join(room, { displayName: "Host" });
		assert.ok(o.ok, `${o}`);
		await s.stack.waitLog("lobbyd", lobbyLine(`room=${room}`, "before_host=deny", "rule=owner-token"), { offset: mark });
		// With the host inside, guests come in as usual, without a round trip.
		const early = await connect();
		mark = s.stack.mark("lobbyd");
		assert.ok((await early.join(room, { displayName: "Early" })).ok);
		assertNotAsked(s.stack, mark, early.jid, "a guest's join with the host inside");
		mark = s.stack.mark("lobbyd");
		await early.close();
		await owner.leave(o.occupantJid);
		await s.stack.waitLog("lobbyd", lobbyLine(`room=${room}`, "destroyed"), { offset: mark });

		await restart(s);
		const guest = await connect();
		mark = s.stack.mark("lobbyd");
		const g = await guest.join(room, { displayName: "Next week" });
		assert.ok(!g.ok, `${g}`);
		assert.equal(g.condition, "not-allowed");
		await s.stack.waitLog("lobbyd", (l) => verdictLine(room, "deny")(l) && l.includes("rule=before-host"), { offset: mark });

		// Another room keeps the deployment's before_host (allow): its creation is asked about
		// (a room kept from an earlier call could be it), its next guest's join is not.
		const other = `${`bh-${rand()}`}@${s.stack.env.MUC_DOMAIN}`;
		const free = await connect();
		mark = s.stack.mark("lobbyd");
		assert.ok((await free.join(other, { displayName: "Elsewhere" })).ok);
		await s.stack.waitLog("lobbyd", (l) => verdictLine(other, "allow")(l) && l.includes("rule=no-lobby"), { offset: mark });
		const second = await connect();
		mark = s.stack.mark("lobbyd");
		assert.ok((await second.join(other, { displayName: "Second" })).ok);
		assertNotAsked(s.stack, mark, second.jid, "a guest's join into a room without settings of its own");
	});
});
