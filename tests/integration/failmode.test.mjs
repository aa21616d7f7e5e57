// (c) lobbyd stopped, paused, or a connected component that never answers: the bridge's fail
// mode answers within the configured timeout; nothing hangs.
import { describe, test } from "./lib/test.mjs";
import assert from "node:assert/strict";
import { useStack, verdictLine } from "./lib/stack.mjs";
import { NS } from "./lib/client.mjs";
import { startFakeComponent } from "./lib/fake-component.mjs";
import { mint } from "./lib/token.mjs";
import { clientPool, rand } from "./lib/util.mjs";

const TIMEOUT_S = 1;            // lobbyd_timeout for these stacks
const SLACK_MS = 1500;          // scheduling slack on a loaded machine

function assertUnavailable(r) {
	assert.ok(!r.ok, `join got in: ${r}`);
	assert.equal(r.errorType, "wait");
	assert.equal(r.condition, "internal-server-error");
	assert.ok(r.error.getChild("lobbyd-unavailable", NS.bridge), `no <lobbyd-unavailable/>: ${r}`);
	assert.match(r.text ?? "", /lobby service is not answering/);
}

describe("fail mode closed with the real lobbyd", { timeout: 60000 }, () => {
	// Every join is asked about here, tokenless ones into open rooms included.
	const s = useStack({ bridgeExtra: `lobbyd_timeout = ${TIMEOUT_S};`, lobbydExtra: "ask_tokenless_joins = yes" });
	const connect = clientPool(s);
	const room = () => `fm-${rand()}@${s.stack.env.MUC_DOMAIN}`;

	test("lobbyd paused (SIGSTOP): the join fails after the timeout, not before, not much after", async () => {
		const guest = await connect();
		s.stack.ctl("lobbyd-pause");
		let r;
		try {
			r = await guest.join(room(), { displayName: "Guest", timeout: TIMEOUT_S * 1000 + SLACK_MS + 5000 });
		} finally {
			s.stack.ctl("lobbyd-resume");
		}
		assertUnavailable(r);
		assert.ok(r.ms >= TIMEOUT_S * 1000 - 50, `answered after ${r.ms} ms, before the timeout`);
		assert.ok(r.ms < TIMEOUT_S * 1000 + SLACK_MS, `answered after ${r.ms} ms`);
	});

	test("lobbyd resumed: the next join works again", async () => {
		const guest = await connect();
		const name = room();
		const mark = s.stack.mark("lobbyd");
		const r = await guest.join(name, { displayName: "Guest" });
		assert.ok(r.ok, `join refused: ${r}`);
		await s.stack.waitLog("lobbyd", verdictLine(name, "allow"), { offset: mark });
	});

	test("lobbyd stopped: the join fails at once with lobbyd-unavailable", async () => {
		const guest = await connect();
		s.stack.ctl("lobbyd-stop");
		const r = await guest.join(room(), { displayName: "Guest", timeout: TIMEOUT_S * 1000 + SLACK_MS + 5000 });
		assertUnavailable(r);
		assert.ok(r.ms < TIMEOUT_S * 1000 + SLACK_MS, `answered after ${r.ms} ms`);
	});

	test("lobbyd started again: it reconnects and the next join works", async () => {
		s.stack.ctl("lobbyd-start"); // waits for lobbyd's "connected" line
		const guest = await connect();
		const name = room();
		const mark = s.stack.mark("lobbyd");
		const r = await guest.join(name, { displayName: "Guest" });
		assert.ok(r.ok, `join refused: ${r}`);
		await s.stack.waitLog("lobbyd", verdictLine(name, "allow"), { offset: mark });
	});
});

describe("fail mode closed, default ask: only joins lobbyd must judge wait for it", { timeout: 60000 }, () => {
	const s = useStack({ bridgeExtra: `lobbyd_timeout = ${TIMEOUT_S};` });
	const connect = clientPool(s);
	const node = () => `fa-${rand()}`;

	test("with lobbyd stopped, a tokenless join into an open room goes in; a token join fails closed", async () => {
		const { stack } = s;
		// A first verdict tells the bridge which joins lobbyd needs to see.
		const first = node();
		const owner = await connect({ token: mint(stack, { room: first, moderator: true, name: "Owner" }) });
		const mark = stack.mark("lobbyd");
		const r0 = await owner.join(`${first}@${stack.env.MUC_DOMAIN}`, { displayName: "Owner" });
		assert.ok(r0.ok, `owner refused: ${r0}`);
		await stack.waitLog("lobbyd", (l) => verdictLine(first, "allow")(l), { offset: mark });
		stack.ctl("lobbyd-stop");
		try {
			const guest = await connect();
			const r1 = await guest.join(`${node()}@${stack.env.MUC_DOMAIN}`, { displayName: "Guest" });
			assert.ok(r1.ok, `tokenless join into an open room refused: ${r1}`);
			const other = node();
			const owner2 = await connect({ token: mint(stack, { room: other, moderator: true, name: "Owner 2" }) });
			const r2 = await owner2.join(`${other}@${stack.env.MUC_DOMAIN}`,
				{ displayName: "Owner 2", timeout: TIMEOUT_S * 1000 + SLACK_MS + 5000 });
			assertUnavailable(r2);
		} finally {
			stack.ctl("lobbyd-start");
		}
	});
});

describe("fail mode closed with a connected component that never answers", { timeout: 60000 }, () => {
	const s = useStack({ noLobbyd: true, bridgeExtra: `lobbyd_timeout = ${TIMEOUT_S};` });
	const connect = clientPool(s);

	test("the join fails after the timeout with lobbyd-unavailable", async () => {
		const silent = await startFakeComponent(s.stack, () => null);
		try {
			const guest = await connect();
			const r = await guest.join(`silent-${rand()}@${s.stack.env.MUC_DOMAIN}`,
				{ displayName: "Guest", timeout: TIMEOUT_S * 1000 + SLACK_MS + 5000 });
			assertUnavailable(r);
			assert.equal(silent.joins.length, 1, "the bridge did not ask the component");
			assert.ok(r.ms >= TIMEOUT_S * 1000 - 50, `answered after ${r.ms} ms, before the timeout`);
			assert.ok(r.ms < TIMEOUT_S * 1000 + SLACK_MS, `answered after ${r.ms} ms`);
		} finally {
			await silent.stop();
		}
	});
});

describe("fail mode open with no component connected", { timeout: 60000 }, () => {
	const s = useStack({ noLobbyd: true, bridgeExtra: `lobbyd_fail_mode = "open";` });
	const connect = clientPool(s);

	test("the join continues into Prosody's MUC without token rights", async () => {
		const guest = await connect();
		const r = await guest.join(`open-${rand()}@${s.stack.env.MUC_DOMAIN}`, { displayName: "Guest" });
		assert.ok(r.ok, `join refused: ${r}`);
		await s.stack.waitLog("prosody", /lobbyd gave no verdict .* fail mode open/);
	});
});
