// The e2e harness: one stack (Prosody + bridge + lobbyd) with the focus stand-in, the test page
// on loopback, and one headless Chromium in which every user gets its own browser context.
// Every wait has a deadline. On a failed scenario the harness keeps, per client, a screenshot
// and a JSON log of its events (plus console messages and a stanza trace), and the stack's logs,
// under E2E_ARTIFACTS/<scenario>/.
import { before, after } from "node:test";
import { mkdirSync, writeFileSync, appendFileSync, copyFileSync, existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { Stack } from "../../integration/lib/stack.mjs";
import { mint } from "../../integration/lib/token.mjs";
import { focusSetup, startFocus } from "./focus.mjs";
import { startPageServer } from "./server.mjs";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const WAIT_MS = Number(process.env.E2E_WAIT_MS || 10000);

const CHROMIUM_FLAGS = [
	"--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
	"--disable-background-networking", "--disable-component-update", "--disable-sync",
];

// Bounded page calls: a stuck page must not hang the suite.
function bounded(promise, ms, what) {
	let timer;
	return Promise.race([
		promise,
		new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms); }),
	]).finally(() => clearTimeout(timer));
}

export class Client {
	constructor(e2e, label) {
		this.e2e = e2e;
		this.label = label;
		this.events = [];   // { t, kind: connection|conference, name, args }
		this.stanzas = [];  // { t, name: in|out, args: xml }
		this.console = [];
	}

	async open() {
		this.context = await this.e2e.browser.newContext();
		this.page = await this.context.newPage();
		this.page.setDefaultTimeout(WAIT_MS);
		await this.page.exposeFunction("e2eReport", (entry) => {
			if (entry.kind === "stanza") this.stanzas.push(entry);
			else this.events.push(entry);
		});
		this.page.on("console", (m) => {
			if (m.type() === "error" || m.type() === "warning") this.console.push({ t: Date.now(), type: m.type(), text: m.text() });
		});
		this.page.on("pageerror", (err) => this.console.push({ t: Date.now(), type: "pageerror", text: String(err) }));
		await this.page.goto(this.e2e.server.url, { timeout: WAIT_MS });
		await this.page.evaluate((l) => window.e2e.label(l), this.label);
		return this;
	}

	// Connects over the stack's WebSocket URL; the token (if any) is the JitsiConnection's token
	// argument, which the library sends as ?token= on the URL. `room`, when given, goes on the URL
	// as ?room=, as Jitsi Meet connects for the meeting it opens.
	async connect(token = null, { room } = {}) {
		const env = this.e2e.stack.env;
		const serviceUrl = room ? `${env.WS_URL}?room=${encodeURIComponent(room)}` : env.WS_URL;
		await bounded(this.page.evaluate((o) => window.e2e.connect(o), {
			serviceUrl, domain: env.DOMAIN, muc: env.MUC_DOMAIN, token, timeoutMs: WAIT_MS,
		}), WAIT_MS + 2000, `${this.label}: connect`);
	}

	// Starts a conference join (never while the focus stand-in is offline: the library would
	// retry its focus request silently forever).
	async join(room, displayName = this.label) {
		if (!this.e2e.focus?.online) throw new Error(`focus stand-in is not online; refusing to join ${room}`);
		await bounded(this.page.evaluate(([r, n]) => window.e2e.join(r, n), [room, displayName]), WAIT_MS, `${this.label}: join`);
	}

	call(method, ...args) {
		return bounded(this.page.evaluate(([m, a]) => window.e2e.call(m, ...a), [method, args]), WAIT_MS, `${this.label}: ${method}()`);
	}

	// An IQ over the library's own XMPP connection (window.e2e.iq); the answer's XML.
	iq(xmlText) {
		return bounded(this.page.evaluate(([x, ms]) => window.e2e.iq(x, ms), [xmlText, WAIT_MS]), WAIT_MS + 2000,
			`${this.label}: iq`);
	}

	// Leaves the conference (if any) without disconnecting.
	leave() {
		return bounded(this.page.evaluate(() => window.e2e.leave()), WAIT_MS, `${this.label}: leave`);
	}

	async leaveAndDisconnect() {
		await bounded(this.page.evaluate(() => window.e2e.leave()), WAIT_MS, `${this.label}: leave`);
		await bounded(this.page.evaluate(() => window.e2e.disconnect()), WAIT_MS, `${this.label}: disconnect`);
	}

	mark() { return this.events.length; }

	// The first event NAME (a key of JitsiMeetJS.events.*, e.g. CONFERENCE_JOINED) at index >=
	// since for which match(args) holds; fails after `timeout` with what was seen instead.
	async waitFor(name, { since = 0, match = () => true, timeout = WAIT_MS } = {}) {
		const names = Array.isArray(name) ? name : [name];
		const deadline = Date.now() + timeout;
		for (;;) {
			const ev = this.events.slice(since).find((e) => names.includes(e.name) && match(e.args));
			if (ev) return ev;
			if (Date.now() > deadline) {
				const seen = this.events.slice(since).map((e) => `${e.name}${JSON.stringify(e.args)}`).join("\n  ");
				throw new Error(`${this.label}: no ${names.join("|")} within ${timeout} ms; events since: \n  ${seen || "(none)"}`);
			}
			await sleep(20);
		}
	}

	// Asserts that no event NAME arrives at index >= since during ms.
	async expectNo(name, { since = 0, ms = 1000 } = {}) {
		await sleep(ms);
		const ev = this.events.slice(since).find((e) => e.name === name);
		if (ev) throw new Error(`${this.label}: unexpected ${name}${JSON.stringify(ev.args)}`);
	}

	async dump(dir) {
		const base = join(dir, this.label.replace(/[^\w.-]+/g, "_"));
		try { await bounded(this.page.screenshot({ path: `${base}.png`, fullPage: true }), 5000, "screenshot"); } catch { /* closed */ }
		writeFileSync(`${base}.json`, JSON.stringify({
			label: this.label, events: this.events, console: this.console, stanzas: this.stanzas,
		}, null, 1));
	}

	async close() {
		try { await bounded(this.context.close(), 5000, "close"); } catch { /* already gone */ }
	}
}

// Sets up the shared environment for the enclosing describe(): before() starts the stack with
// the focus stand-in, the page server and Chromium; after() stops them all.
export function useE2E(stackOptions = {}) {
	const e2e = {
		stack: null, focus: null, server: null, browser: null, clients: [], persistent: [], failed: false,
		token(room, opts = {}) { return mint(e2e.stack, { room, ...opts }); },
		// A user in its own browser context. A persistent client lives until the end of the
		// describe(); any other is closed at the end of the scenario that opened it.
		async client(label, { persistent = false } = {}) {
			const c = new Client(e2e, label);
			(persistent ? e2e.persistent : e2e.clients).push(c);
			return c.open();
		},
		// A scenario: on failure, keep artifacts of every client opened so far, then rethrow.
		scenario(name, fn) {
			return async () => {
				const from = e2e.clients.length;
				try {
					await fn();
					if (process.env.E2E_KEEP_ARTIFACTS) await e2e.keepArtifacts(name, [...e2e.persistent, ...e2e.clients]);
				} catch (err) {
					e2e.failed = true;
					const dir = await e2e.keepArtifacts(name, [...e2e.persistent, ...e2e.clients]);
					if (err instanceof Error) err.message += `\n(artifacts: ${dir})`;
					throw err;
				} finally {
					for (const c of e2e.clients.splice(from)) await c.close();
				}
			};
		},
		async keepArtifacts(name, clients) {
			const dir = join(process.env.E2E_ARTIFACTS || "build/e2e-artifacts", name.replace(/[^\w.-]+/g, "_").slice(0, 80));
			rmSync(dir, { recursive: true, force: true });
			mkdirSync(dir, { recursive: true });
			for (const c of clients) await c.dump(dir);
			if (e2e.focus) writeFileSync(join(dir, "focus.json"), JSON.stringify({ online: e2e.focus.online, requests: e2e.focus.requests, errors: e2e.focus.errors }, null, 1));
			for (const which of ["lobbyd", "prosody"]) {
				const f = e2e.stack?.logFile(which);
				if (f && existsSync(f)) copyFileSync(f, join(dir, `${which}.log`));
			}
			console.error(`e2e: artifacts of "${name}" kept in ${dir}`);
			return dir;
		},
	};

	before(async () => {
		const setupT0 = Date.now();
		if (!process.env.LOBBYD) throw new Error("set LOBBYD=/abs/path/to/build/lobbyd");
		// The focus component goes into Prosody's configuration, so its JID is needed before the
		// stack exists: stack-up always uses the domain meet.test (checked just after).
		const setup = focusSetup("meet.test");
		const bridgeExtra = [stackOptions.bridgeExtra, setup.prosodyConf].filter(Boolean).join("\n");
		e2e.stack = await Stack.up({ ...stackOptions, bridgeExtra });
		// tests/e2e/run stops every stack listed here on exit, even when the runner was killed.
		if (process.env.E2E_STACKS_FILE) appendFileSync(process.env.E2E_STACKS_FILE, `${e2e.stack.dir}\n`);
		if (e2e.stack.env.DOMAIN !== "meet.test") throw new Error(`stack domain ${e2e.stack.env.DOMAIN}: update focusSetup()`);
		e2e.focus = await startFocus(e2e.stack, setup);
		e2e.server = await startPageServer();
		e2e.browser = await chromium.launch({
			executablePath: process.env.E2E_CHROMIUM || "/usr/bin/chromium",
			headless: true,
			args: CHROMIUM_FLAGS,
			timeout: 30000,
		});
		console.error(`e2e: stack, focus stand-in, page server and Chromium up in ${Date.now() - setupT0} ms`);
	});

	after(async () => {
		for (const c of [...e2e.clients.splice(0), ...e2e.persistent.splice(0)]) await c.close();
		if (e2e.browser) { try { await bounded(e2e.browser.close(), 10000, "browser close"); } catch { /* killed with the runner */ } }
		if (e2e.server) await e2e.server.close();
		if (e2e.focus) await e2e.focus.stop();
		if (e2e.stack) {
			e2e.stack.down();
			if (e2e.failed || process.env.KEEP_STACK) console.error(`e2e: stack directory kept: ${e2e.stack.dir}`);
			else rmSync(e2e.stack.dir, { recursive: true, force: true });
		}
	});
	return e2e;
}
