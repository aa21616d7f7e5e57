// What a knocker is told on the real stack: the deployment's lobby_message, or the room's own from
// its owner's token (context.room.lobby_message), and with lobby_show_position how many wait ahead,
// as a room message from the lobby room; it survives a restart of lobbyd.
import { describe, test } from "./lib/test.mjs";
import assert from "node:assert/strict";
import { useStack } from "./lib/stack.mjs";
import { mint, mintLocal } from "./lib/token.mjs";
import { clientPool, rand } from "./lib/util.mjs";
import { assertLobbyError, assertNothing, hex8 } from "./lib/lobby.mjs";

const isNotice = (lobby) => (x) => x.is("message") && x.attrs.from === lobby && x.attrs.type === "groupchat";

describe("lobby_message and lobby_show_position", { timeout: 90000 }, () => {
	const s = useStack({ lobbydExtra: "lobby_default = on\nlobby_message = Welcome; a host will let you in.\n"
		+ "lobby_show_position = yes" });
	const connect = clientPool(s);
	const env = () => s.stack.env;

	// A room an owner opened with TOKEN (lobby on by default).
	async function openRoom(node, token) {
		const room = `${node}@${env().MUC_DOMAIN}`, lobby = `${node}@${env().LOBBY_DOMAIN}`;
		const owner = await connect({ token });
		assert.ok((await owner.join(room, { displayName: "Owner" })).ok);
		return { room, lobby, owner };
	}

	async function knock(where, name) {
		const c = await connect();
		assertLobbyError(await c.join(where.room, { displayName: name }), where.lobby);
		assert.ok((await c.joinLobby(where.lobby, { nick: hex8(), displayName: name })).ok);
		return (await c.waitFor(isNotice(where.lobby), 5000, { includePast: true })).getChildText("body");
	}

	test("the deployment's message, then the place in line", async () => {
		const node = `msg-${rand()}`;
		const where = await openRoom(node, mint(s.stack, { room: node, moderator: true, name: "Owner" }));
		assert.equal(await knock(where, "First"), "Welcome; a host will let you in. Nobody is waiting ahead of you.");
		assert.equal(await knock(where, "Second"), "Welcome; a host will let you in. 1 person is waiting ahead of you.");
	});

	test("an owner token's context.room.lobby_message is the room's own, and survives a restart", async () => {
		const node = `msg-${rand()}`;
		const token = mintLocal(s.stack, { room: node, claims: { context: {
			user: { id: `u-${rand()}`, name: "Teacher", moderator: true },
			room: { lobby_message: "Class starts at 9:00." } } } });
		const where = await openRoom(node, token);
		assert.equal(await knock(where, "Pupil"), "Class starts at 9:00. Nobody is waiting ahead of you.");
		const mark = s.stack.mark("lobbyd");
		s.stack.ctl("lobbyd-restart");
		await s.stack.waitLog("lobbyd", (l) => l.includes("stream: connected"), { offset: mark });
		assert.equal(await knock(where, "Late pupil"), "Class starts at 9:00. 1 person is waiting ahead of you.");
	});

	test("moderators and those who walk in are told nothing", async () => {
		const node = `msg-${rand()}`;
		const where = await openRoom(node, mint(s.stack, { room: node, moderator: true, name: "Owner" }));
		assert.ok((await where.owner.joinLobby(where.lobby, { nick: hex8() })).ok);
		await assertNothing(where.owner, isNotice(where.lobby), 300, "the moderator got a lobby message");
	});
});
