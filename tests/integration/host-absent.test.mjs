// No host in the meeting, on the real stack. When the last owner leaves, the guests waiting in
// the lobby stay there (nobody is promoted, the lobby stays on) and each gets a room message from
// the lobby room saying so; with end_without_host_after they are sent away with the reason once
// no host has been back for that long. An owner's return stops the clock; owners get back in
// with their token as always.
import { describe, test } from "./lib/test.mjs";
import assert from "node:assert/strict";
import { useStack } from "./lib/stack.mjs";
import { NS } from "./lib/client.mjs";
import { mint } from "./lib/token.mjs";
import { clientPool, rand } from "./lib/util.mjs";
import { hex8, assertLobbyError, assertNothing } from "./lib/lobby.mjs";

describe("end_without_host_after", { timeout: 60000 }, () => {
	const s = useStack({ lobbydExtra: "lobby_default = on\nend_without_host_after = 2" });
	const connect = clientPool(s);
	const env = () => s.stack.env;

	async function hostedRoomWithKnocker() {
		const node = `host-${rand()}`;
		const room = `${node}@${env().MUC_DOMAIN}`, lobby = `${node}@${env().LOBBY_DOMAIN}`;
		const token = mint(s.stack, { room: node, moderator: true, name: "Host" });
		const owner = await connect({ token });
		const o = await owner.join(room, { displayName: "Host" });
		assert.deepEqual([o.ok, o.affiliation], [true, "owner"], `${o}`);
		// Someone stays in the meeting (in Jitsi, Jicofo does), so the room outlives its host.
		const stayer = await connect({ token: mint(s.stack, { room: node, bypass: true, name: "Stayer" }) });
		const st = await stayer.join(room, { displayName: "Stayer" });
		assert.deepEqual([st.ok, st.affiliation], [true, "member"], `${st}`);
		const guest = await connect();
		assertLobbyError(await guest.join(room, { displayName: "Guest" }), lobby);
		const nick = hex8();
		const k = await guest.joinLobby(lobby, { nick, displayName: "Guest" });
		assert.ok(k.ok, `knock refused: ${k}`);
		return { node, room, lobby, token, owner, o, guest, occupant: `${lobby}/${nick}` };
	}

	const isNotice = (lobby) => (x) => x.is("message") && x.attrs.from === lobby && x.attrs.type === "groupchat";
	const isGone = (occupant) => (x) => x.is("presence") && x.attrs.from === occupant && x.attrs.type === "unavailable";

	test("the last host leaves: the guest is told and stays; no host back in time: sent away with the reason", async () => {
		const w = await hostedRoomWithKnocker();
		const mark = s.stack.mark("lobbyd");
		await w.owner.leave(w.o.occupantJid);
		const notice = await w.guest.waitFor(isNotice(w.lobby), 5000);
		assert.equal(notice.getChildText("body"), "The host has left the meeting. Please keep waiting: a host can "
			+ "still let you in. If no host is back within 2 seconds, the wait ends.");
		await s.stack.waitLog("lobbyd", (l) => l.includes(`lobby: room=${w.lobby} host=${w.owner.jid} left and no host `
			+ "remains: told 1 waiting"), { offset: mark });
		const gone = await w.guest.waitFor(isGone(w.occupant), 5000, { includePast: true });
		const destroy = gone.getChild("x", NS.mucUser)?.getChild("destroy");
		assert.ok(destroy, `no destroy: ${gone}`);
		assert.equal(destroy.attrs.jid, undefined, "a guest sent away is not sent into the room");
		assert.equal(destroy.getChildText("reason"),
			"The meeting has had no host for 2 seconds, so nobody can let you in; please try again later.");
		await s.stack.waitLog("lobbyd", (l) => l.includes(`lobby: room=${w.lobby} timeout`) && l.includes(w.guest.jid)
			&& l.includes("limit=end-without-host"), { offset: mark });
		// The owner's token still walks in, as owner, and nobody else was made one meanwhile.
		const again = await w.owner.join(w.room, { displayName: "Host" });
		assert.deepEqual([again.ok, again.affiliation, again.role], [true, "owner", "moderator"], `${again}`);
	});

	test("the host comes back in time: the clock stops and the guest keeps waiting", async () => {
		const w = await hostedRoomWithKnocker();
		await w.owner.leave(w.o.occupantJid);
		await w.guest.waitFor(isNotice(w.lobby), 5000);
		const back = await connect({ token: w.token });
		const b = await back.join(w.room, { displayName: "Host" });
		assert.deepEqual([b.ok, b.affiliation], [true, "owner"], `${b}`);
		await assertNothing(w.guest, isGone(w.occupant), 3000, "the guest was sent away although the host came back");
	});
});
