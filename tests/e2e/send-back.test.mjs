// Send back to the lobby with the real client library. An owner's client sends lobbyd's
// <send-back xmlns='urn:lobbyd:moderation:0' nick=…/> IQ to the meeting's lobby room over the
// library's own XMPP connection; the participant's client shows what it shows for being kicked
// (KICKED, with lobbyd's reason and the owner as actor, and it leaves), a bystander sees
// PARTICIPANT_KICKED; joining again, the participant is sent to the lobby (membersOnly) although
// its lobby-bypass token would otherwise let it in, and the owner sees it knock, with the name
// and e-mail of its token in place of the ones it typed (what lobbyd vouches for). Approved, it
// is back in the meeting.
import { describe, test } from "../integration/lib/test.mjs";
import assert from "node:assert/strict";
import { useE2E } from "./lib/harness.mjs";
import { mintLocal } from "../integration/lib/token.mjs";

const JOIN_RESULT = ["CONFERENCE_JOINED", "CONFERENCE_FAILED"];
const NS_MODERATION = "urn:lobbyd:moderation:0";
const REASON = "A moderator sent you back to the lobby.";

describe("send back to the lobby, driven by the real client library", () => {
	const e2e = useE2E({ lobbydExtra: "lobby_default = on" });
	const room = `sback-${Math.random().toString(36).slice(2, 8)}`;

	async function joined(client, name, token) {
		await client.connect(token, { room });
		const since = client.mark();
		await client.join(room, name);
		const ev = await client.waitFor(JOIN_RESULT, { since });
		assert.equal(ev.name, "CONFERENCE_JOINED", `${name} join: ${JSON.stringify(ev.args)}`);
	}

	test("a participant sent back is kicked, knocks on its next join whatever its token, and is let in again",
		e2e.scenario("send-back", async () => {
			const owner = await e2e.client("owner");
			await joined(owner, "Owner", e2e.token(room, { moderator: true, name: "Owner" }));
			assert.equal(await owner.call("isModerator"), true);
			const ownerId = await owner.call("myUserId");
			const bystander = await e2e.client("bystander");
			await joined(bystander, "Bystander", e2e.token(room, { bypass: true, name: "Bystander" }));

			// The participant's lobby-bypass token lets it straight in.
			let oSince = owner.mark();
			const vip = await e2e.client("vip");
			const vipToken = mintLocal(e2e.stack, { room, claims: { context: { user: {
				id: "u-vip", name: "VIP", email: "vip@example.com", lobby_bypass: true } } } });
			await joined(vip, "VIP", vipToken);
			assert.equal(await vip.call("isModerator"), false);
			const vipId = await vip.call("myUserId");
			await owner.waitFor("USER_JOINED", { since: oSince, match: (a) => a[0] === vipId });

			// The owner's client sends the request to the lobby room through the library's connection.
			const lobby = `${room}@${e2e.stack.env.LOBBY_DOMAIN}`;
			const vSince = vip.mark(), bSince = bystander.mark();
			const answer = await owner.iq(`<iq xmlns='jabber:client' type='set' to='${lobby}'>`
				+ `<send-back xmlns='${NS_MODERATION}' nick='${vipId}'/></iq>`);
			assert.match(answer, /type="result"/, `send-back answer: ${answer}`);

			const kicked = await vip.waitFor("KICKED", { since: vSince });
			assert.equal(kicked.args[0]?.participant, ownerId, `the actor is the owner: ${JSON.stringify(kicked.args)}`);
			assert.equal(kicked.args[1], REASON);
			// The library leaves the room on KICKED by itself: the others go from its view.
			await vip.waitFor("USER_LEFT", { since: vSince, match: (a) => a[0] === ownerId });
			const seen = await bystander.waitFor("PARTICIPANT_KICKED", { since: bSince });
			assert.equal(seen.args[0]?.participant, ownerId, `actor: ${JSON.stringify(seen.args)}`);
			assert.equal(seen.args[1]?.participant, vipId, `kicked: ${JSON.stringify(seen.args)}`);
			assert.equal(seen.args[2], REASON);
			await bystander.waitFor("USER_LEFT", { since: bSince, match: (a) => a[0] === vipId });

			// Joining again on the same connection: the lobby, despite the bypass token.
			let since = vip.mark();
			await vip.join(room, "VIP");
			const refused = await vip.waitFor(JOIN_RESULT, { since });
			assert.equal(refused.name, "CONFERENCE_FAILED", `the sent-back participant walked in: ${JSON.stringify(refused.args)}`);
			assert.equal(refused.args[0], "conference.connectionError.membersOnly");
			assert.equal(refused.args[1], lobby);
			oSince = owner.mark();
			// It types another name and e-mail; the owner's library reports its token's.
			await vip.call("joinLobby", "typed name", "typed@example.org");
			const knock = await owner.waitFor("LOBBY_USER_JOINED", { since: oSince });
			assert.equal(knock.args[1], "VIP", `the knocker's name: ${JSON.stringify(knock.args)}`);
			await owner.waitFor("LOBBY_USER_UPDATED", { since: oSince,
				match: (a) => a[0] === knock.args[0] && a[1]?.email === "vip@example.com" });
			const typed = owner.events.slice(oSince).find((e) => e.name.startsWith("LOBBY_USER_")
				&& JSON.stringify(e.args).includes("typed"));
			assert.equal(typed, undefined, `the owner was shown what the knocker typed: ${JSON.stringify(typed?.args)}`);

			since = vip.mark();
			await owner.call("lobbyApproveAccess", knock.args[0]);
			const back = await vip.waitFor(JOIN_RESULT, { since });
			assert.equal(back.name, "CONFERENCE_JOINED", `approved again: ${JSON.stringify(back.args)}`);
			await owner.waitFor("LOBBY_USER_LEFT", { since: oSince, match: (a) => a[0] === knock.args[0] });
		}));
});
