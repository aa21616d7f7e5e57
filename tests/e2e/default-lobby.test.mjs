// Lobby on by default (lobby_default = on) with the real client library: an owner token opens a
// new room and walks in as moderator with the lobby already on, without touching the lobby
// switch; a guest is sent to the lobby, knocks and is approved. And before_host = wait: a guest
// who comes before the host waits in the lobby, and the host finds and admits them. And
// lobby_max_wait: a knocker nobody lets in is sent away with the reason the client shows.
import { describe, test } from "../integration/lib/test.mjs";
import assert from "node:assert/strict";
import { useE2E } from "./lib/harness.mjs";

const JOIN_RESULT = ["CONFERENCE_JOINED", "CONFERENCE_FAILED"];

describe("lobby on by default, driven by the real client library", () => {
	const e2e = useE2E({ lobbydExtra: "lobby_default = on" });
	const room = `dflt-${Math.random().toString(36).slice(2, 8)}`;

	test("the owner opens the room with its lobby on; a guest knocks and is approved",
		e2e.scenario("default-lobby", async () => {
			const owner = await e2e.client("owner");
			await owner.connect(e2e.token(room, { moderator: true, name: "Owner" }), { room });
			let since = owner.mark();
			await owner.join(room, "Owner");
			const ev = await owner.waitFor(JOIN_RESULT, { since });
			assert.equal(ev.name, "CONFERENCE_JOINED", `owner join: ${JSON.stringify(ev.args)}`);
			assert.equal(await owner.call("isModerator"), true, "the owner is moderator");
			await owner.waitFor("MEMBERS_ONLY_CHANGED", { since, match: (a) => a[0] === true });
			assert.equal(await owner.call("isMembersOnly"), true, "the lobby is on without the owner switching it");

			const guest = await e2e.client("guest");
			await guest.connect(null, { room });
			since = guest.mark();
			await guest.join(room, "Guest");
			const refused = await guest.waitFor(JOIN_RESULT, { since });
			assert.equal(refused.name, "CONFERENCE_FAILED", "the guest got into a room whose lobby is on");
			assert.equal(refused.args[0], "conference.connectionError.membersOnly");
			const oSince = owner.mark();
			await guest.call("joinLobby", "Guest", "guest@example.com");
			const knock = await owner.waitFor("LOBBY_USER_JOINED", { since: oSince, match: (a) => a[1] === "Guest" });
			const gSince = guest.mark();
			await owner.call("lobbyApproveAccess", knock.args[0]);
			const joined = await guest.waitFor(JOIN_RESULT, { since: gSince });
			assert.equal(joined.name, "CONFERENCE_JOINED", `approved guest: ${JSON.stringify(joined.args)}`);
			assert.equal(await guest.call("isModerator"), false);
		}));
});

describe("guests waiting for the host (before_host = wait), driven by the real client library", () => {
	const e2e = useE2E({ lobbydExtra: "before_host = wait" });
	const room = `host-${Math.random().toString(36).slice(2, 8)}`;

	test("a guest who comes first waits in the lobby; the host arrives, sees the guest and admits them",
		e2e.scenario("before-host-wait", async () => {
			const guest = await e2e.client("early-guest");
			await guest.connect(null, { room });
			let since = guest.mark();
			await guest.join(room, "Early Guest");
			const refused = await guest.waitFor(JOIN_RESULT, { since });
			assert.equal(refused.name, "CONFERENCE_FAILED", "the guest got into a room with no host");
			assert.equal(refused.args[0], "conference.connectionError.membersOnly");
			await guest.call("joinLobby", "Early Guest", "early@example.com");

			const host = await e2e.client("host");
			await host.connect(e2e.token(room, { moderator: true, name: "Host" }), { room });
			since = host.mark();
			await host.join(room, "Host");
			const ev = await host.waitFor(JOIN_RESULT, { since });
			assert.equal(ev.name, "CONFERENCE_JOINED", `host join: ${JSON.stringify(ev.args)}`);
			assert.equal(await host.call("isModerator"), true);
			await host.waitFor("MEMBERS_ONLY_CHANGED", { since, match: (a) => a[0] === true });
			const waiting = await host.waitFor("LOBBY_USER_JOINED", { since, match: (a) => a[1] === "Early Guest" });
			const gSince = guest.mark();
			await host.call("lobbyApproveAccess", waiting.args[0]);
			const joined = await guest.waitFor(JOIN_RESULT, { since: gSince });
			assert.equal(joined.name, "CONFERENCE_JOINED", `admitted guest: ${JSON.stringify(joined.args)}`);
		}));
});

describe("a maximum wait (lobby_max_wait), driven by the real client library", () => {
	const e2e = useE2E({ lobbydExtra: "lobby_default = on\nlobby_max_wait = 2" });
	const room = `wait-${Math.random().toString(36).slice(2, 8)}`;

	test("a knocker nobody lets in is sent away, and the client shows why", e2e.scenario("max-wait", async () => {
		const owner = await e2e.client("owner");
		await owner.connect(e2e.token(room, { moderator: true, name: "Owner" }), { room });
		let since = owner.mark();
		await owner.join(room, "Owner");
		assert.equal((await owner.waitFor(JOIN_RESULT, { since })).name, "CONFERENCE_JOINED");
		const guest = await e2e.client("patient-guest");
		await guest.connect(null, { room });
		since = guest.mark();
		await guest.join(room, "Patient");
		assert.equal((await guest.waitFor(JOIN_RESULT, { since })).name, "CONFERENCE_FAILED");
		const oSince = owner.mark();
		since = guest.mark();
		await guest.call("joinLobby", "Patient", "patient@example.com");
		const knock = await owner.waitFor("LOBBY_USER_JOINED", { since: oSince, match: (a) => a[1] === "Patient" });
		const ended = await guest.waitFor("CONFERENCE_FAILED", { since, timeout: 10000 });
		assert.equal(ended.args[0], "conference.destroyed");
		assert.equal(ended.args[1], "Nobody let you in within 2 seconds; please try again later.");
		await owner.waitFor("LOBBY_USER_LEFT", { since: oSince, match: (a) => a[0] === knock.args[0] });
	}));
});
