// Small helpers shared by the test files.
import { after } from "node:test";
import { Client } from "./client.mjs";

export const rand = () => Math.random().toString(36).slice(2, 8);

// Clients connected in a describe() are closed when it ends.
export function clientPool(holder) {
	const clients = [];
	after(async () => { await Promise.all(clients.map((c) => c.close())); });
	return async (options) => {
		const c = await Client.connect(holder.stack, options);
		clients.push(c);
		return c;
	};
}
