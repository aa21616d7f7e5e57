// Lobby limits on the real stack. Size caps, lobby_max_waiting (one meeting) and
// lobby_max_waiting_total (all lobbies): the knock past a cap is refused with a reason the client
// gets and a log line; a place that frees up can be taken again. lobby_max_wait: a knocker nobody
// lets in is sent away with the reason.
import { describe, test } from "./lib/test.mjs";
import assert from "node:assert/strict";
import { useStack } from "./lib/stack.mjs";
import { NS } from "./lib/client.mjs";
import { mint } from "./lib/token.mjs";
import { clientPool, rand } from "./lib/util.mjs";
import { hex8, assertLobbyError } from "./lib/lobby.mjs";

// A tokenless guest sent to the lobby of WHERE ({ room, lobby }) knocks there as NAME.
async function knockWith(connect, { room, lobby }, name) {
	const c = await connect();
	assertLobbyError(await c.join(room, { displayName: name }), lobby);
	const nick = hex8();
	return { c, nick, r: await c.joinLobby(lobby, { nick, displayName: name }) };
}

describe("lobby_max_waiting and lobby_max_waiting_total", { timeout: 60000 }, () => {
	const s = useStack({ lobbydExtra: "lobby_default = on\nlobby_max_waiting = 1\nlobby_max_waiting_total = 2" });
	const connect = clientPool(s);
	const env = () => s.stack.env;

	async function openRoom() {
		const node = `cap-${rand()}`;
		const room = `${node}@${env().MUC_DOMAIN}`, lobby = `${node}@${env().LOBBY_DOMAIN}`;
		const owner = await connect({ token: mint(s.stack, { room: node, moderator: true, name: "Owner" }) });
		assert.ok((await owner.join(room, { displayName: "Owner" })).ok);
		return { room, lobby };
	}

	const knock = (where, name) => knockWith(connect, where, name);

	const refusedFor = (r, text) => {
		assert.ok(!r.ok, `the knock was let in: ${r}`);
		assert.equal(r.condition, "service-unavailable");
		assert.match(r.error.getChildText("text", NS.stanzas) ?? "", text);
	};

	test("a full meeting lobby refuses the next knocker, and takes one again when a place frees up", async () => {
		const a = await openRoom();
		const first = await knock(a, "First");
		assert.ok(first.r.ok, `${first.r}`);
		const mark = s.stack.mark("lobbyd");
		const second = await knock(a, "Second");
		refusedFor(second.r, /this meeting's lobby is full \(1 waiting\)/);
		await s.stack.waitLog("lobbyd", (l) => l.includes("muc: refused a lobby join") && l.includes(second.c.jid)
			&& l.includes("this meeting's lobby is full"), { offset: mark });
		await first.c.leave(`${a.lobby}/${first.nick}`);
		await new Promise((r) => setTimeout(r, 200));
		const third = await second.c.joinLobby(a.lobby, { nick: hex8(), displayName: "Second" });
		assert.ok(third.ok, `the freed place was not taken: ${third}`);
	});

	test("when all lobbies together are full, a knock anywhere is refused", async () => {
		const b = await openRoom(), c = await openRoom();
		// One is still waiting in the first test's room; one more here fills the service.
		assert.ok((await knock(b, "B")).r.ok);
		const mark = s.stack.mark("lobbyd");
		const late = await knock(c, "Late");
		refusedFor(late.r, /the lobby service is full \(2 waiting in all lobbies\)/);
		await s.stack.waitLog("lobbyd", (l) => l.includes("muc: refused a lobby join") && l.includes("the lobby service is full"),
			{ offset: mark });
	});
});

describe("lobby_max_wait", { timeout: 60000 }, () => {
	const s = useStack({ lobbydExtra: "lobby_default = on\nlobby_max_wait = 1" });
	const connect = clientPool(s);

	test("a knocker nobody lets in is sent away with the reason; the moderator sees it go", async () => {
		const node = `wait-${rand()}`;
		const room = `${node}@${s.stack.env.MUC_DOMAIN}`, lobby = `${node}@${s.stack.env.LOBBY_DOMAIN}`;
		const owner = await connect({ token: mint(s.stack, { room: node, moderator: true, name: "Owner" }) });
		assert.ok((await owner.join(room, { displayName: "Owner" })).ok);
		assert.ok((await owner.joinLobby(lobby, { nick: hex8() })).ok);
		const mark = s.stack.mark("lobbyd");
		const k = await knockWith(connect, { room, lobby }, "Patient");
		assert.ok(k.r.ok, `${k.r}`);
		const occupant = `${lobby}/${k.nick}`;
		const gone = await k.c.waitFor((x) => x.is("presence") && x.attrs.from === occupant && x.attrs.type === "unavailable",
			5000, { includePast: true });
		const destroy = gone.getChild("x", NS.mucUser)?.getChild("destroy");
		assert.ok(destroy, `no destroy: ${gone}`);
		assert.equal(destroy.attrs.jid, undefined, "a timed-out knocker is not sent into the room");
		assert.equal(destroy.getChildText("reason"), "Nobody let you in within 1 second; please try again later.");
		await owner.waitFor((x) => x.is("presence") && x.attrs.from === occupant && x.attrs.type === "unavailable",
			5000, { includePast: true });
		await s.stack.waitLog("lobbyd", (l) => l.includes(`lobby: room=${lobby} timeout`) && l.includes(k.c.jid),
			{ offset: mark });
	});
});
