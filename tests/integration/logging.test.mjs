// What lobbyd's log says about XMPP traffic: by default no stanza (they carry tokens), with
// debug_xmpp = yes every stanza both ways. lobbyd spares libstrophe 0.12 the work of rendering
// received stanzas it would not log (xmpp/compat.h); these tests hold both sides of that.
import { describe, test } from "./lib/test.mjs";
import assert from "node:assert/strict";
import { useStack, verdictLine } from "./lib/stack.mjs";
import { mint } from "./lib/token.mjs";
import { clientPool, rand } from "./lib/util.mjs";

// An owner's token join, asked of lobbyd; returns the room, the token and lobbyd's log of it.
async function ownerJoin(s, connect) {
	const { stack } = s;
	const node = `log-${rand()}`;
	const room = `${node}@${stack.env.MUC_DOMAIN}`;
	const token = mint(stack, { room: node, moderator: true, name: "Owner" });
	const owner = await connect({ token });
	const mark = stack.mark("lobbyd");
	const r = await owner.join(room, { displayName: "Owner" });
	assert.ok(r.ok, `join refused: ${r}`);
	await stack.waitLog("lobbyd", verdictLine(room, "allow"), { offset: mark });
	return { room, token, log: () => stack.readFrom("lobbyd", mark) };
}

describe("lobbyd's log by default", { timeout: 60000 }, () => {
	const s = useStack();
	const connect = clientPool(s);

	test("no stanza and no token reaches the log", async () => {
		const { token, log } = await ownerJoin(s, connect);
		const text = log();
		assert.doesNotMatch(text, /\b(RECV|SENT): /);
		assert.ok(!text.includes(token), "the token reached the log");
		assert.ok(!text.includes(token.split(".")[2]), "the token's signature reached the log");
	});
});

describe("lobbyd's log with debug_xmpp = yes", { timeout: 60000 }, () => {
	const s = useStack({ lobbydExtra: "debug_xmpp = yes" });
	const connect = clientPool(s);

	test("every stanza received and sent is written, the join request whole", async () => {
		const { room, token, log } = await ownerJoin(s, connect);
		let text = "";
		const deadline = Date.now() + 5000;
		while (!/\bSENT: <iq[^\n]*type="result"/.test(text) && Date.now() < deadline) {
			await new Promise((r) => setTimeout(r, 25));
			text = log();
		}
		const recv = text.split("\n").filter((l) => /\bRECV: <iq/.test(l) && l.includes("<join"));
		assert.equal(recv.length, 1, `the join request is not in the log:\n${text}`);
		assert.ok(recv[0].includes(room) && recv[0].includes(token), `the join request is not whole: ${recv[0]}`);
		assert.match(text, /\bSENT: /);
	});
});
