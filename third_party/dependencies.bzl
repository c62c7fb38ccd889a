"""nfalab_dependencies(): every external repository nfalab needs, all local.

nfalab's own WORKSPACE calls it, and so does a workspace that uses nfalab
from outside (e.g. to build a plugin), after binding nfalab itself:

    local_repository(name = "nfalab", path = "/path/to/nfalab")
    load("@nfalab//third_party:dependencies.bzl", "nfalab_dependencies")
    nfalab_dependencies()

Nothing is downloaded: the repositories are small generated stand-ins
(rules_cc, remote_coverage_tools), Debian's Bazel packages (rules_java,
platforms) and the system's protoc/libprotobuf and Eigen (Debian packages,
installed by nfalab's tools/setup.sh). A repository the calling workspace
already defines is left alone. Pair it with tools/nfalab.bazelrc, which
holds the build flags (C++17, -march=native, -c opt, the BLAS choice).
"""

load(":system_protobuf.bzl", "system_protobuf")

# Bazel 4.2.3's embedded C++ tools load @rules_cc//cc:defs.bzl. Debian's
# bazel-rules-cc is too new for 4.2.3; these files re-export the native rules.
_RULES_CC_DEFS = '''"""Re-exports Bazel 4.2.3's native C++ rules under the rules_cc names."""

cc_binary = native.cc_binary
cc_import = native.cc_import
cc_library = native.cc_library
cc_proto_library = native.cc_proto_library
cc_test = native.cc_test
cc_toolchain = native.cc_toolchain
cc_toolchain_suite = native.cc_toolchain_suite
fdo_prefetch_hints = native.fdo_prefetch_hints
fdo_profile = native.fdo_profile
objc_import = native.objc_import
objc_library = native.objc_library
'''

_RULES_CC_BUILD = '''package(default_visibility = ["//visibility:public"])

alias(
    name = "toolchain_type",
    actual = "@bazel_tools//tools/cpp:toolchain_type",
)
'''

# Every test rule depends on the coverage tools; coverage is not supported.
_COVERAGE_BUILD = '''package(default_visibility = ["//visibility:public"])

sh_binary(
    name = "coverage_report_generator",
    srcs = ["coverage_unavailable.sh"],
)

filegroup(
    name = "lcov_merger",
    srcs = [],
)
'''

_COVERAGE_SCRIPT = '''#!/bin/sh
echo "coverage is not available in this offline build" >&2
exit 1
'''

def _rules_cc_shim_impl(repository_ctx):
    repository_ctx.file("WORKSPACE", 'workspace(name = "rules_cc")\n')
    repository_ctx.file("BUILD", "")
    repository_ctx.file("cc/BUILD", _RULES_CC_BUILD)
    repository_ctx.file("cc/defs.bzl", _RULES_CC_DEFS)

_rules_cc_shim = repository_rule(implementation = _rules_cc_shim_impl)

def _coverage_stub_impl(repository_ctx):
    repository_ctx.file("WORKSPACE", 'workspace(name = "remote_coverage_tools")\n')
    repository_ctx.file("BUILD", _COVERAGE_BUILD)
    repository_ctx.file("coverage_unavailable.sh", _COVERAGE_SCRIPT, executable = True)

_coverage_stub = repository_rule(implementation = _coverage_stub_impl)

def _maybe(rule, name, **kwargs):
    if not native.existing_rule(name):
        rule(name = name, **kwargs)

def nfalab_dependencies():
    """Defines rules_cc, rules_java, platforms, remote_coverage_tools,
    com_google_protobuf, eigen, jsoncpp and libxml2, unless already defined."""
    _maybe(_rules_cc_shim, "rules_cc")

    # JDK toolchains are registered even for C++ builds (bazel-rules-java).
    _maybe(native.local_repository, "rules_java", path = "/usr/share/bazel/rules/java")
    _maybe(native.local_repository, "platforms", path = "/usr/share/bazel/platforms")
    _maybe(_coverage_stub, "remote_coverage_tools")

    # The system protoc and libprotobuf, shaped as @com_google_protobuf so
    # the native proto_library / cc_proto_library rules work.
    _maybe(system_protobuf, "com_google_protobuf")

    # Eigen 3.4 headers (libeigen3-dev).
    _maybe(
        native.new_local_repository,
        "eigen",
        build_file = str(Label("//third_party/eigen:eigen.BUILD")),
        path = "/usr/include/eigen3",
    )

    # JsonCpp (libjsoncpp-dev) reads model.json (experiment/model_import.h).
    _maybe(
        native.new_local_repository,
        "jsoncpp",
        build_file = str(Label("//third_party/jsoncpp:jsoncpp.BUILD")),
        path = "/usr/include/jsoncpp",
    )

    # libxml2 headers (libxml2-dev); the SVG tests parse figures with it.
    _maybe(
        native.new_local_repository,
        "libxml2",
        build_file = str(Label("//third_party/libxml2:libxml2.BUILD")),
        path = "/usr/include/libxml2",
    )
