// SIGHUP reloads the configuration on the real stack: the new policy decides the next joins while
// the component stays connected and the knocker who was waiting stays in the lobby; a file with
// errors is refused with FILE:LINE and the running configuration stays; a key that needs a
// restart keeps its running value, with a warning that says so.
import { describe, test } from "./lib/test.mjs";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { useStack, verdictLine } from "./lib/stack.mjs";
import { mint, mintLocal } from "./lib/token.mjs";
import { clientPool, rand } from "./lib/util.mjs";
import { assertLobbyError, hex8, waitNotify } from "./lib/lobby.mjs";

describe("configuration reload (SIGHUP)", { timeout: 90000 }, () => {
	const s = useStack({ lobbydExtra: "lobby_default = off" });
	const connect = clientPool(s);
	const env = () => s.stack.env;
	const where = () => {
		const node = `rl-${rand()}`;
		return { node, room: `${node}@${env().MUC_DOMAIN}`, lobby: `${node}@${env().LOBBY_DOMAIN}` };
	};

	// Rewrite lobbyd.conf with EDIT (text => text), send SIGHUP and wait for the line MATCH.
	async function reload(edit, match) {
		const path = env().LOBBYD_CONFIG;
		writeFileSync(path, edit(readFileSync(path, "utf8")));
		const mark = s.stack.mark("lobbyd");
		s.stack.ctl("lobbyd-hup");
		await s.stack.waitLog("lobbyd", match, { offset: mark });
		return s.stack.readFrom("lobbyd", mark);
	}
	const setKey = (key, value) => (text) => text.replace(new RegExp(`^${key} = .*$`, "m"), `${key} = ${value}`);

	let waiting;          // { owner, knocker, where } from the first test, still waiting

	test("the new policy decides the next join; who waits keeps waiting; the stream stays up", async () => {
		// Lobby off by default: a tokenless guest walks into a new room.
		const open = where();
		const g = await connect();
		assert.ok((await g.join(open.room, { displayName: "Guest" })).ok);
		// An owner with a lobby on by hand, and a knocker waiting in it.
		const w = where();
		const owner = await connect({ token: mint(s.stack, { room: w.node, moderator: true, name: "Owner" }) });
		assert.ok((await owner.join(w.room, { displayName: "Owner" })).ok);
		await owner.setMembersOnly(w.room, true);
		const knocker = await connect();
		assertLobbyError(await knocker.join(w.room, { displayName: "Knocker" }), w.lobby);
		assert.ok((await knocker.joinLobby(w.lobby, { nick: hex8(), displayName: "Knocker" })).ok);
		waiting = { owner, knocker, where: w };

		const connects = (s.stack.readFrom("lobbyd").match(/stream: connected/g) ?? []).length;
		await reload(setKey("lobby_default", "on"), (l) => l.includes("config: reloaded "));
		// lobby_default = on now: a guest in a new room has to knock.
		const fresh = where();
		const o2 = await connect({ token: mint(s.stack, { room: fresh.node, moderator: true, name: "Owner" }) });
		assert.ok((await o2.join(fresh.room, { displayName: "Owner" })).ok);
		const g2 = await connect();
		assertLobbyError(await g2.join(fresh.room, { displayName: "Guest" }), fresh.lobby);
		// The stream was not dropped, and the knocker is approved as before.
		assert.equal((s.stack.readFrom("lobbyd").match(/stream: connected/g) ?? []).length, connects);
		const granted = waitNotify(owner, w.room, "LOBBY-ACCESS-GRANTED");
		await owner.invite(w.room, [knocker.jid]);
		await granted;
		const inside = await knocker.join(w.room, { displayName: "Knocker" });
		assert.ok(inside.ok, `${inside}`);
	});

	test("an admission rule added by a reload names the next verdict", async () => {
		await reload((t) => `${t}admit = any-token token\n`, (l) => l.includes("config: admission rule 1 of 1: any-token token"));
		const w = where();
		const owner = await connect({ token: mint(s.stack, { room: w.node, moderator: true, name: "Owner" }) });
		assert.ok((await owner.join(w.room, { displayName: "Owner" })).ok);
		const c = await connect({ token: mintLocal(s.stack, { room: w.node, name: "Holder" }) });
		const mark = s.stack.mark("lobbyd");
		const r = await c.join(w.room, { displayName: "Holder" });
		assert.deepEqual([r.ok, r.affiliation], [true, "member"], `${r}`);
		await s.stack.waitLog("lobbyd", (l) => verdictLine(w.room, "allow")(l) && l.includes(" rule=admit:any-token "),
			{ offset: mark });
	});

	test("a file with errors is refused with FILE:LINE; the running configuration stays", async () => {
		const path = env().LOBBYD_CONFIG;
		const good = readFileSync(path, "utf8");
		const w = where();
		// Minted first: `lobbyd token mint` reads the same file.
		const token = mint(s.stack, { room: w.node, moderator: true, name: "Owner" });
		let log;
		try {
			log = await reload((t) => `${t}lobby_max_wait = soon\n`,
				(l) => l.includes("config: reload of") && l.includes("refused; the running configuration stays in force"));
		} finally {
			writeFileSync(path, good);
		}
		const file = path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
		assert.match(log, new RegExp(`WARN\\s+config: ${file}:\\d+: key "lobby_max_wait": "soon" is not a whole number`));
		// Still lobby on by default: a guest of a new room knocks.
		const owner = await connect({ token });
		assert.ok((await owner.join(w.room, { displayName: "Owner" })).ok);
		const g = await connect();
		assertLobbyError(await g.join(w.room, { displayName: "Guest" }), w.lobby);
	});

	test("a key that needs a restart keeps its running value, and the log says so", async () => {
		const log = await reload(setKey("component_port", "1"), (l) => l.includes("config: reloaded "));
		assert.match(log, /WARN\s+config: \S+: key "component_port" changed; it takes effect when lobbyd restarts/);
		// Still connected on the old port: the waiting knocker of the first test is let in.
		const { owner, knocker, where: w } = waiting;
		assert.ok(knocker, "the first test left its knocker behind");
		const g = await connect();
		assertLobbyError(await g.join(w.room, { displayName: "Guest" }), w.lobby);
		const nick = hex8();
		assert.ok((await g.joinLobby(w.lobby, { nick, displayName: "Guest" })).ok);
		// The first test's grant is in the owner's past stanzas too: wait for this guest's.
		const granted = waitNotify(owner, w.room, "LOBBY-ACCESS-GRANTED", (n) => n.value === `${w.lobby}/${nick}`);
		await owner.invite(w.room, [g.jid]);
		await granted;
		const r = await g.join(w.room, { displayName: "Guest" });
		assert.ok(r.ok, `${r}`);
	});
});
