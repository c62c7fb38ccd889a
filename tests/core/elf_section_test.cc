// ReadElfSection on real shared objects built for the test, and on files that
// are not (or no longer) ELF.
#include "core/elf_section.h"

#include <unistd.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "core/file_io.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"
#include "tests/temp_dir.h"

namespace nfalab {
namespace {

using ::nfalab::testing::StatusIs;
using ::testing::HasSubstr;

class ElfSectionTest : public ::nfalab::testing::TempDirTest {
 protected:
  ElfSectionTest() : TempDirTest("elf_section") {}
};

// Built by this package; the test's runfiles directory is the current one.
constexpr char kLibrary[] = "tests/core/libwith_section.so";

TEST_F(ElfSectionTest, ReadsTheSectionsStrings) {
  // The compiler may order the two statics either way.
  const auto section = ReadElfSection(kLibrary, ".elf_section_test");
  ASSERT_TRUE(section.ok()) << section.status();
  ASSERT_TRUE(section->has_value());
  const std::string& bytes = **section;
  EXPECT_TRUE(bytes == std::string("first\0second\0", 13) ||
              bytes == std::string("second\0first\0", 13))
      << "got " << bytes.size() << " bytes";
}

TEST_F(ElfSectionTest, AbsentSectionIsNullopt) {
  const auto section = ReadElfSection(kLibrary, ".no_such_section");
  ASSERT_TRUE(section.ok()) << section.status();
  EXPECT_FALSE(section->has_value());
}

TEST_F(ElfSectionTest, MissingFileIsNotFound) {
  EXPECT_THAT(ReadElfSection(Path("absent.so"), ".text"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("absent.so")));
}

TEST_F(ElfSectionTest, TextFileIsInvalidArgumentNamingIt) {
  ASSERT_TRUE(WriteFileAtomically(Path("text.so"), "not an ELF file\n").ok());
  EXPECT_THAT(ReadElfSection(Path("text.so"), ".text"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr(Path("text.so") + " is not a well-formed ELF")));
}

TEST_F(ElfSectionTest, TruncatedLibraryIsRefusedAtEveryLength) {
  const auto bytes = ReadFile(kLibrary);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  // Cuts inside the ELF header, the program headers, the sections and the
  // section header table (which sits at the end): none may be read as whole.
  for (size_t keep : {size_t{0}, size_t{4}, size_t{40}, size_t{200},
                      bytes->size() / 2, bytes->size() - 64,
                      bytes->size() - 1}) {
    SCOPED_TRACE(absl::StrCat("kept ", keep, " of ", bytes->size()));
    const std::string path = Path(absl::StrCat("cut", keep, ".so"));
    ASSERT_TRUE(WriteFileAtomically(path, bytes->substr(0, keep)).ok());
    EXPECT_THAT(ReadElfSection(path, ".elf_section_test"),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr("is not a well-formed ELF")));
  }
}

}  // namespace
}  // namespace nfalab
