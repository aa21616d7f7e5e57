// A stand-in for lobbyd on the component port: answers bridge <join/> IQs with whatever
// `answer(join)` returns (an <iq/> child, or null to stay silent). Used as a test double for the
// "connected but silent component" case, which the real daemon cannot be made to do on purpose.
import { readFileSync } from "node:fs";
import componentPkg from "@xmpp/component";
import { NS } from "./client.mjs";

const { component, xml } = componentPkg;

export async function startFakeComponent(stack, answer = () => null) {
	const c = component({
		service: `xmpp://127.0.0.1:${stack.env.COMPONENT_PORT}`,
		domain: stack.env.LOBBY_DOMAIN,
		password: readFileSync(stack.env.COMPONENT_SECRET_FILE, "utf8").trim(),
	});
	c.on("error", () => {});
	c.reconnect.stop();
	const joins = [];
	// Through the IQ callee so unhandled IQs still get an error; a handler that never settles
	// keeps the component silent for that join.
	c.iqCallee.get(NS.bridge, "join", (ctx) => {
		const join = ctx.element;
		joins.push(join);
		const child = answer(join, xml);
		return child ?? new Promise(() => {});
	});
	await c.start();
	return { joins, stop: async () => { try { await c.stop(); } catch { /* gone */ } } };
}
