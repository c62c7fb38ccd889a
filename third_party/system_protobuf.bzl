"""Wraps the system protoc and libprotobuf as the @com_google_protobuf repo."""

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

proto_lang_toolchain(
    name = "cc_toolchain",
    command_line = "--cpp_out=$(OUT)",
    runtime = ":protobuf",
)
""")

system_protobuf = repository_rule(
    implementation = _system_protobuf_impl,
    local = True,
)
