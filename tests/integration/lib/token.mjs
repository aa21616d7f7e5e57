// Test tokens. Normal tokens come from the project's CLI (`lobbyd token mint`) when it is
// there; tokens the CLI is not meant to make (expired, tampered) and runs without the CLI use
// a small HS256 minter with the stack's own secret and the claims Jitsi issues.
import { createHmac } from "node:crypto";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";

const b64url = (buf) => Buffer.from(buf).toString("base64url");

let cliChecked;
export function cliAvailable() {
	if (cliChecked === undefined) {
		const lobbyd = process.env.LOBBYD;
		cliChecked = Boolean(lobbyd) && spawnSync(lobbyd, ["token", "mint", "--help"], { encoding: "utf8" }).status === 0
			&& !process.env.LOBBYD_TEST_NODE_MINTER;
	}
	return cliChecked;
}

// HS256 with the stack's secret file. claims override the defaults.
export function mintLocal(stack, { room, moderator = false, bypass = false, name, claims = {}, expiresIn = 3600 } = {}) {
	const now = Math.floor(Date.now() / 1000);
	const user = { id: `u-${Math.random().toString(16).slice(2, 10)}` };
	if (name) user.name = name;
	if (moderator) user.moderator = true;
	if (bypass) user.lobby_bypass = true;
	const payload = {
		iss: stack.env.JWT_APP_ID, aud: stack.env.JWT_AUDIENCE, sub: stack.env.DOMAIN,
		room: room ?? "*", iat: now, nbf: now - 10, exp: now + expiresIn,
		context: { user }, ...claims,
	};
	const head = b64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
	const body = b64url(JSON.stringify(payload));
	const secret = readFileSync(stack.env.JWT_SECRET_FILE);
	const sig = b64url(createHmac("sha256", secret).update(`${head}.${body}`).digest());
	return `${head}.${body}.${sig}`;
}

// A valid token for ROOM: `lobbyd token mint -c CONF --room ROOM [--moderator] [--bypass] [--name NAME]`.
export function mint(stack, { room, moderator = false, bypass = false, name } = {}) {
	if (!cliAvailable()) return mintLocal(stack, { room, moderator, bypass, name });
	const args = ["token", "mint", "-c", stack.env.LOBBYD_CONFIG];
	if (room) args.push("--room", room);
	if (moderator) args.push("--moderator");
	if (bypass) args.push("--bypass");
	if (name) args.push("--name", name);
	const r = spawnSync(process.env.LOBBYD, args, { encoding: "utf8" });
	if (r.status !== 0) throw new Error(`lobbyd token mint failed: ${r.stderr}`);
	const token = r.stdout.trim().split(/\s+/).find((w) => /^[\w-]+\.[\w-]+\.[\w-]*$/.test(w));
	if (!token) throw new Error("lobbyd token mint printed no token");
	return token;
}

// Same header and claims, signature from another key.
export function forge(token) {
	const [head, body] = token.split(".");
	const sig = b64url(createHmac("sha256", "not-the-secret").update(`${head}.${body}`).digest());
	return `${head}.${body}.${sig}`;
}
