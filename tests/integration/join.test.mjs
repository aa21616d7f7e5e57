// (a) joins allowed through the bridge round trip, (b-i) a join refused with the lobby error.
import { describe, test } from "./lib/test.mjs";
import assert from "node:assert/strict";
import { useStack, verdictLine } from "./lib/stack.mjs";
import { NS } from "./lib/client.mjs";
import { mint } from "./lib/token.mjs";
import { clientPool, rand } from "./lib/util.mjs";

describe("joins through the bridge and lobbyd", { timeout: 60000 }, () => {
	const s = useStack();
	const connect = clientPool(s);
	const node = `room-${rand()}`;
	let room, ownerA, early;

	test("an owner token creates the room: owner, moderator", async () => {
		const { stack } = s;
		room = `${node}@${stack.env.MUC_DOMAIN}`;
		ownerA = await connect({ token: mint(stack, { room: node, moderator: true, name: "Owner A" }) });
		const mark = stack.mark("lobbyd");
		const r = await ownerA.join(room, { displayName: "Owner A" });
		assert.ok(r.ok, `join refused: ${r}`);
		assert.equal(r.affiliation, "owner");
		assert.equal(r.role, "moderator");
		await stack.waitLog("lobbyd", verdictLine(room, "allow"), { offset: mark });
	});

	test("a tokenless guest walks into the open room without a round trip", async () => {
		const { stack } = s;
		const guest = await connect();
		const mark = stack.mark("lobbyd");
		const r = await guest.join(room, { displayName: "Guest" });
		assert.ok(r.ok, `join refused: ${r}`);
		assert.equal(r.affiliation, "none");
		assert.equal(r.role, "participant");
		early = { c: guest, occupantJid: r.occupantJid };
		// lobbyd's last verdict said such joins need none (ask='token-lobby-password'), so the
		// bridge did not ask: no verdict line (lobbyd logs it before it answers).
		const verdicts = stack.readFrom("lobbyd", mark).split("\n").filter(verdictLine(room, "allow"));
		assert.deepEqual(verdicts, []);
	});

	test("an owner token into a room someone else created: affiliation owner, role moderator", async () => {
		const { stack } = s;
		const ownerB = await connect({ token: mint(stack, { room: node, moderator: true, name: "Owner B" }) });
		const mark = stack.mark("lobbyd");
		const r = await ownerB.join(room, { displayName: "Owner B" });
		assert.ok(r.ok, `join refused: ${r}`);
		assert.equal(r.affiliation, "owner");
		assert.equal(r.role, "moderator");
		// Not the creator: no 201 status.
		assert.ok(!r.stanza.getChild("x", NS.mucUser).getChildren("status").some((st) => st.attrs.code === "201"));
		await stack.waitLog("lobbyd", verdictLine(room, "allow"), { offset: mark });
	});

	test("members-only (lobby on via the owner config form): a tokenless guest gets the 407 lobby error", async () => {
		const { stack } = s;
		// As lib-jitsi-meet does: the occupants present become members first.
		const grant = await ownerA.grantMembers(room, [early.c.jid]);
		assert.equal(grant.attrs.type, "result", `member grant refused: ${grant}`);
		await ownerA.setMembersOnly(room, true);
		const guest = await connect();
		const mark = stack.mark("lobbyd");
		const r = await guest.join(room, { displayName: "Knocker" });
		assert.ok(!r.ok, `guest got in: ${r}`);
		const lobbyJid = `${node}@${stack.env.LOBBY_DOMAIN}`;
		assert.equal(r.errorType, "auth");
		assert.equal(r.error.attrs.code, "407");
		assert.equal(r.condition, "registration-required");
		assert.equal(r.error.getChildText("lobbyroom", NS.jitmeet), lobbyJid);
		const legacy = r.stanza.getChildren("lobbyroom").find((c) => c.attrs.xmlns === undefined || c.attrs.xmlns === "jabber:client");
		assert.equal(legacy?.text(), lobbyJid, `legacy <lobbyroom> copy missing: ${r}`);
		assert.ok(r.stanza.getChild("x", NS.muc), "no MUC <x/> in the error presence");
		await stack.waitLog("lobbyd", verdictLine(room, "lobby"), { offset: mark });
	});

	test("a guest present before the lobby went on drops and rejoins within the window", async () => {
		const { stack } = s;
		// Its join was never asked about; the bridge listed the occupants when the lobby went on,
		// so lobbyd knows this session was in the room (a member, but the lobby is on).
		await early.c.leave(early.occupantJid);
		await ownerA.waitFor((x) => x.attrs.from === early.occupantJid && x.attrs.type === "unavailable", 5000,
			{ includePast: true });
		const mark = stack.mark("lobbyd");
		const r = await early.c.join(room, { displayName: "Guest" });
		assert.ok(r.ok, `guest present before the lobby refused on rejoin: ${r}`);
		await stack.waitLog("lobbyd", (l) => verdictLine(room, "allow")(l) && l.includes("rule=rejoin-window"),
			{ offset: mark });
	});

	test("an owner token still walks straight into the members-only room", async () => {
		const { stack } = s;
		const ownerC = await connect({ token: mint(stack, { room: node, moderator: true, name: "Owner C" }) });
		const r = await ownerC.join(room, { displayName: "Owner C" });
		assert.ok(r.ok, `join refused: ${r}`);
		assert.equal(r.affiliation, "owner");
		assert.equal(r.role, "moderator");
	});

	// What many Jitsi deployments mint, and what Jitsi's own token check accepts by default.
	test("an owner token with room \"*\" walks into the members-only room as owner, under the defaults", async () => {
		const { stack } = s;
		const ownerW = await connect({ token: mint(stack, { room: "*", moderator: true, name: "Owner W" }) });
		const mark = stack.mark("lobbyd");
		const r = await ownerW.join(room, { displayName: "Owner W" });
		assert.ok(r.ok, `join refused: ${r}`);
		assert.equal(r.affiliation, "owner");
		assert.equal(r.role, "moderator");
		await stack.waitLog("lobbyd", (l) => verdictLine(room, "allow")(l) && l.includes("rule=owner-claim"),
			{ offset: mark });
		assert.ok(!stack.readFrom("lobbyd", 0).includes("stricter than Jitsi"),
			"lobbyd warned about a stricter-than-Jitsi setting under the test stack's defaults");
	});

	// Owners B, C and W were granted owner on joining, while A was in the room. The stock Jitsi
	// modules grant affiliations without a reason; how someone got in stays in lobbyd's log.
	test("the occupants see the owner grants without a reason that names lobbyd's rule", async () => {
		const { stack } = s;
		// The presence of the last of them reaches A after W's own join has completed.
		await ownerA.waitFor((st) => st.is("presence") && st.attrs.from?.startsWith(room)
			&& String(st).includes("Owner W") && String(st).includes('affiliation="owner"'), 5000, { includePast: true });
		const seen = ownerA.stanzas.filter((st) => st.attrs.from?.startsWith(room)).map(String);
		const told = seen.filter((t) => /<reason|lobbyd|owner-claim/.test(t));
		assert.deepEqual(told, [], "an occupant was told how someone got in");
		assert.match(stack.readFrom("lobbyd", 0), /rule=owner-claim/);
	});
});
