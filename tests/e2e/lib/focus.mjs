// A stand-in for Jicofo's conference request: an external component on focus.<domain> that
// answers every <conference xmlns='http://jitsi.org/protocol/focus'/> IQ with ready='true' and
// nothing else. It grants no role and touches no room: owners come only from lobbyd's verdict on
// the token, as in production. lib-jitsi-meet sends this IQ before every main-room join
// (including its automatic rejoin after an approval) and retries silently forever while it
// goes unanswered, so the harness refuses to join while the stand-in is not online.
import { randomBytes } from "node:crypto";
import componentPkg from "@xmpp/component";

const { component, xml } = componentPkg;
export const NS_FOCUS = "http://jitsi.org/protocol/focus";

export function focusSetup(domain) {
	const secret = randomBytes(24).toString("hex");
	const jid = `focus.${domain}`;
	// A Component section for Prosody's configuration (the stack's BRIDGE_EXTRA_CONF is placed
	// right before the VirtualHost, which ends this section).
	const prosodyConf = `Component "${jid}"\n\tcomponent_secret = "${secret}";`;
	return { jid, secret, prosodyConf };
}

export async function startFocus(stack, setup, { timeout = 10000 } = {}) {
	const c = component({
		service: `xmpp://127.0.0.1:${stack.env.COMPONENT_PORT}`,
		domain: setup.jid,
		password: setup.secret,
	});
	const focus = { jid: setup.jid, online: false, requests: [], errors: [] };
	c.on("error", (err) => focus.errors.push(String(err?.message ?? err)));
	c.on("online", () => { focus.online = true; });
	c.on("offline", () => { focus.online = false; });
	c.on("disconnect", () => { focus.online = false; });
	c.reconnect.stop();
	c.iqCallee.set(NS_FOCUS, "conference", (ctx) => {
		const room = ctx.element.attrs.room;
		focus.requests.push({ t: Date.now(), from: ctx.stanza.attrs.from, room });
		return xml("conference", { xmlns: NS_FOCUS, room, ready: "true" });
	});
	let timer;
	try {
		await Promise.race([
			c.start(),
			new Promise((_, reject) => {
				timer = setTimeout(() => reject(new Error(`focus stand-in ${setup.jid} not online within ${timeout} ms`)), timeout);
			}),
		]);
	} catch (err) {
		try { await c.stop(); } catch { /* not connected */ }
		throw new Error(`${err.message}; errors: ${focus.errors.join("; ") || "none"}`);
	} finally {
		clearTimeout(timer);
	}
	focus.stop = async () => {
		try { await Promise.race([c.stop(), new Promise((r) => setTimeout(r, 3000))]); } catch { /* gone */ }
	};
	return focus;
}
