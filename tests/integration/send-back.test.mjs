// Send back to the lobby on the real stack: an owner asks lobbyd (an IQ to the lobby room) to move
// an admitted participant back. The participant is removed from the main room as a kick removes
// it (307, the reason, the moderator as actor); its next join knocks with rule=sent-back, even with
// a lobby-bypass token, until a moderator lets it in again. What lobbyd refuses, it refuses with a
// reason and a log line.
import { describe, test } from "./lib/test.mjs";
import assert from "node:assert/strict";
import { useStack, verdictLine } from "./lib/stack.mjs";
import { NS, xml } from "./lib/client.mjs";
import { mint } from "./lib/token.mjs";
import { clientPool, rand } from "./lib/util.mjs";
import { hex8, statuses, assertLobbyError, isInviteFrom, lobbyLine } from "./lib/lobby.mjs";

const NS_MODERATION = "urn:lobbyd:moderation:0";

const sendBack = (client, lobby, nick) =>
	client.iqAnswer("set", lobby, xml("send-back", { xmlns: NS_MODERATION, nick }));

const refusedWith = (answer, condition) => {
	assert.equal(answer.name, "error", `the send-back went through: ${answer}`);
	assert.ok(answer.getChild(condition, NS.stanzas), `not ${condition}: ${answer}`);
	return answer.getChildText("text", NS.stanzas) ?? "";
};

describe("send back to the lobby", { timeout: 90000 }, () => {
	const s = useStack({ lobbydExtra: "lobby_default = on" });
	const connect = clientPool(s);
	const env = () => s.stack.env;

	// A room opened by an owner token; the owner's client also sits in the lobby room, as
	// moderators' clients do.
	async function openRoom() {
		const node = `back-${rand()}`;
		const room = `${node}@${env().MUC_DOMAIN}`, lobby = `${node}@${env().LOBBY_DOMAIN}`;
		const owner = await connect({ token: mint(s.stack, { room: node, moderator: true, name: "Owner" }) });
		const o = await owner.join(room, { displayName: "Owner", nick: "owner" });
		assert.deepEqual([o.ok, o.affiliation], [true, "owner"], `${o}`);
		assert.ok((await owner.joinLobby(lobby, { nick: hex8() })).ok);
		return { node, room, lobby, owner, ownerOccupant: o.occupantJid };
	}

	// C knocks on WHERE and the owner lets it in; resolves with C's main-room join.
	async function admit(where, c, name) {
		assertLobbyError(await c.join(where.room, { displayName: name }), where.lobby);
		const lobbyNick = hex8();
		assert.ok((await c.joinLobby(where.lobby, { nick: lobbyNick, displayName: name })).ok);
		const seen = c.stanzas.length;
		await where.owner.invite(where.room, [c.jid]);
		await c.waitFor((x) => isInviteFrom(where.room)(x) && c.stanzas.indexOf(x) >= seen);
		const r = await c.join(where.room, { displayName: name });
		assert.deepEqual([r.ok, r.affiliation], [true, "member"], `${r}`);
		await c.leave(`${where.lobby}/${lobbyNick}`);
		return r;
	}

	test("an admitted guest is removed as by a kick, and knocks on the next join", async () => {
		const where = await openRoom();
		const guest = await connect();
		const r = await admit(where, guest, "Guest");
		const nick = r.occupantJid.split("/")[1];
		const mark = s.stack.mark("lobbyd");
		const gone = guest.waitFor((x) => x.is("presence") && x.attrs.from === r.occupantJid
			&& x.attrs.type === "unavailable");
		const answer = await sendBack(where.owner, where.lobby, nick);
		assert.equal(answer.attrs.type, "result", `${answer}`);
		const kicked = await gone;
		assert.deepEqual(statuses(kicked).sort(), ["110", "307"]);
		const item = kicked.getChild("x", NS.mucUser).getChild("item");
		assert.equal(item.getChildText("reason"), "A moderator sent you back to the lobby.");
		assert.equal(item.getChild("actor")?.attrs.nick, "owner");
		// The owner sees the participant leave as any kick shows.
		await where.owner.waitFor((x) => x.attrs.from === r.occupantJid && x.attrs.type === "unavailable"
			&& statuses(x).includes("307"), 5000, { includePast: true });
		await s.stack.waitLog("lobbyd", lobbyLine(`room=${where.lobby}`, `send-back="${nick}"`, guest.jid,
			`actor=${where.owner.jid}`), { offset: mark });

		const again = s.stack.mark("lobbyd");
		assertLobbyError(await guest.join(where.room, { displayName: "Guest" }), where.lobby);
		await s.stack.waitLog("lobbyd", (l) => verdictLine(where.room, "lobby")(l) && l.includes("rule=sent-back"),
			{ offset: again });
		// Approved again, it walks in.
		const back = await admit(where, guest, "Guest");
		assert.ok(back.ok);
	});

	test("a lobby-bypass token does not undo a send-back; an owner token cannot be sent back", async () => {
		const where = await openRoom();
		const vip = await connect({ token: mint(s.stack, { room: where.node, bypass: true, name: "VIP" }) });
		const r = await vip.join(where.room, { displayName: "VIP" });
		assert.deepEqual([r.ok, r.affiliation], [true, "member"], `${r}`);
		const answer = await sendBack(where.owner, where.lobby, r.occupantJid.split("/")[1]);
		assert.equal(answer.attrs.type, "result", `${answer}`);
		await vip.waitFor((x) => x.attrs.from === r.occupantJid && x.attrs.type === "unavailable", 5000,
			{ includePast: true });
		const mark = s.stack.mark("lobbyd");
		assertLobbyError(await vip.join(where.room, { displayName: "VIP" }), where.lobby);
		await s.stack.waitLog("lobbyd", (l) => verdictLine(where.room, "lobby")(l) && l.includes("rule=sent-back"),
			{ offset: mark });

		const other = await connect({ token: mint(s.stack, { room: where.node, moderator: true, name: "Co-host" }) });
		const o = await other.join(where.room, { displayName: "Co-host", nick: "cohost" });
		assert.equal(o.affiliation, "owner");
		const refused = s.stack.mark("lobbyd");
		const text = refusedWith(await sendBack(where.owner, where.lobby, "cohost"), "not-allowed");
		assert.match(text, /owner/);
		await s.stack.waitLog("lobbyd", (l) => l.includes("refused send-back") && l.includes(where.owner.jid),
			{ offset: refused });
	});

	test("refused: by a participant who is not an owner, for a nick nobody has, and with the lobby off", async () => {
		const where = await openRoom();
		const guest = await connect();
		const r = await admit(where, guest, "Guest");
		const peer = await connect();
		await admit(where, peer, "Peer");

		let mark = s.stack.mark("lobbyd");
		refusedWith(await sendBack(peer, where.lobby, r.occupantJid.split("/")[1]), "forbidden");
		await s.stack.waitLog("lobbyd", (l) => l.includes("refused send-back") && l.includes(peer.jid)
			&& l.includes("owner"), { offset: mark });

		mark = s.stack.mark("lobbyd");
		refusedWith(await sendBack(where.owner, where.lobby, "nobody-here"), "item-not-found");
		await s.stack.waitLog("lobbyd", (l) => l.includes("refused send-back") && l.includes("nobody-here"),
			{ offset: mark });

		await where.owner.setMembersOnly(where.room, false);
		await new Promise((res) => setTimeout(res, 300));
		const text = refusedWith(await sendBack(where.owner, where.lobby, r.occupantJid.split("/")[1]),
			"not-allowed");
		assert.match(text, /lobby of this meeting is off/);
		// Nobody was removed by the refused requests.
		assert.ok(!guest.stanzas.some((x) => x.attrs.from === r.occupantJid && x.attrs.type === "unavailable"),
			"the guest was removed");
	});
});
