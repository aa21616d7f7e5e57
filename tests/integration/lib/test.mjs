// node:test's describe() and test(), with a time limit on every test. The runner's
// --test-timeout flag would set the same limit, but it came with Node 20.11 and Debian 12's own
// Node is 18: the limit lives here so the suites run on both.
import { describe, test as nodeTest } from "node:test";

// Per test; suites set their own, longer limits where a whole file shares one stack.
export const TEST_TIMEOUT_MS = Number(process.env.TEST_TIMEOUT_MS) || 120000;

export function test(name, options, fn) {
	if (typeof options === "function") {
		fn = options;
		options = {};
	}
	return nodeTest(name, { timeout: TEST_TIMEOUT_MS, ...options }, fn);
}

export { describe };
