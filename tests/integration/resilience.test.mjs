// (d) lobbyd survives Prosody being paused (SIGSTOP/SIGCONT) and restarted.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { useStack, verdictLine } from "./lib/stack.mjs";
import { mint } from "./lib/token.mjs";
import { clientPool, rand } from "./lib/util.mjs";

const CONNECTED = (domain) => (line) => /\bINFO\s+stream: connected to /.test(line) && line.includes(` as ${domain}`);

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
		// lobbyd may reach the dying Prosody once more before it reaches the new one: wait for a
		// connection made after the last one lost or refused.
		const connected = CONNECTED(s.stack.env.LOBBY_DOMAIN);
		const deadline = Date.now() + 30000;
		for (;;) {
			const lines = s.stack.readFrom("lobbyd", mark).split("\n");
			const lastLoss = lines.findLastIndex((l) => /stream: (lost the connection|cannot connect|attempt to reach)/.test(l));
			if (lastLoss >= 0 && lines.slice(lastLoss + 1).some(connected)) break;
			assert.ok(Date.now() < deadline, `lobbyd did not reconnect:\n${lines.slice(-10).join("\n")}`);
			await new Promise((r) => setTimeout(r, 50));
		}
		assert.match(s.stack.ctl("status"), new RegExp(`lobbyd ${pid}\\b`), "lobbyd was replaced, not reconnected");
		await ownerJoinWorks();
	});
});
