-- luacheck configuration for the Prosody modules and config snippets in this directory.
-- Run: cd prosody-config && luacheck .
--  or: luacheck --config prosody-config/.luacheckrc prosody-config/
std = "lua54";
max_line_length = 120;
codes = true;

-- Works from the top of the repository (luacheck --config prosody-config/.luacheckrc prosody-config/)
-- and from this directory (luacheck .).
local module_api = {
	module = {
		fields = {
			host = {}, name = {}, path = {}, log = {}, environment = {},
			get_option = {}, get_option_string = {}, get_option_number = {},
			get_option_boolean = {}, get_option_array = {}, get_option_set = {},
			get_option_inherited_set = {}, get_host_type = {}, get_host = {}, get_name = {},
			hook = {}, hook_global = {}, hook_object_event = {}, hook_tag = {}, unhook = {},
			fire_event = {}, depends = {}, require = {}, send = {}, send_iq = {},
			add_feature = {}, add_identity = {}, add_extension = {}, add_item = {},
			add_timer = {}, measure = {}, shared = {}, context = {}, provides = {},
		},
	},
};

-- The module API Prosody hands every module; modules may read it, never replace it. Libraries
-- loaded with module:require run in their module's environment and see the same API.
-- 'prosody' is Prosody's global table (full_sessions and the like).
module_api.prosody = { fields = { full_sessions = { other_fields = true } } };
files["**/mod_*.lua"] = { read_globals = module_api };
files["**/*.lib.lua"] = { read_globals = module_api };

-- Prosody config files are Lua chunks whose globals are options and section functions.
files["**/*.cfg.lua"] = {
	allow_defined_top = true;
	ignore = { "111", "113", "131" };
	read_globals = { "VirtualHost", "Component", "Include", "ENV_LOBBYD_COMPONENT_SECRET" };
};
