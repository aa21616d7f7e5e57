// Webhooks (webhook_url) on the real stack, with a real HTTP receiver in this process: every audit
// line arrives as a signed POST whose signature verifies with the secret, named by X-Lobbyd-Event,
// never carrying the token; a 500 is retried until the 200; a 404 is not; a receiver that is down
// ends in failures and drops, counted in the metrics, one log line each, the URL without its
// credentials or query; on SIGTERM lobbyd gives the queue a bounded time and stops.
import { describe, test } from "./lib/test.mjs";
import assert from "node:assert/strict";
import { createHmac, timingSafeEqual } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { after, before } from "node:test";
import { freePort, useStack } from "./lib/stack.mjs";
import { mint } from "./lib/token.mjs";
import { clientPool, rand } from "./lib/util.mjs";
import { hex8, assertLobbyError, isInviteFrom } from "./lib/lobby.mjs";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// A secret file as an operator writes one: random, mode 0600.
function secretFile(dir) {
	const secret = `whsec-${rand()}${rand()}${rand()}`;
	const path = join(dir, "webhook.secret");
	writeFileSync(path, `${secret}\n`, { mode: 0o600 });
	return { secret, path };
}

// The receiver: records every request (method, path, headers, raw body) and answers with what
// 'answers' holds for the next request (a status, default 200).
function receiver() {
	const r = { got: [], answers: [], port: 0, server: null };
	r.start = (port) => new Promise((res) => {
		r.server = createServer((req, resp) => {
			const chunks = [];
			req.on("data", (c) => chunks.push(c));
			req.on("end", () => {
				const status = r.answers.length > 0 ? r.answers.shift() : 200;
				r.got.push({ method: req.method, url: req.url, headers: req.headers,
					raw: Buffer.concat(chunks), status });
				resp.writeHead(status, { "Content-Type": "text/plain" });
				resp.end(status === 200 ? "ok\n" : "no\n");
			});
		});
		r.server.listen(port, "127.0.0.1", () => { r.port = port; res(); });
	});
	r.stop = () => new Promise((res) => (r.server ? r.server.close(() => res()) : res()));
	// The requests after 'from' whose body matches, waiting (bounded) for 'count' of them.
	r.wait = async (match, { from = 0, count = 1, timeout = 10000 } = {}) => {
		const deadline = Date.now() + timeout;
		for (;;) {
			const hits = r.got.slice(from).filter((g) => match(JSON.parse(g.raw.toString("utf8"))));
			if (hits.length >= count) return hits;
			if (Date.now() > deadline) {
				assert.fail(`${hits.length} of ${count} matching posts within ${timeout} ms; got:\n`
					+ r.got.slice(from).map((g) => `${g.status} ${g.raw}`).join("\n"));
			}
			await sleep(50);
		}
	};
	return r;
}

async function sample(metricsPort, series) {
	const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
	const line = text.split("\n").find((l) => l.startsWith(`${series} `));
	return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

async function sampleReaches(metricsPort, series, want, timeout = 10000) {
	const deadline = Date.now() + timeout;
	let got;
	for (;;) {
		got = await sample(metricsPort, series);
		if (got !== undefined && got >= want) return got;
		if (Date.now() > deadline) assert.fail(`${series} is ${got}, want at least ${want}`);
		await sleep(100);
	}
}

const signatureOf = (secret, raw) => `sha256=${createHmac("sha256", secret).update(raw).digest("hex")}`;

function assertSigned(post, secret) {
	const want = Buffer.from(signatureOf(secret, post.raw));
	const got = Buffer.from(post.headers["x-lobbyd-signature"] ?? "");
	assert.ok(got.length === want.length && timingSafeEqual(got, want),
		`signature ${got} does not verify (want ${want})`);
}

describe("webhook_url: a receiver that answers", { timeout: 90000 }, () => {
	const dir = mkdtempSync(join(tmpdir(), "lobbyd-webhook-"));
	const { secret, path } = secretFile(dir);
	const rx = receiver();
	let metricsPort;
	before(async () => rx.start(await freePort()));
	after(async () => { await rx.stop(); rmSync(dir, { recursive: true, force: true }); });
	const s = useStack({ lobbydExtra: async () => {
		metricsPort = await freePort();
		// Credentials and a query on the URL: curl gets them, the log never does.
		return ["lobby_default = on", `metrics_listen = 127.0.0.1:${metricsPort}`,
			`webhook_url = http://hookuser:hookpass@127.0.0.1:${rx.port}/hook?key=q5ecret`,
			`webhook_secret_file = ${path}`, "webhook_retries = 3", "webhook_timeout_ms = 2000"].join("\n");
	} });
	const connect = clientPool(s);
	const env = () => s.stack.env;

	test("the log names the URL without credentials or query", async () => {
		const line = await s.stack.waitLog("lobbyd", (l) => l.includes("webhook: posting audit events to"));
		assert.ok(line.includes(`to http://127.0.0.1:${rx.port}/hook `), line);
		const log = s.stack.readFrom("lobbyd");
		assert.ok(!log.includes("hookpass") && !log.includes("q5ecret") && !log.includes(secret),
			"credentials, query or secret in lobbyd's log");
	});

	test("verdict, knock, admit and deny arrive signed, named and without the token", async () => {
		const from = rx.got.length;
		const node = `wh-${rand()}`;
		const room = `${node}@${env().MUC_DOMAIN}`, lobby = `${node}@${env().LOBBY_DOMAIN}`;
		const token = mint(s.stack, { room: node, moderator: true, name: "Owner" });
		const owner = await connect({ token });
		assert.ok((await owner.join(room, { displayName: "Owner" })).ok);
		const [v] = await rx.wait((b) => b.event === "verdict" && b.jid === owner.jid, { from });
		assert.deepEqual(JSON.parse(v.raw).rule, "owner-claim");

		const knock = async (name) => {
			const c = await connect();
			assertLobbyError(await c.join(room, { displayName: name }), lobby);
			const nick = hex8();
			assert.ok((await c.joinLobby(lobby, { nick, displayName: name })).ok);
			await rx.wait((b) => b.event === "knock" && b.jid === c.jid, { from });
			return { c, nick };
		};
		const g1 = await knock("Guest One");
		await owner.invite(room, [g1.c.jid]);
		await g1.c.waitFor(isInviteFrom(room), 5000);
		const [admit] = await rx.wait((b) => b.event === "admit" && b.jid === g1.c.jid, { from });
		assert.equal(JSON.parse(admit.raw).actor, owner.jid);

		const g2 = await knock("Guest Two");
		assert.ok((await owner.joinLobby(lobby, { nick: hex8() })).ok);
		await owner.deny(lobby, g2.nick);
		const [deny] = await rx.wait((b) => b.event === "deny" && b.jid === g2.c.jid, { from });
		assert.equal(JSON.parse(deny.raw).actor, owner.jid);

		const posts = rx.got.slice(from);
		const events = new Set(posts.map((p) => p.headers["x-lobbyd-event"]));
		for (const e of ["verdict", "knock", "admit", "deny"]) assert.ok(events.has(e), `no ${e} post`);
		for (const p of posts) {
			assert.equal(p.method, "POST");
			assert.equal(p.url, "/hook?key=q5ecret");
			assert.equal(p.headers["content-type"], "application/json");
			assert.equal(p.headers.authorization, `Basic ${Buffer.from("hookuser:hookpass").toString("base64")}`);
			const body = JSON.parse(p.raw.toString("utf8"));
			assert.equal(p.headers["x-lobbyd-event"], body.event);
			assert.match(body.ts, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
			assertSigned(p, secret);
			assert.ok(!p.raw.toString("utf8").includes(token), "the token itself is in a webhook body");
		}
		// A body signed with another key does not verify: the check above can fail.
		assert.notEqual(posts[0].headers["x-lobbyd-signature"], signatureOf(`${secret}x`, posts[0].raw));
		assert.ok(await sampleReaches(metricsPort, "lobbyd_webhook_deliveries_total", posts.length) >= posts.length);
		assert.equal(await sample(metricsPort, "lobbyd_webhook_failures_total"), 0);
	});

	test("a 500 is retried until the receiver answers 200; a 404 is given up at once", async () => {
		const delivered = await sample(metricsPort, "lobbyd_webhook_deliveries_total");
		let from = rx.got.length;
		rx.answers.push(500, 503);
		const guest = await connect();
		await guest.join(`wh-${rand()}@${env().MUC_DOMAIN}`, { displayName: "Retry" });
		const tries = await rx.wait((b) => b.event === "verdict" && b.jid === guest.jid, { from, count: 3 });
		assert.deepEqual(tries.map((t) => t.status), [500, 503, 200]);
		assert.equal(tries[0].raw.toString(), tries[2].raw.toString(), "a retry carries the same body");
		assert.equal(tries[0].headers["x-lobbyd-signature"], tries[2].headers["x-lobbyd-signature"]);
		await sampleReaches(metricsPort, "lobbyd_webhook_deliveries_total", delivered + 1);
		assert.equal(await sample(metricsPort, "lobbyd_webhook_failures_total"), 0);

		from = rx.got.length;
		const mark = s.stack.mark("lobbyd");
		rx.answers.push(404);
		const other = await connect();
		await other.join(`wh-${rand()}@${env().MUC_DOMAIN}`, { displayName: "Refused" });
		const line = await s.stack.waitLog("lobbyd", (l) => l.includes("webhook: delivery to"), { offset: mark });
		assert.ok(line.includes(`webhook: delivery to http://127.0.0.1:${rx.port}/hook failed after 1 attempt: HTTP 404`), line);
		assert.equal(await sampleReaches(metricsPort, "lobbyd_webhook_failures_total", 1), 1);
		await sleep(1500);      /* past the first backoff: no second attempt came */
		assert.equal(rx.got.slice(from).filter((g) => JSON.parse(g.raw).jid === other.jid).length, 1);
		assert.equal(await sample(metricsPort, "lobbyd_webhook_queue"), 0);
	});
});

describe("webhook_url: a receiver that is down", { timeout: 90000 }, () => {
	const dir = mkdtempSync(join(tmpdir(), "lobbyd-webhook-down-"));
	const { path } = secretFile(dir);
	let metricsPort, hookPort;
	after(() => rmSync(dir, { recursive: true, force: true }));
	const s = useStack({ lobbydExtra: async () => {
		metricsPort = await freePort();
		hookPort = await freePort();        // nobody listens there
		return ["lobby_default = on", `metrics_listen = 127.0.0.1:${metricsPort}`,
			`webhook_url = http://127.0.0.1:${hookPort}/hook`, `webhook_secret_file = ${path}`,
			"webhook_retries = 1", "webhook_queue_max = 2", "webhook_timeout_ms = 500"].join("\n");
	} });
	const connect = clientPool(s);
	const env = () => s.stack.env;

	test("events fail after the last retry and the queue's overflow is dropped, both counted", async () => {
		const mark = s.stack.mark("lobbyd");
		const node = `whd-${rand()}`;
		const room = `${node}@${env().MUC_DOMAIN}`, lobby = `${node}@${env().LOBBY_DOMAIN}`;
		const owner = await connect({ token: mint(s.stack, { room: node, moderator: true }) });
		assert.ok((await owner.join(room, { displayName: "Owner" })).ok);
		for (let i = 0; i < 3; i++) {
			const g = await connect();
			assertLobbyError(await g.join(room, { displayName: `Guest ${i}` }), lobby);
			assert.ok((await g.joinLobby(lobby, { nick: hex8(), displayName: `Guest ${i}` })).ok);
		}
		// Seven events (verdicts and knocks) against a queue of two: the rest are dropped.
		assert.ok(await sampleReaches(metricsPort, "lobbyd_webhook_dropped_total", 1) >= 1);
		const full = await s.stack.waitLog("lobbyd", (l) => l.includes("webhook: queue full"), { offset: mark });
		assert.ok(full.includes(`http://127.0.0.1:${hookPort}/hook`), full);
		// Two attempts, one second apart, then given up.
		await sampleReaches(metricsPort, "lobbyd_webhook_failures_total", 2);
		const line = await s.stack.waitLog("lobbyd", (l) => l.includes("webhook: delivery to"), { offset: mark });
		assert.match(line, new RegExp(`WARN webhook: delivery to http://127\\.0\\.0\\.1:${hookPort}/hook failed after 2 attempts: .*(onnect|refused)`));
		assert.equal(await sample(metricsPort, "lobbyd_webhook_deliveries_total"), 0);
		const dropped = await sample(metricsPort, "lobbyd_webhook_dropped_total");
		const failed = await sample(metricsPort, "lobbyd_webhook_failures_total");
		assert.ok(dropped + failed >= 7, `dropped ${dropped} + failed ${failed}`);
	});

	test("SIGTERM gives the queue a bounded time, then lobbyd stops", async () => {
		const mark = s.stack.mark("lobbyd");
		const g = await connect();
		await g.join(`whd-${rand()}@${env().MUC_DOMAIN}`, { displayName: "Late" });
		const t0 = Date.now();
		s.stack.ctl("lobbyd-stop");
		const took = Date.now() - t0;
		assert.ok(took < 6000, `lobbyd took ${took} ms to stop`);
		const log = s.stack.readFrom("lobbyd", mark);
		assert.match(log, /webhook: (delivering \d+ queued events|stopping with \d+ events not delivered)/);
		s.stack.ctl("lobbyd-start");
	});
});
