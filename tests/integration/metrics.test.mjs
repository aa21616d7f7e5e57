// The Prometheus endpoint (metrics_listen) on the real stack: the counters move with what the
// clients do (a verdict by rule, a knock, an approval and the wait it ended, a refused token by
// reason, the waiting gauge, the component's connection), and only GET /metrics is served.
import { describe, test } from "./lib/test.mjs";
import assert from "node:assert/strict";
import { freePort, useStack } from "./lib/stack.mjs";
import { forge, mint } from "./lib/token.mjs";
import { clientPool, rand } from "./lib/util.mjs";
import { hex8, assertLobbyError, isInviteFrom } from "./lib/lobby.mjs";

describe("metrics_listen", { timeout: 60000 }, () => {
	let port;
	const s = useStack({ lobbydExtra: async () => {
		port = await freePort();
		return `lobby_default = on\nmetrics_listen = 127.0.0.1:${port}`;
	} });
	const connect = clientPool(s);
	const env = () => s.stack.env;
	const url = (path = "/metrics") => `http://127.0.0.1:${port}${path}`;

	// The value of the sample NAME{LABELS} (the exact text), or undefined.
	async function sample(series) {
		const text = await (await fetch(url())).text();
		const line = text.split("\n").find((l) => l.startsWith(`${series} `));
		return line === undefined ? undefined : Number(line.slice(series.length + 1));
	}

	// Polls until the sample reaches 'want' (the gauge is refreshed once a loop turn, and some
	// events reach lobbyd after what the client sees).
	async function sampleReaches(series, want) {
		let got;
		for (let i = 0; i < 50; i++) {
			got = await sample(series);
			if (got === want) return;
			await new Promise((r) => setTimeout(r, 100));
		}
		assert.equal(got, want, `${series}`);
	}

	test("GET /metrics answers in the Prometheus text format; other paths and methods do not", async () => {
		const r = await fetch(url());
		assert.equal(r.status, 200);
		assert.match(r.headers.get("content-type"), /^text\/plain; version=0\.0\.4/);
		const text = await r.text();
		assert.match(text, /^# TYPE lobbyd_verdicts_total counter$/m);
		assert.match(text, /^# TYPE lobbyd_verdict_seconds histogram$/m);
		assert.match(text, /^lobbyd_component_connects_total 1$/m);
		assert.equal((await fetch(url("/"))).status, 404);
		assert.equal((await fetch(url(), { method: "POST", body: "x" })).status, 405);
	});

	test("a verdict, a knock, an approval and a refused token each move their counter", async () => {
		const node = `met-${rand()}`;
		const room = `${node}@${env().MUC_DOMAIN}`, lobby = `${node}@${env().LOBBY_DOMAIN}`;
		const owners = await sample('lobbyd_verdicts_total{action="allow",rule="owner-claim"}') ?? 0;
		const owner = await connect({ token: mint(s.stack, { room: node, moderator: true, name: "Owner" }) });
		assert.ok((await owner.join(room, { displayName: "Owner" })).ok);
		assert.equal(await sample('lobbyd_verdicts_total{action="allow",rule="owner-claim"}'), owners + 1);
		const verdicts = await sample("lobbyd_verdict_seconds_count");
		assert.ok(verdicts >= 1, `verdict latency count ${verdicts}`);

		const guest = await connect();
		assertLobbyError(await guest.join(room, { displayName: "Guest" }), lobby);
		assert.ok((await guest.joinLobby(lobby, { nick: hex8(), displayName: "Guest" })).ok);
		assert.equal(await sample("lobbyd_knocks_total"), 1);
		await sampleReaches("lobbyd_waiting", 1);

		await owner.invite(room, [guest.jid]);
		await guest.waitFor(isInviteFrom(room), 5000);
		// The bridge tells lobbyd of the approval alongside the invite, not before it.
		await sampleReaches("lobbyd_admits_total", 1);
		assert.equal(await sample("lobbyd_wait_seconds_count"), 1);
		assert.equal(await sample('lobbyd_wait_seconds_bucket{le="1"}'), 1);
		await sampleReaches("lobbyd_waiting", 0);

		const forged = await connect({ token: forge(mint(s.stack, { room: node, moderator: true })) });
		assertLobbyError(await forged.join(room, { displayName: "Forger" }), lobby);
		assert.equal(await sample('lobbyd_token_refusals_total{reason="signature"}'), 1);
		assert.equal(await sample('lobbyd_verdicts_total{action="lobby",rule="lobby"}'), 2);
	});
});

describe("metrics_listen on a port in use", { timeout: 30000 }, () => {
	test("lobbyd refuses to start and says why", async () => {
		const { createServer } = await import("node:net");
		const { spawnSync } = await import("node:child_process");
		const { mkdtempSync, writeFileSync, chmodSync } = await import("node:fs");
		const { join } = await import("node:path");
		const { tmpdir } = await import("node:os");
		const port = await freePort();
		const srv = createServer();
		await new Promise((r) => srv.listen(port, "127.0.0.1", r));
		const dir = mkdtempSync(join(tmpdir(), "lobbyd-met-"));
		writeFileSync(join(dir, "secret"), "s3cret-s3cret-s3cret\n");
		chmodSync(join(dir, "secret"), 0o600);
		writeFileSync(join(dir, "c.conf"), ["component_jid = lobby.meet.test", `component_secret_file = ${dir}/secret`,
			"main_domain = meet.test", "muc_domain = conference.meet.test", "component_port = 1",
			`metrics_listen = 127.0.0.1:${port}`].join("\n") + "\n");
		const r = spawnSync(process.env.LOBBYD, ["-c", join(dir, "c.conf")], { encoding: "utf8", timeout: 10000 });
		srv.close();
		assert.notEqual(r.status, 0, "lobbyd started although its metrics port was taken");
		assert.match(r.stderr, new RegExp(`cannot serve metrics on 127\\.0\\.0\\.1:${port}: Address already in use`));
	});
});
