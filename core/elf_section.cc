#include "core/elf_section.h"

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <sys/stat.h>

#include "absl/strings/str_cat.h"
#include "core/file_io.h"

namespace nfalab {
namespace {

// Ends libelf's view of a file.
class ScopedElf {
 public:
  explicit ScopedElf(Elf* elf) : elf_(elf) {}
  ScopedElf(const ScopedElf&) = delete;
  ScopedElf& operator=(const ScopedElf&) = delete;
  ~ScopedElf() {
    if (elf_ != nullptr) elf_end(elf_);
  }
  Elf* get() const { return elf_; }

 private:
  Elf* elf_;
};

absl::Status NotElf(const std::string& path, absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat(path, " is not a well-formed ELF shared object: ", why));
}

}  // namespace

absl::StatusOr<std::optional<std::string>> ReadElfSection(
    const std::string& path, const std::string& section) {
  if (elf_version(EV_CURRENT) == EV_NONE) {
    return absl::InternalError(
        absl::StrCat("libelf is unusable: ", elf_errmsg(-1)));
  }
  ScopedFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return ErrnoStatus("cannot open", path);
  ScopedElf elf(elf_begin(fd.get(), ELF_C_READ, nullptr));
  if (elf.get() == nullptr) return NotElf(path, elf_errmsg(-1));
  if (elf_kind(elf.get()) != ELF_K_ELF) {
    return NotElf(path, "no ELF header");
  }
  // libelf reads a truncated file as one with fewer sections; the file size
  // must cover the section header table and every section's bytes.
  struct stat info;
  if (fstat(fd.get(), &info) != 0) return ErrnoStatus("cannot stat", path);
  const uint64_t file_size = static_cast<uint64_t>(info.st_size);
  GElf_Ehdr elf_header;
  if (gelf_getehdr(elf.get(), &elf_header) == nullptr) {
    return NotElf(path, elf_errmsg(-1));
  }
  size_t section_count = 0;
  if (elf_getshdrnum(elf.get(), &section_count) != 0) {
    return NotElf(path, elf_errmsg(-1));
  }
  if (section_count == 0 || elf_header.e_shentsize == 0 ||
      elf_header.e_shoff > file_size ||
      section_count > (file_size - elf_header.e_shoff) / elf_header.e_shentsize) {
    return NotElf(path, "truncated (the section header table is missing)");
  }
  size_t names_index = 0;
  if (elf_getshdrstrndx(elf.get(), &names_index) != 0) {
    return NotElf(path, elf_errmsg(-1));
  }
  for (Elf_Scn* scn = elf_nextscn(elf.get(), nullptr); scn != nullptr;
       scn = elf_nextscn(elf.get(), scn)) {
    GElf_Shdr header;
    if (gelf_getshdr(scn, &header) == nullptr) {
      return NotElf(path, elf_errmsg(-1));
    }
    if (header.sh_type != SHT_NOBITS &&
        (header.sh_offset > file_size ||
         header.sh_size > file_size - header.sh_offset)) {
      return NotElf(path, "truncated (a section ends past the end of file)");
    }
    const char* name = elf_strptr(elf.get(), names_index, header.sh_name);
    if (name == nullptr) return NotElf(path, elf_errmsg(-1));
    if (section != name) continue;
    std::string bytes;
    for (Elf_Data* data = elf_getdata(scn, nullptr); data != nullptr;
         data = elf_getdata(scn, data)) {
      if (data->d_buf != nullptr) {
        bytes.append(static_cast<const char*>(data->d_buf), data->d_size);
      }
    }
    if (elf_errno() != 0) return NotElf(path, elf_errmsg(-1));
    return std::optional<std::string>(std::move(bytes));
  }
  if (elf_errno() != 0) return NotElf(path, elf_errmsg(-1));
  return std::optional<std::string>();
}

}  // namespace nfalab
