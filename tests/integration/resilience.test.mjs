// (d) lobbyd survives Prosody being paused (SIGSTOP/SIGCONT) and restarted.
import { describe, test } from "./lib/test.mjs";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { useStack, verdictLine } from "./lib/stack.mjs";
import { mint } from "./lib/token.mjs";
import { clientPool, rand } from "./lib/util.mjs";
import { hex8, assertLobbyError, assertNothing, lobbyLine } from "./lib/lobby.mjs";

const CONNECTED = (domain) => (line) => /\bINFO\s+stream: connected to /.test(line) && line.includes(` as ${domain}`);

// After Prosody restarted (s.stack.ctl returned): lobbyd may reach the dying Prosody once more
// before it reaches the new one, so wait for a connection made after the last one lost or refused.
async function reconnected(stack, mark) {
	const connected = CONNECTED(stack.env.LOBBY_DOMAIN);
	const deadline = Date.now() + 30000;
	for (;;) {
		const lines = stack.readFrom("lobbyd", mark).split("\n");
		const lastLoss = lines.findLastIndex((l) => /stream: (lost the connection|cannot connect|attempt to reach)/.test(l));
		if (lastLoss >= 0 && lines.slice(lastLoss + 1).some(connected)) return;
		assert.ok(Date.now() < deadline, `lobbyd did not reconnect:\n${lines.slice(-10).join("\n")}`);
		await new Promise((r) => setTimeout(r, 50));
	}
}

describe("lobbyd across Prosody pauses and restarts", { timeout: 90000 }, () => {
	const s = useStack();
	const connect = clientPool(s);
	const lobbydPid = () => readFileSync(s.stack.env.LOBBYD_PID_FILE, "utf8").trim();

	async function ownerJoinWorks() {
		const { stack } = s;
		const node = `res-${rand()}`;
		const room = `${node}@${stack.env.MUC_DOMAIN}`;
		const owner = await connect({ token: mint(stack, { room: node, moderator: true, name: "Owner" }) });
		const mark = stack.mark("lobbyd");
		const r = await owner.join(room, { displayName: "Owner" });
		assert.ok(r.ok, `join refused: ${r}`);
		assert.equal(r.affiliation, "owner");
		assert.equal(r.role, "moderator");
		await stack.waitLog("lobbyd", verdictLine(room, "allow"), { offset: mark });
	}

	test("Prosody paused for 3 s and resumed: lobbyd still runs and the next join works", async () => {
		const pid = lobbydPid();
		s.stack.ctl("prosody-pause");
		await new Promise((r) => setTimeout(r, 3000)); // the pause itself is what is tested
		s.stack.ctl("prosody-resume");
		assert.match(s.stack.ctl("status"), new RegExp(`lobbyd ${pid}\\b`));
		await ownerJoinWorks();
	});

	test("Prosody restarted: lobbyd reconnects (log line) and the next join works", async () => {
		const pid = lobbydPid();
		const mark = s.stack.mark("lobbyd");
		s.stack.ctl("prosody-restart");
		await reconnected(s.stack, mark);
		assert.match(s.stack.ctl("status"), new RegExp(`lobbyd ${pid}\\b`), "lobbyd was replaced, not reconnected");
		await ownerJoinWorks();
	});
});

// Leaves that happen while lobbyd's stream is down never reach it: after reconnecting it asks the
// bridge who is still present and lets the others go, so no ghost waits in a lobby.
describe("sessions that left while lobbyd's stream was down", { timeout: 90000 }, () => {
	const s = useStack();
	const connect = clientPool(s);

	// A clean restart destroys Prosody's in-memory rooms, and lobbyd hears of it; a crash does not.
	test("Prosody crashed with a lobby in use: no ghost knocker is shown afterwards", async () => {
		const { stack } = s;
		const { env } = stack;
		const node = `ghost-${rand()}`;
		const room = `${node}@${env.MUC_DOMAIN}`;
		const lobby = `${node}@${env.LOBBY_DOMAIN}`;
		const ownerToken = mint(stack, { room: node, moderator: true, name: "Owner" });
		const owner = await connect({ token: ownerToken });
		assert.ok((await owner.join(room, { displayName: "Owner" })).ok);
		await owner.setMembersOnly(room, true);
		assert.ok((await owner.joinLobby(lobby, { nick: hex8(), displayName: "Owner" })).ok);
		const guest = await connect();
		assertLobbyError(await guest.join(room, { displayName: "Ghost" }), lobby);
		const ghostNick = hex8();
		assert.ok((await guest.joinLobby(lobby, { nick: ghostNick, displayName: "Ghost" })).ok);

		const mark = stack.mark("lobbyd");
		stack.ctl("prosody-crash");
		await reconnected(stack, mark);
		// The knocker, the owner in the lobby room and the owner in the main room: all gone.
		const line = await stack.waitLog("lobbyd", /stream: checked \d+ sessions with the bridge/, { offset: mark });
		const [, checked, gone] = line.match(/checked (\d+) sessions with the bridge: (\d+) gone/);
		assert.equal(Number(checked), 3, line);
		assert.equal(Number(gone), 3, line);
		await stack.waitLog("lobbyd", lobbyLine(`room=${lobby}`, `left=${guest.jid}`, "while lobbyd was away"),
			{ offset: mark });

		// The owner comes back (a new session, as after any restart) and opens the lobby again.
		const back = await connect({ token: ownerToken });
		assert.ok((await back.join(room, { displayName: "Owner" })).ok);
		await back.setMembersOnly(room, true);
		assert.ok((await back.joinLobby(lobby, { nick: hex8(), displayName: "Owner" })).ok);
		await assertNothing(back, (x) => x.is("presence") && x.attrs.from === `${lobby}/${ghostNick}`, 400,
			"a knocker from before the restart is shown");
	});
});
