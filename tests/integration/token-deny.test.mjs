// (b-ii) with `invalid_token = deny`, a forged or an expired token is refused with lobbyd's reason.
import { describe, test } from "./lib/test.mjs";
import assert from "node:assert/strict";
import { useStack, verdictLine } from "./lib/stack.mjs";
import { mint, mintLocal, forge } from "./lib/token.mjs";
import { clientPool, rand } from "./lib/util.mjs";

describe("invalid tokens with invalid_token = deny", { timeout: 60000 }, () => {
	const s = useStack({ lobbydExtra: "invalid_token = deny" });
	const connect = clientPool(s);

	async function refused(token) {
		const { stack } = s;
		const node = `deny-${rand()}`;
		const room = `${node}@${stack.env.MUC_DOMAIN}`;
		const client = await connect({ token: token(node) });
		const mark = stack.mark("lobbyd");
		const r = await client.join(room, { displayName: "Mallory" });
		assert.ok(!r.ok, `join with a bad token got in: ${r}`);
		assert.ok(r.text && r.text.length > 0, `no reason text: ${r}`);
		await stack.waitLog("lobbyd", verdictLine(room, "deny"), { offset: mark });
		return r;
	}

	test("a forged token (signed with another key) is refused with a reason", async () => {
		const r = await refused((node) => forge(mint(s.stack, { room: node, moderator: true, name: "Mallory" })));
		assert.equal(r.errorType, "cancel");
		assert.equal(r.condition, "not-allowed");
	});

	test("an expired token is refused with a reason", async () => {
		const r = await refused((node) => mintLocal(s.stack, { room: node, moderator: true, name: "Late", expiresIn: -3600 }));
		assert.match(r.text, /expired/i);
	});

	test("a valid owner token still gets in", async () => {
		const { stack } = s;
		const node = `ok-${rand()}`;
		const client = await connect({ token: mint(stack, { room: node, moderator: true, name: "Owner" }) });
		const r = await client.join(`${node}@${stack.env.MUC_DOMAIN}`, { displayName: "Owner" });
		assert.ok(r.ok, `join refused: ${r}`);
		assert.equal(r.affiliation, "owner");
	});
});
