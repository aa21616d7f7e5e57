// lobbyd's admin commands (XEP-0050 on lobbyd's JID) from a plain XMPP client: the commands an
// admin_jid sees, list the lobbies, admit, deny, send back, lobby off and on, reload; everyone else
// is refused and the refusal logged. The admin's JID comes into the configuration by a reload, as
// an operator adds one.
import { describe, test } from "./lib/test.mjs";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { useStack, verdictLine } from "./lib/stack.mjs";
import { NS, xml } from "./lib/client.mjs";
import { mint, mintLocal } from "./lib/token.mjs";
import { clientPool, rand } from "./lib/util.mjs";
import { assertLobbyError, hex8, isInviteFrom, statuses } from "./lib/lobby.mjs";

const NS_COMMANDS = "http://jabber.org/protocol/commands";
const NS_ITEMS = "http://jabber.org/protocol/disco#items";

// Run NODE on TO as CLIENT: execute, then, when it answers with a form, complete it with FIELDS.
// Resolves with the <command/> of the last answer, or the <error/> of a refusal.
async function command(client, to, node, fields = {}) {
	const first = await client.iqAnswer("set", to, xml("command", { xmlns: NS_COMMANDS, node, action: "execute" }));
	if (first.name === "error") return first;
	const cmd = first.getChild("command", NS_COMMANDS);
	if (cmd.attrs.status !== "executing") return cmd;
	const form = cmd.getChild("x", NS.data);
	assert.equal(form?.attrs.type, "form", `no form: ${first}`);
	const asked = form.getChildren("field").map((f) => f.attrs.var);
	assert.deepEqual(asked.sort(), Object.keys(fields).sort(), `the form asks for ${asked}`);
	const answer = await client.iqAnswer("set", to, xml("command",
		{ xmlns: NS_COMMANDS, node, sessionid: cmd.attrs.sessionid, action: "complete" },
		xml("x", { xmlns: NS.data, type: "submit" },
			...Object.entries(fields).map(([v, value]) => xml("field", { var: v }, xml("value", {}, value))))));
	return answer.name === "error" ? answer : answer.getChild("command", NS_COMMANDS);
}

const completed = (cmd) => {
	assert.equal(cmd.name, "command", `refused: ${cmd}`);
	assert.equal(cmd.attrs.status, "completed", `${cmd}`);
	return cmd.getChildText("note") ?? "";
};

// The rows of a list-lobbies result, as objects.
const rows = (cmd) => (cmd.getChild("x", NS.data)?.getChildren("item") ?? []).map((item) =>
	Object.fromEntries(item.getChildren("field").map((f) => [f.attrs.var, f.getChildText("value")])));

describe("admin commands", { timeout: 90000 }, () => {
	const s = useStack({ lobbydExtra: "lobby_default = on" });
	const connect = clientPool(s);
	const env = () => s.stack.env;
	const lobbyd = () => env().LOBBY_DOMAIN;
	let ops, stranger;

	async function reloadWith(edit) {
		const path = env().LOBBYD_CONFIG;
		writeFileSync(path, edit(readFileSync(path, "utf8")));
		const mark = s.stack.mark("lobbyd");
		s.stack.ctl("lobbyd-hup");
		await s.stack.waitLog("lobbyd", (l) => l.includes("config: reload"), { offset: mark });
	}

	// A meeting an owner has opened (lobby on by default), with one guest knocking (EMAIL: the
	// e-mail it types, as Jitsi Meet announces it after the knock).
	async function meetingWithKnocker(name = "Guest", { email } = {}) {
		const node = `adm-${rand()}`;
		const room = `${node}@${env().MUC_DOMAIN}`, lobby = `${node}@${env().LOBBY_DOMAIN}`;
		const owner = await connect({ token: mint(s.stack, { room: node, moderator: true, name: "Owner" }) });
		assert.ok((await owner.join(room, { displayName: "Owner" })).ok);
		assert.ok((await owner.joinLobby(lobby, { nick: hex8() })).ok);
		const guest = await connect();
		assertLobbyError(await guest.join(room, { displayName: name }), lobby);
		const nick = hex8();
		assert.ok((await guest.joinLobby(lobby, { nick, displayName: name, email })).ok);
		return { node, room, lobby, owner, guest, nick };
	}

	test("an admin_jid added by a reload sees the commands; anyone else sees none", async () => {
		ops = await connect();
		stranger = await connect();
		await reloadWith((t) => `${t}\nadmin_jid = ${ops.bare}\n`);
		const info = await ops.discoInfo(lobbyd());
		assert.ok(info.getChildren("feature").some((f) => f.attrs.var === NS_COMMANDS), `${info}`);
		const list = async (c) => (await c.iq("get", lobbyd(), xml("query", { xmlns: NS_ITEMS, node: NS_COMMANDS })))
			.getChild("query", NS_ITEMS).getChildren("item").map((i) => i.attrs.node);
		assert.deepEqual((await list(ops)).sort(), ["admit", "deny", "list-lobbies", "lobby", "reload", "send-back"]);
		assert.deepEqual(await list(stranger), []);
	});

	test("anyone else is refused, and the refusal logged", async () => {
		const mark = s.stack.mark("lobbyd");
		const err = await command(stranger, lobbyd(), "list-lobbies");
		assert.equal(err.name, "error", `${err}`);
		assert.ok(err.getChild("forbidden", NS.stanzas), `${err}`);
		await s.stack.waitLog("lobbyd", (l) => l.includes(`admin: refused command list-lobbies from ${stranger.jid}: not an admin_jid`),
			{ offset: mark });
	});

	test("list-lobbies shows who waits where, as moderators see them; admit lets the guest in with the stock invitation", async () => {
		const m = await meetingWithKnocker("Listed Guest", { email: "typed@guest.example" });
		// A second knocker whose token vouches for its name and e-mail: those are listed, not the typed ones.
		const known = await connect({ token: mintLocal(s.stack, { room: m.node, claims: { context: { user: {
			id: `u-${rand()}`, name: "Known Knocker", email: "known@example.com" } } } }) });
		assertLobbyError(await known.join(m.room, { displayName: "typed name" }), m.lobby);
		const knownNick = hex8();
		assert.ok((await known.joinLobby(m.lobby, { nick: knownNick, displayName: "typed name",
			email: "typed@known.example" })).ok);

		const list = await command(ops, lobbyd(), "list-lobbies");
		completed(list);
		const reported = list.getChild("x", NS.data).getChild("reported").getChildren("field").map((f) => f.attrs.var);
		assert.deepEqual(reported, ["room", "lobby", "host", "nick", "name", "email", "verified", "jid", "waited_s",
			"state"], `${list}`);
		const row = (nick) => {
			const r = rows(list).find((x) => x.room === m.room && x.nick === nick);
			return r && [r.lobby, r.host, r.nick, r.name, r.email, r.verified, r.jid, r.state];
		};
		assert.deepEqual(row(m.nick), ["on", "yes", m.nick, "Listed Guest", "typed@guest.example", "no", m.guest.jid,
			"waiting"], `${list}`);
		assert.deepEqual(row(knownNick), ["on", "yes", knownNick, "Known Knocker", "known@example.com", "token",
			known.jid, "waiting"], `${list}`);

		const mark = s.stack.mark("lobbyd");
		const note = completed(await command(ops, lobbyd(), "admit", { room: m.node, nick: m.nick }));
		assert.match(note, /admitted/);
		const invite = await m.guest.waitFor(isInviteFrom(m.room), 5000, { includePast: true });
		assert.equal(invite.getChild("x", NS.mucUser).getChild("invite").attrs.from, ops.jid);
		const r = await m.guest.join(m.room, { displayName: "Listed Guest" });
		assert.deepEqual([r.ok, r.affiliation], [true, "member"], `${r}`);
		await s.stack.waitLog("lobbyd", (l) => verdictLine(m.room, "allow")(l) && l.includes("rule=admitted-session"),
			{ offset: mark });
		await s.stack.waitLog("lobbyd", (l) => l.includes(`admin: ${ops.jid} ran admit in ${m.room} nick="${m.nick}": admitted`),
			{ offset: mark });

		// send-back: out of the meeting as by a kick, and knocking again.
		const gone = m.guest.waitFor((x) => x.attrs.from === r.occupantJid && x.attrs.type === "unavailable");
		completed(await command(ops, lobbyd(), "send-back", { room: m.room, nick: r.occupantJid.split("/")[1] }));
		assert.ok(statuses(await gone).includes("307"));
		const again = s.stack.mark("lobbyd");
		assertLobbyError(await m.guest.join(m.room, { displayName: "Listed Guest" }), m.lobby);
		await s.stack.waitLog("lobbyd", (l) => verdictLine(m.room, "lobby")(l) && l.includes("rule=sent-back"),
			{ offset: again });
	});

	test("deny sends the knocker away as a moderator's deny does; unknown nicks and rooms are refused", async () => {
		const m = await meetingWithKnocker();
		const kicked = m.guest.waitFor((x) => x.attrs.from === `${m.lobby}/${m.nick}` && x.attrs.type === "unavailable");
		completed(await command(ops, lobbyd(), "deny", { room: m.room, nick: m.nick }));
		const k = await kicked;
		assert.deepEqual(statuses(k).sort(), ["110", "307"]);
		assert.equal(k.getChild("x", NS.mucUser).getChild("item").getChildText("reason"), "You have been kicked.");
		// The moderator in the lobby room sees the knocker go.
		await m.owner.waitFor((x) => x.attrs.from === `${m.lobby}/${m.nick}` && x.attrs.type === "unavailable", 5000,
			{ includePast: true });

		for (const [fields, condition] of [[{ room: m.room, nick: "nobody" }, "item-not-found"],
			[{ room: `nowhere-${rand()}`, nick: "x" }, "item-not-found"],
			[{ room: "a/b", nick: "x" }, "bad-request"]]) {
			const err = await command(ops, lobbyd(), "deny", fields);
			assert.equal(err.name, "error", `${err}`);
			assert.ok(err.getChild(condition, NS.stanzas), `${condition}: ${err}`);
		}
	});

	test("lobby off lets the waiting in; lobby on keeps who is inside and makes newcomers knock", async () => {
		const m = await meetingWithKnocker();
		const released = m.guest.waitFor((x) => x.attrs.from === `${m.lobby}/${m.nick}` && x.attrs.type === "unavailable"
			&& x.getChild("x", NS.mucUser)?.getChild("destroy")?.attrs.jid === m.room);
		completed(await command(ops, lobbyd(), "lobby", { room: m.room, enabled: "false" }));
		await released;
		const inside = await m.guest.join(m.room, { displayName: "Guest" });
		assert.ok(inside.ok, `${inside}`);

		completed(await command(ops, lobbyd(), "lobby", { room: m.room, enabled: "true" }));
		const late = await connect();
		assertLobbyError(await late.join(m.room, { displayName: "Late" }), m.lobby);
		// Nobody inside was removed by the room going members-only.
		assert.ok(!m.guest.stanzas.some((x) => x.attrs.from === inside.occupantJid && x.attrs.type === "unavailable"),
			"the guest inside was removed");
		const twice = await command(ops, lobbyd(), "lobby", { room: m.room, enabled: "true" });
		assert.equal(twice.name, "error", `${twice}`);
	});

	test("reload reads the configuration again and says so; a broken file is refused with FILE:LINE", async () => {
		let note = completed(await command(ops, lobbyd(), "reload"));
		assert.match(note, /^reloaded /);
		const path = env().LOBBYD_CONFIG;
		const good = readFileSync(path, "utf8");
		writeFileSync(path, `${good}\nno_such_key = 1\n`);
		try {
			const cmd = await command(ops, lobbyd(), "reload");
			note = completed(cmd);
			assert.match(note, /reload refused/);
			assert.match(note, /:\d+: .*no_such_key/);
			assert.equal(cmd.getChild("note").attrs.type, "error");
		} finally {
			writeFileSync(path, good);
		}
		// Still an admin under the running configuration.
		completed(await command(ops, lobbyd(), "list-lobbies"));
	});
});
