// The lobby with the real Jitsi client: the unmodified prebuilt lib-jitsi-meet in headless
// Chromium, one browser context per user, against Prosody + the bridge + lobbyd. Every
// assertion is on the library's own events and API.
//
// One room, one story: the owner (token with moderator rights) enables the lobby; guests without
// tokens are refused, knock, are approved or denied; the owner leaves and comes back with the
// same token while the lobby is on (the case the stock lobby fails); a lobby-bypass token walks
// in; the owner disables the lobby and a waiting guest walks in; the owner enables it again with
// guests present. Scenarios run in order and share the owner, the approved guest and the room;
// a second room checks that an owner who did not create the room is moderator too.
import { describe, test } from "../integration/lib/test.mjs";
import assert from "node:assert/strict";
import { useE2E } from "./lib/harness.mjs";

const JOIN_RESULT = ["CONFERENCE_JOINED", "CONFERENCE_FAILED"];
const MEMBERS_ONLY = "conference.connectionError.membersOnly";
const ACCESS_DENIED = "conference.connectionError.accessDenied";

describe("the Jitsi lobby, driven by the real client library", () => {
	const e2e = useE2E();
	// Room names are lower-case: the client library lower-cases them.
	const room = `e2e-${Math.random().toString(36).slice(2, 8)}`;
	const s = { owner: null, ownerToken: null, guest: null, waiting: null };

	// A guest without a token asks for the main room and must be sent to the lobby: the client is
	// told up front that a display name is required (the room on its URL has a lobby), and the
	// join fails with membersOnly, carrying the lobby room's JID. Returns that JID.
	async function refusedGuest(guest, name) {
		const connected = guest.mark();
		await guest.connect(null, { room });
		await guest.waitFor("DISPLAY_NAME_REQUIRED", { since: connected });
		const since = guest.mark();
		await guest.join(room, name);
		const ev = await guest.waitFor(JOIN_RESULT, { since });
		assert.equal(ev.name, "CONFERENCE_FAILED", `${name} got into the members-only room`);
		assert.equal(ev.args[0], MEMBERS_ONLY);
		const lobbyJid = ev.args[1];
		assert.equal(typeof lobbyJid, "string", "CONFERENCE_FAILED(membersOnly) carries no lobby JID");
		assert.match(lobbyJid, new RegExp(`^[^@/]+@${e2e.stack.env.LOBBY_DOMAIN.replace(/\./g, "\\.")}$`),
			"the lobby JID is a room on the lobby domain");
		return lobbyJid;
	}

	// The guest knocks; the owner sees it arrive with its name, then its email. Returns its id.
	async function knock(guest, name, email) {
		const since = s.owner.mark();
		await guest.call("joinLobby", name, email);
		const joined = await s.owner.waitFor("LOBBY_USER_JOINED", { since, match: (a) => a[1] === name });
		const id = joined.args[0];
		assert.ok(id, "LOBBY_USER_JOINED carries the knocker's id");
		await s.owner.waitFor("LOBBY_USER_UPDATED", { since, match: (a) => a[0] === id && a[1]?.email === email });
		return id;
	}

	// The owner's token names no room, room "*", as many Jitsi deployments mint it: lobbyd's
	// defaults accept it as Jitsi does, on the first join and on the rejoin below.
	test("an owner token (room \"*\") joins as moderator and enables the lobby", e2e.scenario("owner-enables-lobby", async () => {
		s.ownerToken = e2e.token("*", { moderator: true, name: "Owner" });
		s.owner = await e2e.client("owner", { persistent: true });
		await s.owner.connect(s.ownerToken);
		const since = s.owner.mark();
		await s.owner.join(room, "Owner");
		const ev = await s.owner.waitFor(JOIN_RESULT, { since });
		assert.equal(ev.name, "CONFERENCE_JOINED", `owner join: ${JSON.stringify(ev.args)}`);
		assert.equal(await s.owner.call("isModerator"), true, "owner is moderator");
		assert.equal(await s.owner.call("isLobbySupported"), true, "isLobbySupported()");
		const mark = s.owner.mark();
		await s.owner.call("enableLobby");
		await s.owner.waitFor("MEMBERS_ONLY_CHANGED", { since: mark, match: (a) => a[0] === true });
		assert.equal(await s.owner.call("isMembersOnly"), true);
	}));

	// Under Jicofo the room always exists before any user joins, so an owner is never the room's
	// creator: its moderator rights must come from the token alone.
	test("an owner token is moderator in a room another user created", e2e.scenario("owner-not-creator", async () => {
		const other = `${room}-b`;
		const creator = await e2e.client("creator");
		await creator.connect();
		let since = creator.mark();
		await creator.join(other, "Creator");
		assert.equal((await creator.waitFor(JOIN_RESULT, { since })).name, "CONFERENCE_JOINED", "creator joins");
		const owner = await e2e.client("owner-b");
		await owner.connect(e2e.token(other, { moderator: true, name: "Owner B" }));
		since = owner.mark();
		await owner.join(other, "Owner B");
		const ev = await owner.waitFor(JOIN_RESULT, { since });
		assert.equal(ev.name, "CONFERENCE_JOINED", `owner join: ${JSON.stringify(ev.args)}`);
		assert.equal(await owner.call("isModerator"), true, "the token owner is moderator");
	}));

	test("a guest is refused with membersOnly and the lobby room's JID", e2e.scenario("guest-refused", async () => {
		s.guest = await e2e.client("guest-approved", { persistent: true });
		await refusedGuest(s.guest, "Guest One");
	}));

	test("the guest knocks, the owner approves, the guest is in the room", e2e.scenario("knock-approve", async () => {
		const id = await knock(s.guest, "Guest One", "guest.one@example.com");
		const gSince = s.guest.mark(), oSince = s.owner.mark();
		await s.owner.call("lobbyApproveAccess", id);
		await s.guest.waitFor(JOIN_RESULT, { since: gSince }).then((ev) =>
			assert.equal(ev.name, "CONFERENCE_JOINED", `approved guest: ${JSON.stringify(ev.args)}`));
		await s.owner.waitFor("USER_JOINED", { since: oSince, match: (a) => a[1]?.name === "Guest One" });
		await s.owner.waitFor("LOBBY_USER_LEFT", { since: oSince, match: (a) => a[0] === id });
		assert.equal(await s.guest.call("isJoined"), true);
		assert.equal(await s.guest.call("isModerator"), false, "an approved guest is not a moderator");
	}));

	test("a second guest knocks and is denied", e2e.scenario("knock-deny", async () => {
		const guest = await e2e.client("guest-denied");
		await refusedGuest(guest, "Guest Two");
		const id = await knock(guest, "Guest Two", "guest.two@example.com");
		const gSince = guest.mark(), oSince = s.owner.mark();
		await s.owner.call("lobbyDenyAccess", id);
		const ev = await guest.waitFor(JOIN_RESULT, { since: gSince });
		assert.equal(ev.name, "CONFERENCE_FAILED", `denied guest: ${JSON.stringify(ev.args)}`);
		assert.equal(ev.args[0], ACCESS_DENIED);
		await s.owner.waitFor("LOBBY_USER_LEFT", { since: oSince, match: (a) => a[0] === id });
	}));

	test("the owner reconnects with the same token and is moderator again while the lobby is on",
		e2e.scenario("owner-rejoin", async () => {
			assert.equal(await s.owner.call("isMembersOnly"), true, "precondition: the lobby is on");
			assert.equal(await s.guest.call("isJoined"), true, "precondition: the approved guest keeps the room alive");
			const gSince = s.guest.mark();
			await s.owner.leaveAndDisconnect();
			await s.guest.waitFor("USER_LEFT", { since: gSince });
			const connected = s.owner.mark();
			await s.owner.connect(s.ownerToken, { room });
			const since = s.owner.mark();
			await s.owner.join(room, "Owner");
			const ev = await s.owner.waitFor(JOIN_RESULT, { since });
			assert.equal(ev.name, "CONFERENCE_JOINED", `owner rejoin: ${JSON.stringify(ev.args)}`);
			assert.equal(await s.owner.call("isJoined"), true, "isJoined()");
			assert.equal(await s.owner.call("isModerator"), true, "isModerator() after the rejoin");
			// A fresh conference learns members-only from the disco#info query the client sends
			// after it joined, so the answer may arrive after CONFERENCE_JOINED.
			await s.owner.waitFor("MEMBERS_ONLY_CHANGED", { since, match: (a) => a[0] === true });
			assert.equal(await s.owner.call("isMembersOnly"), true, "the lobby is still on");
			await s.guest.waitFor("USER_JOINED", { since: gSince, match: (a) => a[1]?.name === "Owner" });
			// The client asks the lobby domain right after connecting; that answer came long before
			// the join's. An owner who walks in is never asked for a display name.
			await s.owner.expectNo("DISPLAY_NAME_REQUIRED", { since: connected, ms: 0 });
		}));

	test("a lobby-bypass token walks past the lobby, as a participant", e2e.scenario("bypass", async () => {
		const user = await e2e.client("bypass");
		const connected = user.mark();
		await user.connect(e2e.token(room, { bypass: true, name: "Bypass" }), { room });
		const since = user.mark(), oSince = s.owner.mark();
		await user.join(room, "Bypass");
		const ev = await user.waitFor(JOIN_RESULT, { since });
		assert.equal(ev.name, "CONFERENCE_JOINED", `bypass join: ${JSON.stringify(ev.args)}`);
		assert.equal(await user.call("isModerator"), false, "a bypass token grants no moderator rights");
		await s.owner.waitFor("USER_JOINED", { since: oSince, match: (a) => a[1]?.name === "Bypass" });
		await user.leaveAndDisconnect();
		await s.owner.waitFor("USER_LEFT", { since: oSince, match: (a) => a[1]?.name === "Bypass" });
		// A knock would have reached the owner's lobby room before the user's join and leave did.
		await s.owner.expectNo("LOBBY_USER_JOINED", { since: oSince, ms: 0 });
		await user.expectNo("DISPLAY_NAME_REQUIRED", { since: connected, ms: 0 });
	}));

	test("the owner disables the lobby and a waiting guest walks in", e2e.scenario("disable-lobby", async () => {
		const guest = s.waiting = await e2e.client("guest-waiting", { persistent: true });
		await refusedGuest(guest, "Guest Three");
		await knock(guest, "Guest Three", "guest.three@example.com");
		const gSince = guest.mark(), oSince = s.owner.mark();
		await s.owner.call("disableLobby");
		const ev = await guest.waitFor(JOIN_RESULT, { since: gSince });
		assert.equal(ev.name, "CONFERENCE_JOINED", `waiting guest after disable: ${JSON.stringify(ev.args)}`);
		await s.owner.waitFor("MEMBERS_ONLY_CHANGED", { since: oSince, match: (a) => a[0] === false });
		await s.owner.waitFor("USER_JOINED", { since: oSince, match: (a) => a[1]?.name === "Guest Three" });
		assert.equal(await s.owner.call("isMembersOnly"), false);
	}));

	// The 2021 client grants membership to every non-member with a full JID before it turns the
	// lobby on; the occupants must stay in the room, and everyone must go on seeing them.
	test("re-enabling the lobby keeps everyone in the room", e2e.scenario("reenable-lobby", async () => {
		const oSince = s.owner.mark(), wSince = s.waiting.mark(), gSince = s.guest.mark();
		await s.owner.call("enableLobby");
		await s.owner.waitFor("MEMBERS_ONLY_CHANGED", { since: oSince, match: (a) => a[0] === true });
		await s.waiting.waitFor("MEMBERS_ONLY_CHANGED", { since: wSince, match: (a) => a[0] === true });
		await s.guest.waitFor("MEMBERS_ONLY_CHANGED", { since: gSince, match: (a) => a[0] === true });
		// Prosody sends a kick (322) before the 104 that makes each client ask disco#info, whose
		// answer is MEMBERS_ONLY_CHANGED: every kick and every leave would be here by now.
		for (const [c, since] of [[s.waiting, wSince], [s.guest, gSince]]) {
			for (const name of ["KICKED", "CONFERENCE_FAILED", "CONFERENCE_LEFT"]) await c.expectNo(name, { since, ms: 0 });
		}
		await s.owner.expectNo("USER_LEFT", { since: oSince, ms: 0 });
		assert.equal(await s.waiting.call("isJoined"), true, "Guest Three is still in the room");
		const names = (await s.owner.call("getParticipants")).map((p) => p.name).sort();
		assert.deepEqual(names, ["Guest One", "Guest Three"], "the owner sees both guests");
	}));
});
