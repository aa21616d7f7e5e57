// lobbyd restarted (an upgrade, a crash and systemd's restart) while people wait: the state file
// brings back the lobby, its waiters and its moderators; the check with the bridge lets go of
// whoever left while lobbyd was down; the owner approves as before.
import { describe, test } from "./lib/test.mjs";
import assert from "node:assert/strict";
import { existsSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { useStack, verdictLine } from "./lib/stack.mjs";
import { mint } from "./lib/token.mjs";
import { clientPool, rand } from "./lib/util.mjs";
import { hex8, assertLobbyError, assertRoutedInvite, isInviteFrom, lobbyLine, lobbyPresenceFrom } from "./lib/lobby.mjs";

describe("a restart of lobbyd with people waiting", { timeout: 90000 }, () => {
	const s = useStack();
	const connect = clientPool(s);
	const node = `rs-${rand()}`;
	const st = {};
	const env = () => s.stack.env;
	const room = () => `${node}@${env().MUC_DOMAIN}`;
	const lobby = () => `${node}@${env().LOBBY_DOMAIN}`;

	async function knock(name) {
		const c = await connect();
		assertLobbyError(await c.join(room(), { displayName: name }), lobby());
		const nick = hex8();
		assert.ok((await c.joinLobby(lobby(), { nick, displayName: name })).ok);
		await st.owner.waitFor((x) => lobbyPresenceFrom(lobby(), `${lobby()}/${nick}`)(x) && x.attrs.type === undefined,
			5000, { includePast: true });
		return { c, nick, occupant: `${lobby()}/${nick}` };
	}

	test("before: the owner opens the lobby and two guests knock", async () => {
		st.owner = await connect({ token: mint(s.stack, { room: node, moderator: true, name: "Owner" }) });
		assert.ok((await st.owner.join(room(), { displayName: "Owner" })).ok);
		await st.owner.setMembersOnly(room(), true);
		assert.ok((await st.owner.joinLobby(lobby(), { nick: hex8(), displayName: "Owner" })).ok);
		st.stays = await knock("Stays");
		st.leaves = await knock("Leaves");
	});

	test("stopped: the state is written at shutdown, private to lobbyd", async () => {
		s.stack.ctl("lobbyd-stop");
		const file = `${s.stack.dir}/lobbyd.state`;
		assert.ok(existsSync(file), "no state file");
		assert.equal(statSync(file).mode & 0o777, 0o600);
		// Leaves while lobbyd is down never reach it.
		await st.leaves.c.leave(st.leaves.occupant);
		await st.leaves.c.discoInfo(env().DOMAIN); // the leave has been handled by Prosody
	});

	test("started again: the lobby is back, and who left meanwhile is gone", async () => {
		const mark = s.stack.mark("lobbyd");
		s.stack.ctl("lobbyd-start");
		await s.stack.waitLog("lobbyd", /state: restored .* 4 sessions in lobby rooms and main rooms/,
			{ offset: mark });
		const line = await s.stack.waitLog("lobbyd", /stream: checked \d+ sessions with the bridge/, { offset: mark });
		assert.match(line, /checked 4 sessions with the bridge: 1 gone/);
		await s.stack.waitLog("lobbyd", lobbyLine(`room=${lobby()}`, `left=${st.leaves.c.jid}`), { offset: mark });
		// The owner, still in the lobby room as far as its client knows, sees the leave.
		await st.owner.waitFor((x) => x.attrs.from === st.leaves.occupant && x.attrs.type === "unavailable", 5000,
			{ includePast: true });
	});

	test("the owner approves the guest who waited through the restart", async () => {
		const mark = s.stack.mark("lobbyd");
		const id = await st.owner.invite(room(), [st.stays.c.jid]);
		const inv = await st.stays.c.waitFor(isInviteFrom(room()));
		assertRoutedInvite(inv, { room: room(), actor: st.owner.jid, id });
		await s.stack.waitLog("lobbyd", lobbyLine(`room=${room()}`, `admit=${st.stays.c.jid}`), { offset: mark });
		const r = await st.stays.c.join(room(), { displayName: "Stays" });
		assert.ok(r.ok, `approved guest refused: ${r}`);
		await s.stack.waitLog("lobbyd", (l) => verdictLine(room(), "allow")(l) && l.includes("rule=admitted-session"),
			{ offset: mark });
	});

	test("a new knock reaches the owner through the restored lobby room", async () => {
		await knock("After");
	});

	test("a state file lobbyd cannot read is kept aside, and lobbyd starts with nobody waiting", async () => {
		s.stack.ctl("lobbyd-stop");
		const file = `${s.stack.dir}/lobbyd.state`;
		writeFileSync(file, "lobbyd-state 1\nroom nonsense 1\nend\n");
		const mark = s.stack.mark("lobbyd");
		s.stack.ctl("lobbyd-start");
		await s.stack.waitLog("lobbyd", (l) => /WARN\s+state: .*lobbyd\.state: line 2: a room JID lobbyd cannot keep; starting with nobody waiting/.test(l),
			{ offset: mark });
		await s.stack.waitLog("lobbyd", /state: kept the unreadable state as .*lobbyd\.state\.bad\.\d+/, { offset: mark });
		assert.ok(readdirSync(s.stack.dir).some((f) => /^lobbyd\.state\.bad\.\d+$/.test(f)), "not kept");
		// The next knock finds a fresh lobby: lobbyd still serves.
		const c = await connect();
		assertLobbyError(await c.join(room(), { displayName: "Fresh" }), lobby());
	});
});
