// The test page on loopback: the page, its driver script, jQuery and the lib-jitsi-meet bundle.
import { createServer } from "node:http";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

export async function startPageServer() {
	const bundle = process.env.E2E_LIB_JITSI_MEET;
	if (!bundle) throw new Error("E2E_LIB_JITSI_MEET is not set (run the suite through tests/e2e/run)");
	const js = "text/javascript; charset=utf-8";
	const files = {
		"/": ["text/html; charset=utf-8", readFileSync(join(HERE, "../page/index.html"))],
		"/client.js": [js, readFileSync(join(HERE, "../page/client.js"))],
		"/jquery.js": [js, readFileSync(require.resolve("jquery/dist/jquery.min.js"))],
		"/lib-jitsi-meet.min.js": [js, readFileSync(bundle)],
	};
	const server = createServer((req, res) => {
		const file = files[new URL(req.url, "http://x").pathname];
		if (!file) { res.writeHead(404).end(); return; }
		res.writeHead(200, { "content-type": file[0], "cache-control": "no-store" }).end(file[1]);
	});
	await new Promise((resolve, reject) => {
		server.once("error", reject);
		server.listen(0, "127.0.0.1", resolve);
	});
	return {
		url: `http://127.0.0.1:${server.address().port}/`,
		close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(() => r()); }),
	};
}
