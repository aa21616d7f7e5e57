// Bridge traffic forged by a client: lobbyd takes bridge requests only from the MUC host, and the
// bridge takes notifications only from lobbyd's component. Neither may let a client grant itself
// rights, admit anyone or speak in a room as someone else.
import { describe, test } from "./lib/test.mjs";
import assert from "node:assert/strict";
import { useStack } from "./lib/stack.mjs";
import { NS, xml } from "./lib/client.mjs";
import { clientPool, rand } from "./lib/util.mjs";

// iqAnswer() gives the <error/> element of an error reply, or the result <iq/>.
const forbidden = (reply) => reply.name === "error" && reply.attrs.type === "auth"
	&& reply.getChild("forbidden", NS.stanzas) !== undefined;

describe("forged bridge traffic", { timeout: 60000 }, () => {
	const s = useStack();
	const connect = clientPool(s);

	test("a client's <join/> to lobbyd is refused and decides nothing", async () => {
		const c = await connect();
		const env = s.stack.env;
		const mark = s.stack.mark("lobbyd");
		const reply = await c.iqAnswer("get", env.LOBBY_DOMAIN, xml("join", {
			xmlns: NS.bridge, room: `x-${rand()}@${env.MUC_DOMAIN}`, nick: "n", jid: c.jid, session: "s",
			affiliation: "owner", "room-exists": "true", "members-only": "true", password: "none",
		}));
		assert.ok(forbidden(reply), `a forged join was not refused: ${reply}`);
		await s.stack.waitLog("lobbyd", (l) => l.includes("refused a join request from") && l.includes(c.jid),
			{ offset: mark });
	});

	test("a client's main-room event to lobbyd is refused", async () => {
		const c = await connect();
		const env = s.stack.env;
		const reply = await c.iqAnswer("set", env.LOBBY_DOMAIN, xml("admit", {
			xmlns: NS.bridge, room: `x-${rand()}@${env.MUC_DOMAIN}`, actor: c.jid },
		xml("invitee", { jid: c.jid })));
		assert.ok(forbidden(reply), `a forged admit was not refused: ${reply}`);
	});

	test("a client's <notify/> to the MUC host is not broadcast", async () => {
		const env = s.stack.env;
		const room = `n-${rand()}@${env.MUC_DOMAIN}`;
		const owner = await connect();
		assert.ok((await owner.join(room, { displayName: "Owner" })).ok);
		const mallory = await connect();
		const forged = await mallory.iqAnswer("set", env.MUC_DOMAIN, xml("notify", {
			xmlns: NS.bridge, room, actor: owner.jid },
		JSON.stringify({ type: "lobby-notify", event: "LOBBY-ACCESS-GRANTED", value: "x", name: "y" })));
		assert.ok(forbidden(forged), `a forged notify was not refused: ${forged}`);
		// A broadcast would go out in the same pass as mallory's error: once the owner has the
		// answer to a query sent now, it would have had the broadcast too.
		await owner.discoInfo(room);
		const seen = owner.stanzas.find((x) => x.is("message") && x.getChild("json-message", NS.jitmeet));
		assert.equal(seen, undefined, `the forged notification reached the room: ${seen}`);
	});
});
