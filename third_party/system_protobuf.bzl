"""Wraps the system protoc and libprotobuf as the @com_google_protobuf repo."""

_WELL_KNOWN_PROTOS = ["any"]

def _system_protobuf_impl(repository_ctx):
    protoc = repository_ctx.which("protoc")
    if protoc == None:
        fail("protoc not found on PATH; run tools/setup.sh (protobuf-compiler)")
    repository_ctx.file("WORKSPACE", 'workspace(name = "com_google_protobuf")\n')
    repository_ctx.file(
        "protoc.sh",
        "#!/bin/sh\nexec \"%s\" \"$@\"\n" % protoc,
        executable = True,
    )
    # The well-known types configs use (google.protobuf.Any), from the
    # system's protobuf headers; libprotobuf already holds their code.
    for name in _WELL_KNOWN_PROTOS:
        path = "/usr/include/google/protobuf/%s.proto" % name
        if not repository_ctx.path(path).exists:
            fail("%s not found; run tools/setup.sh (libprotobuf-dev)" % path)
        repository_ctx.symlink(path, "google/protobuf/%s.proto" % name)
    repository_ctx.file("BUILD", """
package(default_visibility = ["//visibility:public"])

sh_binary(
    name = "protoc",
    srcs = ["protoc.sh"],
)

cc_library(
    name = "protobuf",
    linkopts = ["-lprotobuf", "-pthread"],
)

proto_library(
    name = "any_proto",
    srcs = ["google/protobuf/any.proto"],
)

# No C++ is generated for the well-known types: libprotobuf defines them,
# and a second copy would register google/protobuf/any.proto twice.
proto_lang_toolchain(
    name = "cc_toolchain",
    blacklisted_protos = [":any_proto"],
    command_line = "--cpp_out=$(OUT)",
    runtime = ":protobuf",
)
""")

system_protobuf = repository_rule(
    implementation = _system_protobuf_impl,
    local = True,
)
