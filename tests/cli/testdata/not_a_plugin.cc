// A shared library that registers nothing: LoadPlugin must reject it
// ("is not an nfalab plugin"). Built as tests/cli:libnot_a_plugin.so.
extern "C" int nfalab_not_a_plugin_answer() { return 42; }
