// A password-protected room with its lobby on, in each password_mode (lobbyd.conf):
// bypass (default: the right password walks in as member), also-required (no right password, no
// knocking), ignored (the lobby never looks at it).
import { describe, test } from "./lib/test.mjs";
import assert from "node:assert/strict";
import { useStack, verdictLine } from "./lib/stack.mjs";
import { mint } from "./lib/token.mjs";
import { clientPool, rand } from "./lib/util.mjs";
import { NS } from "./lib/client.mjs";
import { assertLobbyError, hex8, isInviteFrom } from "./lib/lobby.mjs";

const PASSWORD = "s3same";

// One stack per mode; each test gets its own locked room with the lobby on.
function passwordSuite(mode, tests) {
	describe(`password_mode = ${mode}`, { timeout: 60000 }, () => {
		const s = useStack(mode === "bypass" ? {} : { lobbydExtra: `password_mode = ${mode}` });
		const connect = clientPool(s);

		// As lib-jitsi-meet's lockRoom() while the lobby is on: the secret and membersonly=true.
		async function lockedRoom() {
			const node = `pw-${rand()}`;
			const room = `${node}@${s.stack.env.MUC_DOMAIN}`;
			const owner = await connect({ token: mint(s.stack, { room: node, moderator: true, name: "Owner" }) });
			assert.ok((await owner.join(room, { displayName: "Owner" })).ok);
			await owner.setMembersOnly(room, true, [["muc#roomconfig_roomsecret", PASSWORD]]);
			return { room, lobby: `${node}@${s.stack.env.LOBBY_DOMAIN}`, owner };
		}

		async function guestJoin(room, password, guest) {
			guest ??= await connect();
			const mark = s.stack.mark("lobbyd");
			const r = await guest.join(room, { displayName: "Guest", password });
			return { r, guest, line: (action, rule) => s.stack.waitLog("lobbyd",
				(l) => verdictLine(room, action)(l) && l.includes(`rule=${rule}`), { offset: mark }) };
		}

		tests({ lockedRoom, guestJoin, connect, s });
	});
}

passwordSuite("bypass", ({ lockedRoom, guestJoin, connect, s }) => {
	test("the right password walks in as member", async () => {
		const { room } = await lockedRoom();
		const { r, line } = await guestJoin(room, PASSWORD);
		assert.deepEqual([r.ok, r.affiliation, r.role], [true, "member", "participant"], `${r}`);
		await line("allow", "password-bypass");
	});

	test("a wrong password knocks", async () => {
		const { room, lobby } = await lockedRoom();
		const { r, line } = await guestJoin(room, "wrong");
		assertLobbyError(r, lobby);
		await line("lobby", "lobby");
	});

	// The routed invitation carries no password (as the newest stock lobby): lobbyd's verdict for
	// the approved session says password='supply' and the bridge puts the room password into the
	// join, so Prosody's own password check passes.
	test("a knocker approved into a locked room gets in", async () => {
		const { room, lobby, owner } = await lockedRoom();
		const { r, guest } = await guestJoin(room);
		assertLobbyError(r, lobby);
		assert.ok((await guest.joinLobby(lobby, { nick: hex8(), displayName: "Guest" })).ok);
		await owner.invite(room, [guest.jid]);
		const invite = await guest.waitFor(isInviteFrom(room), 5000, { includePast: true });
		assert.equal(invite.getChild("x", NS.mucUser).getChildText("password"), null);
		const again = await guestJoin(room, undefined, guest);
		assert.ok(again.r.ok, `approved guest refused: ${again.r}`);
		assert.equal(again.r.affiliation, "member");
		await again.line("allow", "admitted-session");
	});

	test("an owner token walks into a locked room without the password", async () => {
		const { room } = await lockedRoom();
		const node = room.split("@")[0];
		const owner2 = await connect({ token: mint(s.stack, { room: node, moderator: true, name: "Owner" }) });
		const { r, line } = await guestJoin(room, undefined, owner2);
		assert.deepEqual([r.ok, r.affiliation, r.role], [true, "owner", "moderator"], `${r}`);
		await line("allow", "owner-claim");
	});
});

passwordSuite("also-required", ({ lockedRoom, guestJoin }) => {
	test("no password: refused with not-authorized before it can knock", async () => {
		const { room } = await lockedRoom();
		const { r, line } = await guestJoin(room);
		assert.ok(!r.ok, `got in: ${r}`);
		assert.deepEqual([r.errorType, r.condition], ["auth", "not-authorized"]);
		await line("deny", "password-required");
	});

	test("the right password still knocks", async () => {
		const { room, lobby } = await lockedRoom();
		const { r, line } = await guestJoin(room, PASSWORD);
		assertLobbyError(r, lobby);
		await line("lobby", "lobby");
	});
});

passwordSuite("ignored", ({ lockedRoom, guestJoin }) => {
	test("the right password knocks like any guest", async () => {
		const { room, lobby } = await lockedRoom();
		const { r, line } = await guestJoin(room, PASSWORD);
		assertLobbyError(r, lobby);
		await line("lobby", "lobby");
	});
});
