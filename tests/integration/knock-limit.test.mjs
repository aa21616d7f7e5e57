// Knock rate limits on the real stack. knock_limit: one identity (a token's context.user.id, on
// a new connection each time) knocks N times in the window, the next knock is refused with the
// reason the client gets, a log line naming the limit, a metric and an audit line; after the
// window it may knock again; anonymous guests are not that identity. knock_limit_per_ip: several
// anonymous clients (a fresh JID each) from 127.0.0.1 are held by the address the bridge reports.
import { describe, test } from "./lib/test.mjs";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { useStack, freePort } from "./lib/stack.mjs";
import { NS } from "./lib/client.mjs";
import { mint, mintLocal } from "./lib/token.mjs";
import { clientPool, rand } from "./lib/util.mjs";
import { hex8, assertLobbyError } from "./lib/lobby.mjs";

const WINDOW_S = 3;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// A meeting with its owner in and its lobby on (lobby_default).
async function openRoom(s, connect) {
	const node = `kl-${rand()}`;
	const room = `${node}@${s.stack.env.MUC_DOMAIN}`, lobby = `${node}@${s.stack.env.LOBBY_DOMAIN}`;
	const owner = await connect({ token: mint(s.stack, { room: node, moderator: true, name: "Owner" }) });
	assert.ok((await owner.join(room, { displayName: "Owner" })).ok);
	return { node, room, lobby };
}

// A new connection (with TOKEN, or anonymous) is sent to the lobby of WHERE and knocks there,
// then leaves the lobby again, so that only the knock limits refuse.
async function knock(connect, where, { token, name = "Guest" } = {}) {
	const c = await connect(token ? { token } : {});
	assertLobbyError(await c.join(where.room, { displayName: name }), where.lobby);
	const nick = hex8();
	const r = await c.joinLobby(where.lobby, { nick, displayName: name });
	if (r.ok) await c.leave(`${where.lobby}/${nick}`);
	return { c, r };
}

const refusedFor = (r, text) => {
	assert.ok(!r.ok, `the knock was let in: ${r}`);
	assert.equal(r.condition, "service-unavailable");
	assert.match(r.error.getChildText("text", NS.stanzas) ?? "", text);
};
const TOO_MANY = /^Too many attempts to join this meeting; try again in [1-3] seconds?\.$/;

describe("knock_limit", { timeout: 60000 }, () => {
	const dir = mkdtempSync(join(tmpdir(), "lobbyd-knock-limit-"));
	const audit = join(dir, "audit.jsonl");
	let port;
	const s = useStack({ lobbydExtra: async () => {
		port = await freePort();
		return `lobby_default = on\nknock_limit = 2/${WINDOW_S}\naudit_file = ${audit}\n`
			+ `metrics_listen = 127.0.0.1:${port}`;
	} });
	const connect = clientPool(s);

	test("one identity knocks twice, the third knock is refused with the reason; after the window it may knock again", async () => {
		const where = await openRoom(s, connect);
		const user = { id: `same-${rand()}`, name: "Repeat" };
		const token = () => mintLocal(s.stack, { room: where.node, claims: { context: { user } } });
		assert.ok((await knock(connect, where, { token: token() })).r.ok);
		assert.ok((await knock(connect, where, { token: token() })).r.ok);
		const mark = s.stack.mark("lobbyd");
		const third = await knock(connect, where, { token: token() });
		refusedFor(third.r, TOO_MANY);
		const line = await s.stack.waitLog("lobbyd", (l) => l.includes("muc: refused a lobby join") && l.includes(third.c.jid)
			&& l.includes(`rule=knock-limit: knock limit knock_limit = 2/${WINDOW_S}`), { offset: mark });
		assert.doesNotMatch(line, /127\.0\.0\.1/, "the per-identity refusal logs an address");
		// Anonymous guests are other identities: not held by this limit.
		assert.ok((await knock(connect, where)).r.ok);
		assert.ok((await knock(connect, where)).r.ok);
		assert.ok((await knock(connect, where)).r.ok);
		// The metric and the audit trail say why; the address stays out of the audit trail.
		const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
		assert.match(metrics, /^lobbyd_knocks_refused_total\{reason="knock-limit"\} 1$/m);
		const refused = readFileSync(audit, "utf8").trim().split("\n").map((l) => JSON.parse(l))
			.filter((e) => e.event === "knock-refused");
		assert.equal(refused.length, 1, JSON.stringify(refused));
		assert.equal(refused[0].rule, "knock-limit");
		assert.match(refused[0].reason, TOO_MANY);
		assert.ok(!readFileSync(audit, "utf8").includes("127.0.0.1"), "an address is in the audit trail");

		await sleep(WINDOW_S * 1000 + 200);
		assert.ok((await knock(connect, where, { token: token() })).r.ok, "still refused after the window");
	});
});

describe("knock_limit_per_ip", { timeout: 60000 }, () => {
	const s = useStack({ lobbydExtra: `lobby_default = on\nknock_limit_per_ip = 3/${WINDOW_S}` });
	const connect = clientPool(s);

	test("anonymous clients from one address: the fourth knock is refused, in any meeting, until the window passes", async () => {
		const a = await openRoom(s, connect), b = await openRoom(s, connect);
		for (const where of [a, a, b])
			assert.ok((await knock(connect, where)).r.ok);
		const mark = s.stack.mark("lobbyd");
		const fourth = await knock(connect, b);
		refusedFor(fourth.r, TOO_MANY);
		await s.stack.waitLog("lobbyd", (l) => l.includes("muc: refused a lobby join") && l.includes(fourth.c.jid)
			&& l.includes(`rule=knock-limit-ip: knock limit knock_limit_per_ip = 3/${WINDOW_S} ip=127.0.0.1`),
		{ offset: mark });
		// A token user from the same address is held too: the address is the limit here.
		const token = mintLocal(s.stack, { room: a.node, name: "Tokened" });
		refusedFor((await knock(connect, a, { token })).r, TOO_MANY);
		await sleep(WINDOW_S * 1000 + 200);
		assert.ok((await knock(connect, a)).r.ok, "still refused after the window");
	});
});
