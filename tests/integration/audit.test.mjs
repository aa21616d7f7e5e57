// The audit trail (audit_file) on the real stack: one JSON line per decision, in order, each with
// its rule or actor and never the token itself; SIGHUP reopens the file after logrotate moved it.
import { describe, test } from "./lib/test.mjs";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { after } from "node:test";
import { useStack } from "./lib/stack.mjs";
import { mint } from "./lib/token.mjs";
import { clientPool, rand } from "./lib/util.mjs";
import { hex8, assertLobbyError, isInviteFrom } from "./lib/lobby.mjs";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

describe("audit_file", { timeout: 60000 }, () => {
	const dir = mkdtempSync(join(tmpdir(), "lobbyd-audit-"));
	const file = join(dir, "audit.jsonl");
	after(() => rmSync(dir, { recursive: true, force: true }));
	const s = useStack({ lobbydExtra: `lobby_default = on\naudit_file = ${file}` });
	const connect = clientPool(s);
	const env = () => s.stack.env;

	const lines = (path = file) => (existsSync(path) ? readFileSync(path, "utf8") : "").split("\n")
		.filter(Boolean).map((l) => JSON.parse(l));

	// The first line after 'from' that matches, waiting for lobbyd to write it.
	async function line(match, { from = 0, path = file } = {}) {
		for (let i = 0; i < 50; i++) {
			const hit = lines(path).slice(from).find(match);
			if (hit) return hit;
			await sleep(100);
		}
		assert.fail(`no such audit line in ${path}:\n${readFileSync(path, "utf8")}`);
	}

	test("a verdict, a knock, an admit and a deny with their actor, the lobby switched off", async () => {
		const node = `aud-${rand()}`;
		const room = `${node}@${env().MUC_DOMAIN}`, lobby = `${node}@${env().LOBBY_DOMAIN}`;
		const token = mint(s.stack, { room: node, moderator: true, name: "Owner" });
		const owner = await connect({ token });
		assert.ok((await owner.join(room, { displayName: "Owner" })).ok);
		const v = await line((l) => l.event === "verdict" && l.room === room && l.jid === owner.jid);
		assert.deepEqual([v.verdict, v.affiliation, v.rule, v.lobby], ["allow", "owner", "owner-claim", "on"]);
		assert.match(v.token, /^[0-9a-f]{8}$/);
		assert.match(v.ts, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

		const knock = async (name) => {
			const c = await connect();
			assertLobbyError(await c.join(room, { displayName: name }), lobby);
			const nick = hex8();
			assert.ok((await c.joinLobby(lobby, { nick, displayName: name })).ok);
			const k = await line((l) => l.event === "knock" && l.jid === c.jid);
			assert.deepEqual([k.room, k.nick, k.name], [lobby, nick, name]);
			return { c, nick };
		};
		const g1 = await knock("Guest One");
		await owner.invite(room, [g1.c.jid]);
		await g1.c.waitFor(isInviteFrom(room), 5000);
		const a = await line((l) => l.event === "admit" && l.jid === g1.c.jid);
		assert.equal(a.actor, owner.jid);
		assert.equal(a.room, room);
		assert.ok(a.waited_s >= 0 && a.waited_s < 30, `${a.waited_s}`);

		const g2 = await knock("Guest Two");
		assert.ok((await owner.joinLobby(lobby, { nick: hex8() })).ok); // moderators deny from the lobby room
		await owner.deny(lobby, g2.nick);
		const d = await line((l) => l.event === "deny" && l.jid === g2.c.jid);
		assert.equal(d.actor, owner.jid);

		await owner.setMembersOnly(room, false);
		const off = await line((l) => l.event === "lobby" && l.room === room && l.lobby === "off");
		assert.ok(off.actor);
		assert.ok(!readFileSync(file, "utf8").includes(token), "the token itself is in the audit trail");
	});

	test("after logrotate moves the file, SIGHUP makes lobbyd write a new one", async () => {
		const moved = `${file}.1`;
		renameSync(file, moved);
		const mark = s.stack.mark("lobbyd");
		s.stack.ctl("lobbyd-hup");
		await s.stack.waitLog("lobbyd", (l) => l.includes(`audit: reopened ${file}`), { offset: mark });
		const before = readFileSync(moved, "utf8");
		const room = `aud-${rand()}@${env().MUC_DOMAIN}`;
		const guest = await connect();
		await guest.join(room, { displayName: "After" });
		const v = await line((l) => l.event === "verdict" && l.jid === guest.jid);
		assert.equal(v.room, room);
		assert.equal(readFileSync(moved, "utf8"), before, "lobbyd still wrote to the moved file");
	});
});
