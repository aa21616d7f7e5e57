#!/usr/bin/env node
// Join a room of a running stack the way a Jitsi client does and print what happened.
//
//   node tests/integration/tools/join.mjs STACK_DIR ROOM [--token TOKEN] [--name NAME] [--stay]
//
// ROOM is the room's node (e.g. demo). Without --token the client is a tokenless guest.
// Prints the outcome (joined as affiliation/role, or the error with its condition and text)
// and the raw presence; --stay keeps the occupant in the room until Ctrl-C.
import { Stack } from "../lib/stack.mjs";
import { Client } from "../lib/client.mjs";

const args = process.argv.slice(2);
const opt = (name) => { const i = args.indexOf(name); return i >= 0 ? args.splice(i, 2)[1] : undefined; };
const flag = (name) => { const i = args.indexOf(name); return i >= 0 ? (args.splice(i, 1), true) : false; };
const token = opt("--token");
const name = opt("--name") ?? (token ? "Owner" : "Guest");
const stay = flag("--stay");
if (args.length !== 2) {
	console.error("usage: join.mjs STACK_DIR ROOM [--token TOKEN] [--name NAME] [--stay]");
	process.exit(2);
}
const stack = new Stack(args[0]);
const room = `${args[1].toLowerCase()}@${stack.env.MUC_DOMAIN}`;
const client = await Client.connect(stack, { token });
const r = await client.join(room, { displayName: name });
if (r.ok) {
	console.log(`joined ${room} as ${client.jid}: affiliation=${r.affiliation} role=${r.role} (${r.ms} ms)`);
} else {
	console.log(`refused from ${room}: ${r.errorType}/${r.condition}${r.text ? ` "${r.text}"` : ""} (${r.ms} ms)`);
}
console.log(r.toString());
if (stay) {
	console.log("staying in the room; Ctrl-C to leave");
	process.on("SIGINT", async () => { await client.close(); process.exit(0); });
} else {
	await client.close();
	process.exit(r.ok ? 0 : 1);
}
