// Registry<Base, Args...>: a name -> factory map used for every pluggable
// concept (activations, alignment measures, optimizers, dataset sources).
//
// Define a registry (in the concept's header) and its one accessor (in one .cc
// that the nfalab binary links, so run-time plugins share it):
//
//   using ActivationRegistry = Registry<Activation>;
//   template <> ActivationRegistry& ActivationRegistry::Global();   // .h
//   template <> ActivationRegistry& ActivationRegistry::Global() {  // .cc
//     static auto* registry = new ActivationRegistry("activation");
//     return *registry;
//   }
//
// Register an implementation with the concept's macro (a static object, so
// the library must be `alwayslink = 1`):
//
//   NFALAB_REGISTER_ACTIVATION("relu", Relu, "max(h, 0)");
//
// An entry that takes options (core/plugin_options.h) registers an example
// of its options message, which declares the type and serves conformance
// checks; CheckOptions rejects an Any of another type, or options for an
// entry that declares none:
//
//   NFALAB_REGISTER_OPTIMIZER_WITH_OPTIONS("slo", Slo::Create, "summary",
//                                          SloOptionsExample());
//
// Create and list:
//
//   NFALAB_ASSIGN_OR_RETURN(auto relu,
//   ActivationRegistry::Global().Create("relu")); for (const std::string& name
//   : ActivationRegistry::Global().Names()) ...
//
// An unknown name is a user error and returns NotFound listing the known names.
// Registering a name twice is a programmer error: RegisterOrDie prints both
// registration sites and aborts at startup. Tests can add an entry for a scope
// with ScopedRegistration.
#ifndef NFALAB_CORE_REGISTRY_H_
#define NFALAB_CORE_REGISTRY_H_

#if __cplusplus < 201703L
#error "nfalab needs C++17: compile with -std=c++17 (Bazel: import tools/nfalab.bazelrc; plain compilers: nfalab plugin-flags)"
#endif

#include <dlfcn.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "core/plugin_abi.h"
#include "core/plugin_options.h"
#include "google/protobuf/any.pb.h"
#include "google/protobuf/message.h"

namespace nfalab {

// True for stable lowercase snake_case names: [a-z][a-z0-9_]*.
inline bool IsValidRegistryName(absl::string_view name) {
  if (name.empty() || name.front() < 'a' || name.front() > 'z') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

template <typename Base, typename... Args>
class Registry {
 public:
  using Factory = std::function<absl::StatusOr<std::unique_ptr<Base>>(Args...)>;

  struct Entry {
    std::string description;
    Factory factory;
    std::string site;  // "file:line" of the registration.
    // An example of the entry's options message, whose type is the one the
    // entry takes; null if it takes none.
    std::shared_ptr<const google::protobuf::Message> options_example;
  };

  // `kind` names the concept in messages, e.g. "activation".
  explicit Registry(std::string kind) : kind_(std::move(kind)) {}
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // The process-wide instance. Specialised out of line, once per registry.
  static Registry& Global();

  const std::string& kind() const { return kind_; }

  // InvalidArgument for a malformed name; AlreadyExists (naming the earlier
  // site) for a duplicate.
  absl::Status Add(absl::string_view name, absl::string_view description,
                   Factory factory, absl::string_view site,
                   std::shared_ptr<const google::protobuf::Message>
                       options_example = nullptr) ABSL_LOCKS_EXCLUDED(mutex_) {
    if (!IsValidRegistryName(name)) {
      return absl::InvalidArgumentError(
          absl::StrCat(kind_, " name \"", name, "\" (", site,
                       ") is not lowercase snake_case ([a-z][a-z0-9_]*)"));
    }
    absl::MutexLock lock(&mutex_);
    auto [it, inserted] = entries_.try_emplace(
        std::string(name),
        Entry{std::string(description), std::move(factory), std::string(site),
              std::move(options_example)});
    if (!inserted) {
      return absl::AlreadyExistsError(
          absl::StrCat(kind_, " \"", name, "\" is registered twice: at ",
                       it->second.site, " and at ", site));
    }
    return absl::OkStatus();
  }

  // Removes `name`; returns false if it was not registered. For tests.
  bool Remove(absl::string_view name) ABSL_LOCKS_EXCLUDED(mutex_) {
    absl::MutexLock lock(&mutex_);
    return entries_.erase(std::string(name)) > 0;
  }

  absl::StatusOr<std::unique_ptr<Base>> Create(absl::string_view name,
                                               Args... args) const
      ABSL_LOCKS_EXCLUDED(mutex_) {
    Factory factory;
    {
      absl::MutexLock lock(&mutex_);
      auto it = entries_.find(std::string(name));
      if (it == entries_.end()) return UnknownNameError(name);
      factory = it->second.factory;
    }
    return factory(std::forward<Args>(args)...);
  }

  // OK if `name` is registered, otherwise the same NotFound as Create.
  absl::Status CheckKnown(absl::string_view name) const
      ABSL_LOCKS_EXCLUDED(mutex_) {
    absl::MutexLock lock(&mutex_);
    if (entries_.count(std::string(name)) > 0) return absl::OkStatus();
    return UnknownNameError(name);
  }

  bool Contains(absl::string_view name) const ABSL_LOCKS_EXCLUDED(mutex_) {
    absl::MutexLock lock(&mutex_);
    return entries_.count(std::string(name)) > 0;
  }

  // Sorted names.
  std::vector<std::string> Names() const ABSL_LOCKS_EXCLUDED(mutex_) {
    absl::MutexLock lock(&mutex_);
    return NamesLocked();
  }

  // The example options of `name` (null if it takes none or is unknown).
  std::shared_ptr<const google::protobuf::Message> OptionsExample(
      absl::string_view name) const ABSL_LOCKS_EXCLUDED(mutex_) {
    absl::MutexLock lock(&mutex_);
    auto it = entries_.find(std::string(name));
    return it == entries_.end() ? nullptr : it->second.options_example;
  }

  // OK if `name` is registered and `options` (null: not set in the config)
  // suits it (core/plugin_options.h, CheckOptionsType); `field` is the
  // config path of the Any, e.g. "optimizer.options".
  absl::Status CheckOptions(absl::string_view name,
                            const google::protobuf::Any* options,
                            absl::string_view field) const
      ABSL_LOCKS_EXCLUDED(mutex_) {
    std::shared_ptr<const google::protobuf::Message> example;
    {
      absl::MutexLock lock(&mutex_);
      auto it = entries_.find(std::string(name));
      if (it == entries_.end()) return UnknownNameError(name);
      example = it->second.options_example;
    }
    return CheckOptionsType(options, example.get(), kind_, name, field);
  }

  // The one-line description given at registration ("" if unknown).
  std::string Description(absl::string_view name) const
      ABSL_LOCKS_EXCLUDED(mutex_) {
    absl::MutexLock lock(&mutex_);
    auto it = entries_.find(std::string(name));
    return it == entries_.end() ? "" : it->second.description;
  }

 private:
  std::vector<std::string> NamesLocked() const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
    std::vector<std::string> names;
    names.reserve(entries_.size());
    for (const auto& [name, entry] : entries_) names.push_back(name);
    return names;  // std::map keeps them sorted.
  }

  absl::Status UnknownNameError(absl::string_view name) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
    return absl::NotFoundError(absl::StrCat(
        "no ", kind_, " named \"", name, "\"; registered: [",
        absl::StrJoin(NamesLocked(), ", "),
        "]. Is the plugin's cc_library (alwayslink = 1) in this binary's "
        "deps, or its .so loaded with --plugin?"));
  }

  const std::string kind_;
  mutable absl::Mutex mutex_;
  std::map<std::string, Entry> entries_ ABSL_GUARDED_BY(mutex_);
};

namespace internal {

// "file:line (in OBJECT)": OBJECT is the shared object or executable that
// holds `anchor`, a static of the registering translation unit, so that two
// builds of one plugin are told apart.
inline std::string RegistrationSite(const char* file, int line,
                                    const void* anchor) {
  std::string site = absl::StrCat(file, ":", line);
  Dl_info info;
  if (anchor != nullptr && dladdr(anchor, &info) != 0 &&
      info.dli_fname != nullptr && *info.dli_fname != '\0') {
    absl::StrAppend(&site, " (in ", info.dli_fname, ")");
  }
  return site;
}

// Adds an entry or, on a duplicate or malformed name, prints both
// registration sites and aborts. Used by the NFALAB_REGISTER_* macros;
// `anchor` is the registering object's ABI fingerprint (core/plugin_abi.h).
template <typename RegistryT>
bool RegisterOrDie(RegistryT& registry, absl::string_view name,
                   absl::string_view description,
                   typename RegistryT::Factory factory, const char* file,
                   int line, const char* anchor = nullptr,
                   std::shared_ptr<const google::protobuf::Message>
                       options_example = nullptr) {
  const absl::Status status = registry.Add(
      name, description, std::move(factory),
      RegistrationSite(file, line, anchor), std::move(options_example));
  if (!status.ok()) {
    std::fprintf(stderr, "nfalab: fatal registration error: %s\n",
                 std::string(status.message()).c_str());
    std::fflush(stderr);
    std::abort();
  }
  return true;
}

// A shared copy of `example`, an entry's example options.
template <typename OptionsT>
std::shared_ptr<const google::protobuf::Message> OptionsExampleOf(
    const OptionsT& example) {
  return std::make_shared<const OptionsT>(example);
}

}  // namespace internal

// Registers an entry for the lifetime of this object. For tests.
template <typename RegistryT>
class ScopedRegistration {
 public:
  ScopedRegistration(RegistryT& registry, absl::string_view name,
                     typename RegistryT::Factory factory,
                     std::shared_ptr<const google::protobuf::Message>
                         options_example = nullptr)
      : registry_(registry), name_(name) {
    internal::RegisterOrDie(registry_, name_, "test registration",
                            std::move(factory), "ScopedRegistration", 0,
                            nullptr, std::move(options_example));
  }
  ~ScopedRegistration() { registry_.Remove(name_); }
  ScopedRegistration(const ScopedRegistration&) = delete;
  ScopedRegistration& operator=(const ScopedRegistration&) = delete;

 private:
  RegistryT& registry_;
  std::string name_;
};

}  // namespace nfalab

// Names for the static registration objects, unique per use site.
#define NFALAB_REGISTRY_CONCAT_INNER_(a, b) a##b
#define NFALAB_REGISTRY_CONCAT_(a, b) NFALAB_REGISTRY_CONCAT_INNER_(a, b)
// The body of every NFALAB_REGISTER_* macro: embeds the ABI fingerprint
// (core/plugin_abi.h) and registers `factory` under `name` at static
// initialisation. `id` is one __COUNTER__ value, shared by both statics.
#define NFALAB_REGISTER_WITH_ID_(id, registry, name, description, factory) \
  NFALAB_DEFINE_ABI_FINGERPRINT_(NFALAB_REGISTRY_CONCAT_(nfalab_abi_, id)); \
  static const bool NFALAB_REGISTRY_CONCAT_(nfalab_registered_, id) =      \
      ::nfalab::internal::RegisterOrDie(                                   \
          registry, name, description, factory, __FILE__, __LINE__,        \
          NFALAB_REGISTRY_CONCAT_(nfalab_abi_, id))
#define NFALAB_REGISTER_ENTRY_(registry, name, description, factory) \
  NFALAB_REGISTER_WITH_ID_(__COUNTER__, registry, name, description, factory)
// The same for an entry that takes options; `example` is an options message
// (its type is the one the entry takes).
#define NFALAB_REGISTER_WITH_OPTIONS_ID_(id, registry, name, description,   \
                                         factory, example)                  \
  NFALAB_DEFINE_ABI_FINGERPRINT_(NFALAB_REGISTRY_CONCAT_(nfalab_abi_, id)); \
  static const bool NFALAB_REGISTRY_CONCAT_(nfalab_registered_, id) =       \
      ::nfalab::internal::RegisterOrDie(                                    \
          registry, name, description, factory, __FILE__, __LINE__,         \
          NFALAB_REGISTRY_CONCAT_(nfalab_abi_, id),                         \
          ::nfalab::internal::OptionsExampleOf(example))
#define NFALAB_REGISTER_ENTRY_WITH_OPTIONS_(registry, name, description,     \
                                            factory, example)                \
  NFALAB_REGISTER_WITH_OPTIONS_ID_(__COUNTER__, registry, name, description, \
                                   factory, example)

#endif  // NFALAB_CORE_REGISTRY_H_
