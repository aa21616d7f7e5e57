// Admission rules (admit = NAME KIND VALUE) on the real stack: a token whose email domain, tenant
// or group a rule names walks past the lobby as member, the verdict names the rule, nobody in
// the room learns it; a token no rule names, and a refused token that claims a listed email,
// knock. A jid rule lets in sessions of an XMPP domain without any token.
import { describe, test } from "./lib/test.mjs";
import assert from "node:assert/strict";
import { useStack, verdictLine } from "./lib/stack.mjs";
import { forge, mint, mintLocal } from "./lib/token.mjs";
import { clientPool, rand } from "./lib/util.mjs";
import { assertLobbyError } from "./lib/lobby.mjs";

// A valid non-owner token for room NODE with these context.user fields and other claims.
function tokenWith(stack, node, { user = {}, ...claims } = {}) {
	return mintLocal(stack, { room: node, claims: { ...claims,
		context: { ...(claims.context ?? {}), user: { id: `u-${rand()}`, name: "Someone", ...user } } } });
}

const ruleLine = (room, action, rule) => (l) => verdictLine(room, action)(l) && l.includes(` rule=${rule} `);

describe("admission rules", { timeout: 90000 }, () => {
	const s = useStack({ lobbydExtra: ["lobby_default = on",
		"admit = staff email-domain example.com",
		"admit = acme tenant acme",
		"admit = teachers group teachers"].join("\n") });
	const connect = clientPool(s);
	const env = () => s.stack.env;

	// A room an owner token has opened, with its lobby on by default.
	async function openRoom() {
		const node = `adm-${rand()}`;
		const room = `${node}@${env().MUC_DOMAIN}`, lobby = `${node}@${env().LOBBY_DOMAIN}`;
		const owner = await connect({ token: mint(s.stack, { room: node, moderator: true, name: "Owner" }) });
		const o = await owner.join(room, { displayName: "Owner" });
		assert.deepEqual([o.ok, o.affiliation], [true, "owner"], `${o}`);
		return { node, room, lobby, owner };
	}

	async function walksIn(where, token, rule) {
		const c = await connect({ token });
		const mark = s.stack.mark("lobbyd");
		const r = await c.join(where.room, { displayName: "Admitted" });
		assert.deepEqual([r.ok, r.affiliation, r.role], [true, "member", "participant"], `${r}`);
		await s.stack.waitLog("lobbyd", ruleLine(where.room, "allow", rule), { offset: mark });
		return { c, r };
	}

	test("a token with an email at the listed domain walks in as member, rule=admit:staff", async () => {
		const where = await openRoom();
		const { c, r } = await walksIn(where, tokenWith(s.stack, where.node, { user: { email: "ann@Example.com" } }),
			"admit:staff");
		// Every join is decided again: the rejoin walks in by the same rule.
		await c.leave(r.occupantJid);
		const mark = s.stack.mark("lobbyd");
		const again = await c.join(where.room, { displayName: "Admitted" });
		assert.deepEqual([again.ok, again.affiliation], [true, "member"], `${again}`);
		await s.stack.waitLog("lobbyd", ruleLine(where.room, "allow", "admit:staff"), { offset: mark });
		// The owner saw the member arrive, without a word about the rule.
		await where.owner.waitFor((st) => st.is("presence") && st.attrs.from === r.occupantJid
			&& String(st).includes('affiliation="member"'), 5000, { includePast: true });
		const told = where.owner.stanzas.filter((st) => st.attrs.from?.startsWith(where.room)).map(String)
			.filter((t) => /<reason|lobbyd|admit:|staff/.test(t));
		assert.deepEqual(told, [], "an occupant was told how someone got in");
	});

	test("the tenant (sub) and context.group rules each name themselves", async () => {
		const where = await openRoom();
		await walksIn(where, tokenWith(s.stack, where.node, { sub: "acme" }), "admit:acme");
		await walksIn(where, tokenWith(s.stack, where.node, { context: { group: "teachers" } }), "admit:teachers");
		// The first rule that matches decides.
		await walksIn(where, tokenWith(s.stack, where.node, { sub: "acme", user: { email: "b@example.com" } }),
			"admit:staff");
	});

	test("a token no rule names knocks, and so does a refused token claiming a listed email", async () => {
		const where = await openRoom();
		for (const token of [tokenWith(s.stack, where.node, { user: { email: "eve@example.org" } }),
			forge(tokenWith(s.stack, where.node, { user: { email: "eve@example.com" } }))]) {
			const c = await connect({ token });
			const mark = s.stack.mark("lobbyd");
			assertLobbyError(await c.join(where.room, { displayName: "Eve" }), where.lobby);
			await s.stack.waitLog("lobbyd", ruleLine(where.room, "lobby", "lobby"), { offset: mark });
		}
	});

	test("lobbyd logs its admission rules at start-up, in order", async () => {
		const log = s.stack.readFrom("lobbyd", 0);
		const lines = ["admission rule 1 of 3: staff email-domain example.com",
			"admission rule 2 of 3: acme tenant acme", "admission rule 3 of 3: teachers group teachers"];
		const at = lines.map((l) => log.indexOf(l));
		assert.ok(at.every((i) => i >= 0), `missing in the log: ${lines.filter((_, i) => at[i] < 0)}`);
		assert.deepEqual([...at].sort((a, b) => a - b), at, "the rules are not logged in order");
	});
});

describe("an admission rule for an XMPP domain", { timeout: 60000 }, () => {
	const s = useStack({ lobbydExtra: "lobby_default = on\nadmit = ours jid meet.test" });
	const connect = clientPool(s);
	const env = () => s.stack.env;

	test("a session of that domain walks in without a token, rule=admit:ours", async () => {
		const node = `admj-${rand()}`;
		const room = `${node}@${env().MUC_DOMAIN}`;
		const owner = await connect({ token: mint(s.stack, { room: node, moderator: true, name: "Owner" }) });
		assert.ok((await owner.join(room, { displayName: "Owner" })).ok);
		const guest = await connect();
		assert.ok(guest.bare.endsWith(`@${env().DOMAIN}`), guest.jid);
		const mark = s.stack.mark("lobbyd");
		const r = await guest.join(room, { displayName: "Colleague" });
		assert.deepEqual([r.ok, r.affiliation], [true, "member"], `${r}`);
		await s.stack.waitLog("lobbyd", ruleLine(room, "allow", "admit:ours"), { offset: mark });
	});
});
