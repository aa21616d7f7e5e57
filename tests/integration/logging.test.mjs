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

describe("lobbyd's log with jwt_allow_wildcard_room = no", { timeout: 60000 }, () => {
	const s = useStack({ lobbydExtra: "jwt_allow_wildcard_room = no" });
	const connect = clientPool(s);

	test("start-up warns that it is stricter than Jitsi; an owner's room \"*\" token is refused with the option named", async () => {
		const { stack } = s;
		assert.match(stack.readFrom("lobbyd", 0),
			/WARN config: stricter than Jitsi: jwt_allow_wildcard_room = no: tokens with room "\*" are refused.*Set it to yes/);
		const node = `strict-${rand()}`;
		const room = `${node}@${stack.env.MUC_DOMAIN}`;
		// Someone else opened the room, so Prosody does not make the next joiner its creator-owner.
		const first = await (await connect()).join(room, { displayName: "First" });
		assert.ok(first.ok, `first join refused: ${first}`);
		const owner = await connect({ token: mint(stack, { room: "*", moderator: true, name: "Owner" }) });
		const mark = stack.mark("lobbyd");
		const r = await owner.join(room, { displayName: "Owner" });
		// invalid_token = guest (the default): in as a guest of the open room, not as an owner.
		assert.ok(r.ok, `join refused: ${r}`);
		assert.equal(r.affiliation, "none");
		await stack.waitLog("lobbyd", (l) => l.includes(room) && l.includes("jwt_allow_wildcard_room is off"),
			{ offset: mark });
	});
});
