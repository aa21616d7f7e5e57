-- mod_bench_profile: benchmark-only. Never load it in a deployment.
--
-- A sampling profiler of Prosody's Lua, so the benchmark can say where Prosody's CPU goes on
-- each path. A count hook (every bench_profile_instructions VM instructions) runs on the main
-- thread and on every coroutine (coroutine.create and coroutine.wrap are wrapped so that new
-- coroutines, util.async's runners among them, get the hook too). Each sample is weighted by
-- the process CPU time (os.clock()) spent since the previous sample ended, so time in C
-- (expat, string building, socket writes, the garbage collector's steps) is charged to the Lua
-- function running around it; the hook's own time is left out of the weights.
--
--   self       the function running at the sample (key: source:linedefined, plus its name)
--   inclusive  every function on the stack, counted once per sample; the stack continues
--              through the coroutines that resumed the running one (coroutine.resume is wrapped
--              to remember who resumed whom), so a stanza handled in a session's runner is
--              also charged to the network read that resumed it
--   categories the share of samples with any frame of a category on the stack
--
-- Window: from load, reset by SIGUSR1 (tests/bench/bench_ws --signal-prosody sends it when its
-- measured phase starts). SIGUSR2 (sent when that phase ends) writes the report and stops
-- counting; "server-stopping" and unloading write it too unless SIGUSR2 already did.
--
-- Options (global): bench_profile_file (the report; default DATA_PATH/lua-profile.txt),
-- bench_profile_instructions (default 1000). Loaded by tests/bench/run with BENCH_LUA_PROFILE=1.

-- It replaces coroutine.create/resume/wrap and reads Prosody globals the bridge's luacheck
-- configuration does not list.
-- luacheck: ignore 122 142 143
module:set_global();

local getinfo, sethook = debug.getinfo, debug.sethook;
local clock = os.clock;
local co_create, co_resume, co_running, co_status = coroutine.create, coroutine.resume, coroutine.running,
	coroutine.status;
local orig = { create = coroutine.create, wrap = coroutine.wrap, resume = coroutine.resume };

local report_file = module:get_option_string("bench_profile_file",
	(prosody.paths and prosody.paths.data or ".") .. "/lua-profile.txt");
local every = module:get_option_number("bench_profile_instructions", 1000);

local main_thread = debug.getregistry()[1];
local my_source = getinfo(1, "S").source;

-- Accumulators (reset by SIGUSR1).
local self_t, incl_t, cat_t, here_t, layer_t, file_t, stamp, cstamp, hstamp;
local names = {}; -- key -> a name it was called by (kept over resets, like the keys themselves)
local total, hook_time, samples, main_w, window_start, sample_id, last;
local counting = true;
local function reset()
	self_t, incl_t, cat_t, here_t, layer_t, file_t, stamp, cstamp, hstamp = {}, {}, {}, {}, {}, {}, {}, {}, {};
	total, hook_time, samples, main_w, sample_id = 0, 0, 0, 0, 0;
	window_start = os.time();
	counting = true;
	last = clock();
end
reset();

local SKIP = false;
-- function -> key ("short_src:linedefined", or "[C] name <- caller" for C functions); weak keys
-- so that closures made per stanza are not kept alive by the profiler.
local keyof = setmetatable({}, { __mode = "k" });
keyof[co_resume] = "[C] coroutine.resume";
-- coroutine -> the thread that last resumed it
local parent = setmetatable({}, { __mode = "k" });

-- What each category means: patterns on "key name" (any one matches).
local function esc(str) return (str:gsub("%W", "%%%0")); end
local function short(src)
	return (src:gsub("^.*/prosody/", ""):gsub("^.*/prosody%-config/", "prosody-config/")
		:gsub("^.*/tests/bench/", "tests/bench/"));
end
local function lua_key(f)
	local i = getinfo(f, "S");
	return short(i.short_src) .. ":" .. i.linedefined;
end
-- Serialisation, by the functions themselves (tostring() calls __tostring from C: no name).
local serialise = {};
do
	local ok, st = pcall(require, "prosody.util.stanza");
	if not ok then ok, st = pcall(require, "util.stanza"); end
	local mt = ok and st.stanza_mt;
	if mt then
		for _, f in ipairs({ mt.__tostring, mt.top_tag }) do
			serialise[#serialise + 1] = "^" .. esc(lua_key(f)) .. " ";
			for u = 1, 8 do
				local n, v = debug.getupvalue(f, u);
				if not n then break; end
				if type(v) == "function" and getinfo(v, "S").what == "Lua" then
					serialise[#serialise + 1] = "^" .. esc(lua_key(v)) .. " ";
				end
			end
		end
	end
end
local categories = {
	{ "bridge (prosody-config/*lobbyd_bridge*)", "lobbyd_bridge" },
	{ "XML parse (util/xmppstream, expat's parse)", "util/xmppstream%.lua", "^%[C%] parse " },
	{ "XML parse: expat's parse (C)", "^%[C%] parse " },
	{ "XML serialise (stanza __tostring, top_tag)", table.unpack(serialise) },
	{ "util/stanza (building, reading and serialising stanzas)", "util/stanza%.lua" },
	{ "routing (core/stanza_router)", "core/stanza_router%.lua" },
	{ "event dispatch (util/events)", "util/events%.lua" },
	{ "MUC (muc.lib, occupant, mod_muc, muc modules)", "modules/muc/" },
	{ "MUC broadcast (broadcast, publicise_occupant_status, broadcast_message)", "muc%.lib%.lua:%d+ broadcast",
		"muc%.lib%.lua:%d+ publicise_occupant_status" },
	{ "MUC join (handle_first_presence, handle_normal_presence)", "muc%.lib%.lua:%d+ handle_first_presence",
		"muc%.lib%.lua:%d+ handle_normal_presence" },
	{ "MUC affiliation (set_affiliation)", "muc%.lib%.lua:%d+ set_affiliation" },
	{ "WebSocket (mod_websocket, net/websocket)", "websocket" },
	{ "HTTP (net/http, mod_http)", "net/http/", "mod_http%.lua" },
	{ "SASL and auth (mod_saslauth, util/sasl, mod_auth_*)", "mod_saslauth", "util/sasl", "mod_auth_" },
	{ "sending to sessions (core/sessionmanager, util/filters)", "core/sessionmanager%.lua", "util/filters%.lua" },
	{ "c2s (mod_c2s)", "mod_c2s%.lua" },
	{ "component (mod_component)", "mod_component%.lua" },
	{ "network loop (net/server_epoll)", "net/server_epoll%.lua" },
	{ "async runners (util/async)", "util/async%.lua" },
	{ "logging (util/logger, core/loggingmanager)", "util/logger%.lua", "loggingmanager%.lua" },
	{ "timers (util/timer, util/indexedbheap)", "util/timer%.lua", "indexedbheap" },
	{ "presence (mod_presence)", "mod_presence%.lua" },
	{ "JIDs (util/jid)", "util/jid%.lua" },
	{ "promises (util/promise)", "util/promise%.lua" },
	{ "ping, disco (mod_ping, mod_disco)", "mod_ping%.lua", "mod_disco%.lua" },
	{ "token capture (mod_bench_token)", "mod_bench_token" },
};
local cat_of = {}; -- key -> list of category indexes (false when none)

-- key_at(thread, level): the key of the function at that level, SKIP for the profiler's own, nil
-- past the end of the stack.
local function key_at(thread, level)
	local info = getinfo(thread, level, "f");
	if not info then return nil; end
	local f = info.func;
	local k = keyof[f];
	if k == nil then
		local i = getinfo(thread, level, "Sn");
		local name = i.name or (i.what == "main" and "(main chunk)") or "?";
		if i.source == my_source then
			k = SKIP;
		elseif i.what == "C" then
			local c = getinfo(thread, level + 1, "Sl");
			k = "[C] " .. name .. (c and (" <- " .. short(c.short_src) .. ":" .. c.currentline) or "");
		else
			k = short(i.short_src) .. ":" .. i.linedefined;
		end
		keyof[f] = k;
		if k and (names[k] == nil or names[k] == "?") then names[k] = name; end
	end
	return k;
end

local function categorise(k)
	local full = k .. " " .. (names[k] or "");
	local list = {};
	for i, c in ipairs(categories) do
		for j = 2, #c do
			if full:find(c[j]) then list[#list + 1] = i; break; end
		end
	end
	local r = #list > 0 and list or false;
	cat_of[k] = r;
	return r;
end

-- charge(k, w, id): inclusive time of k and its categories, once per sample; returns k's
-- categories.
local function charge(k, w, id)
	local cats = cat_of[k];
	if stamp[k] ~= id then
		stamp[k] = id;
		incl_t[k] = (incl_t[k] or 0) + w;
		if names[k] == nil then names[k] = "?"; end
		if cats == nil then cats = categorise(k); end
		if cats then
			for j = 1, #cats do
				local c = cats[j];
				if cstamp[c] ~= id then
					cstamp[c] = id;
					cat_t[c] = (cat_t[c] or 0) + w;
				end
			end
		end
	end
	return cats;
end

local function hook()
	local t0 = clock();
	if not counting then return; end
	local w = t0 - last;
	if w < 0 then w = 0; end
	local id = sample_id + 1;
	sample_id = id;
	samples = samples + 1;
	total = total + w;
	local co, ismain = co_running();
	if ismain then main_w = main_w + w; end
	-- Self: the running function (on this thread, key_at's level 0 is getinfo, 1 key_at, 2 this
	-- hook, 3 the function the hook interrupted).
	local top = key_at(co, 3);
	if top then
		self_t[top] = (self_t[top] or 0) + w;
		local file = top:match("^(.-):%-?%d+$") or top:match("^%[C%]") or top;
		file_t[file] = (file_t[file] or 0) + w;
	end
	-- Inclusive; and the sample's layer, the innermost frame's category.
	local layer;
	local level = 3;
	while true do
		local k = key_at(co, level);
		if k == nil then break; end
		if k then
			local cats = charge(k, w, id);
			if cats then
				if not layer then layer = cats[1]; end
				for j = 1, #cats do
					local c = cats[j];
					if hstamp[c] ~= id then hstamp[c] = id; here_t[c] = (here_t[c] or 0) + w; end
				end
			end
		end
		level = level + 1;
	end
	-- On through the resumers: their level 0 is coroutine.resume itself.
	local th, depth = parent[co], 0;
	while th and depth < 16 do
		level = 0;
		while true do
			local k = key_at(th, level);
			if k == nil then break; end
			if k then
				local cats = charge(k, w, id);
				if cats and not layer then layer = cats[1]; end
			end
			level = level + 1;
		end
		th, depth = parent[th], depth + 1;
	end
	layer = layer or 0;
	layer_t[layer] = (layer_t[layer] or 0) + w;
	last = clock();
	hook_time = hook_time + (last - t0);
end

local function arm(thread)
	sethook(thread, hook, "", every);
end

-- New coroutines get the hook; resumes are remembered so stacks continue into the resumer.
-- (util.async copies the creator's hook onto its threads as well.)
local function p_create(f)
	local co = co_create(f);
	arm(co);
	return co;
end
local function p_resume(co, ...)
	parent[co] = co_running();
	return co_resume(co, ...);
end
local function wrap_result(co, ok, ...)
	if ok then return ...; end
	if coroutine.close and co_status(co) == "dead" then coroutine.close(co); end
	error((...), 0);
end
local function p_wrap(f)
	local co = p_create(f);
	local function resume_wrapped(...)
		parent[co] = co_running();
		return wrap_result(co, co_resume(co, ...));
	end
	return resume_wrapped;
end
coroutine.create, coroutine.resume, coroutine.wrap = p_create, p_resume, p_wrap;
arm(main_thread);
do -- the thread loading this module (Prosody's startup runner), when it is not the main one
	local co, ismain = co_running();
	if not ismain then arm(co); end
end

local function pct(x) return total > 0 and (100 * x / total) or 0; end

local function top_list(out, title, t, n, bare)
	local keys = {};
	for k in pairs(t) do keys[#keys + 1] = k; end
	table.sort(keys, function (a, b) return t[a] > t[b]; end);
	out[#out + 1] = ("\n## %s (top %d of %d)\n%7s %9s  %s"):format(title, n, #keys, "%", "ms", "function");
	for i = 1, math.min(n, #keys) do
		local k = keys[i];
		local label = (bare or k:match("^%[C%]")) and k or (k .. " " .. (names[k] or "?"));
		out[#out + 1] = ("%6.2f%% %9.1f  %s"):format(pct(t[k]), t[k] * 1000, label);
	end
end

local written = false;
local function write_report(why)
	local out = {};
	out[#out + 1] = ("# Lua CPU profile of Prosody %s (%s), mod_bench_profile"):format(
		prosody.version or "?", _VERSION);
	out[#out + 1] = ("window: %s .. %s UTC, written on %s"):format(os.date("!%H:%M:%S", window_start),
		os.date("!%H:%M:%S"), why);
	out[#out + 1] = ("samples %d, one every %d VM instructions; sampled CPU %.3f s (os.clock, the weights);"
		.. " the profiler's own %.3f s left out"):format(samples, every, total, hook_time);
	out[#out + 1] = ("main thread %.1f%%, coroutines %.1f%%"):format(pct(main_w), pct(total - main_w));
	out[#out + 1] = "\n## categories";
	out[#out + 1] = "inclusive: samples with any frame of the category on the stack (they overlap);";
	out[#out + 1] = "this thread: the same, from the running coroutine's own stack only (what a resumed coroutine";
	out[#out + 1] = "  does is not charged to the code that resumed it, e.g. a held join resumed by the verdict handler);";
	out[#out + 1] = "innermost: each sample once, to the category of its innermost categorised frame (sums to 100 %)";
	out[#out + 1] = ("%7s %9s %11s %10s %9s  %s"):format("incl %", "incl ms", "this thread", "innermost", "ms",
		"category");
	local order = {};
	for i in ipairs(categories) do order[#order + 1] = i; end
	table.sort(order, function (a, b) return (cat_t[a] or 0) > (cat_t[b] or 0); end);
	for _, i in ipairs(order) do
		out[#out + 1] = ("%6.2f%% %9.1f %10.2f%% %9.2f%% %9.1f  %s"):format(pct(cat_t[i] or 0),
			(cat_t[i] or 0) * 1000, pct(here_t[i] or 0), pct(layer_t[i] or 0), (layer_t[i] or 0) * 1000,
			categories[i][1]);
	end
	out[#out + 1] = ("%6s %9s %11s %9.2f%% %9.1f  %s"):format("", "", "", pct(layer_t[0] or 0), (layer_t[0] or 0) * 1000,
		"uncategorised (no frame of any category on the stack)");
	top_list(out, "self by file", file_t, 25, true);
	do -- every function of the bridge, whatever its rank
		local keys = {};
		for k in pairs(incl_t) do if k:find("lobbyd_bridge", 1, true) then keys[#keys + 1] = k; end end
		table.sort(keys, function (a, b) return incl_t[a] > incl_t[b]; end);
		out[#out + 1] = ("\n## the bridge's functions (%d)\n%7s %9s %7s %9s  %s"):format(#keys, "self %", "ms",
			"incl %", "ms", "function");
		for _, k in ipairs(keys) do
			out[#out + 1] = ("%6.2f%% %9.1f %6.2f%% %9.1f  %s %s"):format(pct(self_t[k] or 0), (self_t[k] or 0) * 1000,
				pct(incl_t[k]), incl_t[k] * 1000, k, names[k] or "?");
		end
	end
	top_list(out, "self", self_t, 40);
	top_list(out, "inclusive", incl_t, 40);
	local f, err = io.open(report_file, "w");
	if not f then
		module:log("error", "cannot write %s: %s", report_file, err);
		return;
	end
	f:write(table.concat(out, "\n"), "\n");
	f:close();
	written = true;
	module:log("info", "Lua profile (%d samples, %.3f s) written to %s", samples, total, report_file);
end

module:hook_global("signal/SIGUSR1", function ()
	reset();
	written = false;
	arm(main_thread);
	module:log("info", "Lua profile reset");
end);
module:hook_global("signal/SIGUSR2", function ()
	counting = false;
	write_report("SIGUSR2");
end);
module:hook_global("server-stopping", function ()
	if not written then counting = false; write_report("server-stopping"); end
end);

function module.unload()
	if not written then counting = false; write_report("unload"); end
	coroutine.create, coroutine.resume, coroutine.wrap = orig.create, orig.resume, orig.wrap;
	sethook(main_thread);
end

module:log("info", "Lua profiler on: a sample every %d instructions, report to %s", every, report_file);
