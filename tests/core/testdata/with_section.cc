// A shared library with two strings in a section of its own, for
// elf_section_test (built as tests/core:libwith_section.so). `retain` keeps
// the unreferenced section through the linker's --gc-sections.
__attribute__((section(".elf_section_test"), used, retain)) static const char
    kFirst[] = "first";
__attribute__((section(".elf_section_test"), used, retain)) static const char
    kSecond[] = "second";
extern "C" int elf_section_test_anchor() { return kFirst[0] + kSecond[0]; }
