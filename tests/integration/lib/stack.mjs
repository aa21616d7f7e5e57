// The test stack: tests/stack/stack-up in a temporary directory with free ports, torn down at
// the end even on failure; log polling with deadlines; process control via tests/stack/stack-ctl.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { before, after, afterEach } from "node:test";
import { mkdtempSync, rmSync, readFileSync, existsSync, statSync, openSync, readSync, closeSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const STACK = join(ROOT, "tests/stack");

function portFree(port) {
	return new Promise((res) => {
		const srv = createServer();
		srv.once("error", () => res(false));
		srv.listen(port, "127.0.0.1", () => srv.close(() => res(true)));
	});
}

// One free loopback port for a test's own listener, above both the stacks' ranges and the
// ports Linux hands out for outgoing connections (32768..60999).
export async function freePort() {
	for (let i = 0; i < 200; i++) {
		const port = 61000 + Math.floor(Math.random() * 4000);
		if (await portFree(port)) return port;
	}
	throw new Error("no free port found");
}

// Three consecutive free loopback ports, PORT_BASE..PORT_BASE+2.
export async function freePortBase() {
	for (let i = 0; i < 200; i++) {
		// Below 32768, where Linux starts handing out ports for outgoing connections.
		const base = 20000 + Math.floor(Math.random() * 12000);
		if ((await portFree(base)) && (await portFree(base + 1)) && (await portFree(base + 2))) return base;
	}
	throw new Error("no free port range found");
}

function run(cmd, args, env = {}) {
	const r = spawnSync(cmd, args, { env: { ...process.env, ...env }, encoding: "utf8", timeout: 60000 });
	if (r.status !== 0) {
		throw new Error(`${cmd} ${args.join(" ")} failed (${r.status ?? r.signal}):\n${r.stdout}${r.stderr}`);
	}
	return r.stdout;
}

function readEnv(file) {
	const env = {};
	for (const line of readFileSync(file, "utf8").split("\n")) {
		const i = line.indexOf("=");
		if (i > 0) env[line.slice(0, i)] = line.slice(i + 1);
	}
	return env;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export class Stack {
	constructor(dir) {
		this.dir = dir;
		this.env = readEnv(join(dir, "stack.env"));
	}

	// options: { lobbydExtra (string or async function), bridgeExtra, noLobbyd }
	static async up(options = {}) {
		const dir = mkdtempSync(join(tmpdir(), "lobbyd-it-"));
		const base = await freePortBase();
		const env = {};
		// lobbydExtra: the lines, or an async function that returns them (e.g. with a free port).
		const extra = typeof options.lobbydExtra === "function" ? await options.lobbydExtra() : options.lobbydExtra;
		if (extra) env.LOBBYD_EXTRA_CONF = extra;
		if (options.bridgeExtra) env.BRIDGE_EXTRA_CONF = options.bridgeExtra;
		if (options.noLobbyd) env.STACK_NO_LOBBYD = "1";
		else if (!process.env.LOBBYD) throw new Error("set LOBBYD=/abs/path/to/build/lobbyd");
		try {
			run("bash", [join(STACK, "stack-up"), dir, String(base)], env);
		} catch (err) {
			spawnSync("bash", [join(STACK, "stack-down"), dir]);
			throw err;
		}
		return new Stack(dir);
	}

	down() {
		run("bash", [join(STACK, "stack-down"), this.dir]);
	}

	// tests/stack/stack-ctl DIR COMMAND (lobbyd-stop, lobbyd-start, prosody-pause, ...)
	ctl(command) {
		return run("bash", [join(STACK, "stack-ctl"), this.dir, command]);
	}

	logFile(which) {
		return which === "lobbyd" ? this.env.LOBBYD_LOG : this.env.PROSODY_LOG;
	}

	// Current end of a log, to wait for lines written after it.
	mark(which) {
		const f = this.logFile(which);
		return existsSync(f) ? statSync(f).size : 0;
	}

	readFrom(which, offset = 0) {
		const f = this.logFile(which);
		if (!existsSync(f)) return "";
		const size = statSync(f).size;
		if (size <= offset) return "";
		const buf = Buffer.alloc(size - offset);
		const fd = openSync(f, "r");
		try { readSync(fd, buf, 0, buf.length, offset); } finally { closeSync(fd); }
		return buf.toString("utf8");
	}

	// Wait (bounded) for a log line after `offset` for which test(line) is true; returns it.
	async waitLog(which, test, { offset = 0, timeout = 5000 } = {}) {
		const match = typeof test === "function" ? test : (line) => test.test(line);
		const deadline = Date.now() + timeout;
		for (;;) {
			const line = this.readFrom(which, offset).split("\n").find(match);
			if (line) return line;
			if (Date.now() > deadline) {
				throw new Error(`no matching line in ${which} log within ${timeout} ms (${test})`);
			}
			await sleep(25);
		}
	}

	tail(which, lines = 40) {
		return this.readFrom(which).split("\n").slice(-lines).join("\n");
	}
}

// A lobbyd verdict log line for ROOM (bare JID) with verdict=ACTION (and rule=...).
export function verdictLine(room, action) {
	return (line) => /\bINFO\s+verdict:/.test(line) && line.includes(room)
		&& new RegExp(`\\bverdict=${action}\\b`).test(line) && /\brule=\S+/.test(line);
}

// Fail when lobbyd logged a verdict for a join of 'jid' since 'mark': the bridge let that join
// continue without asking (lobbyd logs a verdict before it answers, so a join that got in after
// a round trip has its line already).
export function assertNotAsked(stack, mark, jid, what) {
	const asked = stack.readFrom("lobbyd", mark).split("\n")
		.filter((l) => /\bINFO\s+verdict:/.test(l) && l.includes(` jid=${jid} `));
	assert.deepEqual(asked, [], `${what}: lobbyd was asked`);
}

// Bring a stack up for the enclosing describe() (or file): before() starts it, after() stops it
// and, when a test failed (or SHOW_LOGS is set), prints the tail of both logs. The temporary
// stack directory is removed unless a test failed or KEEP_STACK is set.
export function useStack(options = {}) {
	const holder = { stack: null, failed: false };
	before(async () => { holder.stack = await Stack.up(options); });
	afterEach((ctx) => { if (ctx?.passed === false) holder.failed = true; });
	after(() => {
		if (!holder.stack) return;
		if (holder.failed || process.env.SHOW_LOGS) {
			console.error(`--- ${holder.stack.dir}: tail of lobbyd.log ---\n${holder.stack.tail("lobbyd")}`);
			console.error(`--- ${holder.stack.dir}: tail of prosody.log ---\n${holder.stack.tail("prosody")}`);
		}
		holder.stack.down();
		// Keep the directory (configs, logs) when something failed or KEEP_STACK is set.
		if (holder.failed || process.env.KEEP_STACK) console.error(`stack directory kept: ${holder.stack.dir}`);
		else rmSync(holder.stack.dir, { recursive: true, force: true });
	});
	return holder;
}
