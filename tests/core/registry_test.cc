#include "core/registry.h"

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace nfalab {

// A base class with a process-wide registry, specialised here the way a
// concept's .cc does it, to test the macro-free static registration path.
class GlobalWidget {
 public:
  virtual ~GlobalWidget() = default;
  virtual std::string Name() const = 0;
};

using GlobalWidgetRegistry = Registry<GlobalWidget>;

template <>
GlobalWidgetRegistry& GlobalWidgetRegistry::Global() {
  static auto* registry = new GlobalWidgetRegistry("global widget");
  return *registry;
}

namespace {

using ::nfalab::testing::IsOk;
using ::nfalab::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// ---------------------------------------------------------------------------
// Static registration through internal::RegisterOrDie (what the
// NFALAB_REGISTER_* macros expand to).

class StaticWidget : public GlobalWidget {
 public:
  std::string Name() const override { return "static_widget"; }
};

// The line of this registration, to check the site RegisterOrDie records.
constexpr int kStaticRegistrationLine = __LINE__;
const bool kStaticWidgetRegistered = internal::RegisterOrDie(
    GlobalWidgetRegistry::Global(), "static_widget", "registered statically",
    []() -> absl::StatusOr<std::unique_ptr<GlobalWidget>> {
      return std::make_unique<StaticWidget>();
    },
    __FILE__, kStaticRegistrationLine);

// ---------------------------------------------------------------------------
// A local registry instance with a constructor argument.

class Widget {
 public:
  virtual ~Widget() = default;
  virtual std::string Name() const = 0;
  virtual int size() const = 0;
};

class SizedWidget : public Widget {
 public:
  SizedWidget(std::string name, int size)
      : name_(std::move(name)), size_(size) {}
  std::string Name() const override { return name_; }
  int size() const override { return size_; }

 private:
  std::string name_;
  int size_;
};

using WidgetRegistry = Registry<Widget, int>;

WidgetRegistry::Factory MakeFactory(const std::string& name) {
  return [name](int size) -> absl::StatusOr<std::unique_ptr<Widget>> {
    return std::make_unique<SizedWidget>(name, size);
  };
}

// Registers "gamma", "alpha", "beta" (in that order, to test sorting).
void AddAbc(WidgetRegistry& registry) {
  ASSERT_THAT(
      registry.Add("gamma", "third letter", MakeFactory("gamma"), "test.cc:3"),
      IsOk());
  ASSERT_THAT(
      registry.Add("alpha", "first letter", MakeFactory("alpha"), "test.cc:1"),
      IsOk());
  ASSERT_THAT(
      registry.Add("beta", "second letter", MakeFactory("beta"), "test.cc:2"),
      IsOk());
}

TEST(RegistryTest, KindIsKept) {
  WidgetRegistry registry("widget");
  EXPECT_EQ(registry.kind(), "widget");
}

TEST(RegistryTest, CreatePassesArgumentsToTheNamedFactory) {
  WidgetRegistry registry("widget");
  AddAbc(registry);
  NFALAB_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Widget> beta,
                              registry.Create("beta", 17));
  ASSERT_NE(beta, nullptr);
  EXPECT_EQ(beta->Name(), "beta");
  EXPECT_EQ(beta->size(), 17);
  NFALAB_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Widget> alpha,
                              registry.Create("alpha", -3));
  EXPECT_EQ(alpha->Name(), "alpha");
  EXPECT_EQ(alpha->size(), -3);
}

TEST(RegistryTest, CreateCallsTheFactoryEveryTime) {
  WidgetRegistry registry("widget");
  int calls = 0;
  ASSERT_THAT(
      registry.Add(
          "counted", "",
          [&calls](int size) -> absl::StatusOr<std::unique_ptr<Widget>> {
            ++calls;
            return std::make_unique<SizedWidget>("counted", size);
          },
          "test.cc:1"),
      IsOk());
  NFALAB_ASSERT_OK_AND_ASSIGN(auto first, registry.Create("counted", 1));
  NFALAB_ASSERT_OK_AND_ASSIGN(auto second, registry.Create("counted", 2));
  EXPECT_EQ(calls, 2);
  EXPECT_NE(first.get(), second.get());
  EXPECT_EQ(first->size(), 1);
  EXPECT_EQ(second->size(), 2);
}

TEST(RegistryTest, UnknownNameGivesTheFullNotFoundMessage) {
  WidgetRegistry registry("widget");
  AddAbc(registry);
  const absl::StatusOr<std::unique_ptr<Widget>> result =
      registry.Create("gleu", 1);
  ASSERT_EQ(result.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(result.status().message(),
            "no widget named \"gleu\"; registered: [alpha, beta, gamma]. Is "
            "the plugin's cc_library (alwayslink = 1) in this binary's deps, "
            "or its .so loaded with --plugin?");
}

TEST(RegistryTest, UnknownNameInAnEmptyRegistryListsNothing) {
  WidgetRegistry registry("widget");
  EXPECT_THAT(
      registry.Create("relu", 1),
      StatusIs(absl::StatusCode::kNotFound,
               HasSubstr("no widget named \"relu\"; registered: []. ")));
}

TEST(RegistryTest, CheckKnownMatchesCreate) {
  WidgetRegistry registry("widget");
  AddAbc(registry);
  EXPECT_THAT(registry.CheckKnown("alpha"), IsOk());
  const absl::Status unknown = registry.CheckKnown("delta");
  EXPECT_EQ(unknown.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(unknown, registry.Create("delta", 0).status());
}

TEST(RegistryTest, ContainsOnlyRegisteredNames) {
  WidgetRegistry registry("widget");
  AddAbc(registry);
  EXPECT_TRUE(registry.Contains("alpha"));
  EXPECT_TRUE(registry.Contains("gamma"));
  EXPECT_FALSE(registry.Contains("delta"));
  EXPECT_FALSE(registry.Contains("Alpha"));
  EXPECT_FALSE(registry.Contains("alph"));
  EXPECT_FALSE(registry.Contains(""));
}

TEST(RegistryTest, NamesAreSorted) {
  WidgetRegistry registry("widget");
  EXPECT_THAT(registry.Names(), IsEmpty());
  AddAbc(registry);
  ASSERT_THAT(registry.Add("a_2", "", MakeFactory("a_2"), "test.cc:4"), IsOk());
  ASSERT_THAT(registry.Add("a10", "", MakeFactory("a10"), "test.cc:5"), IsOk());
  // Byte order: '1' < '_' < 'l'.
  EXPECT_THAT(registry.Names(),
              ElementsAre("a10", "a_2", "alpha", "beta", "gamma"));
}

TEST(RegistryTest, DescriptionIsTheRegisteredTextOrEmpty) {
  WidgetRegistry registry("widget");
  AddAbc(registry);
  EXPECT_EQ(registry.Description("alpha"), "first letter");
  EXPECT_EQ(registry.Description("gamma"), "third letter");
  EXPECT_EQ(registry.Description("delta"), "");
}

TEST(RegistryTest, ValidNamesAreAccepted) {
  for (const char* name :
       {"a", "relu", "leaky_relu", "x2", "a_", "gelu_tanh"}) {
    SCOPED_TRACE(name);
    EXPECT_TRUE(IsValidRegistryName(name));
    WidgetRegistry registry("widget");
    EXPECT_THAT(registry.Add(name, "", MakeFactory(name), "test.cc:1"), IsOk());
    EXPECT_TRUE(registry.Contains(name));
  }
}

TEST(RegistryTest, InvalidNamesAreRejected) {
  for (const char* name :
       {"Relu", "1x", "a-b", "", "_a", "a b", "relU", "a.b", "é"}) {
    SCOPED_TRACE(name);
    EXPECT_FALSE(IsValidRegistryName(name));
    WidgetRegistry registry("widget");
    EXPECT_THAT(
        registry.Add(name, "", MakeFactory("x"), "bad.cc:7"),
        StatusIs(absl::StatusCode::kInvalidArgument,
                 HasSubstr(absl::StrCat("widget name \"", name,
                                        "\" (bad.cc:7) is not lowercase "
                                        "snake_case ([a-z][a-z0-9_]*)"))));
    EXPECT_FALSE(registry.Contains(name));
    EXPECT_THAT(registry.Names(), IsEmpty());
  }
}

TEST(RegistryTest, DuplicateAddNamesBothSitesAndKeepsTheFirst) {
  WidgetRegistry registry("widget");
  ASSERT_THAT(
      registry.Add("dup", "first", MakeFactory("first"), "first_site.cc:10"),
      IsOk());
  EXPECT_THAT(
      registry.Add("dup", "second", MakeFactory("second"), "second_site.cc:20"),
      StatusIs(absl::StatusCode::kAlreadyExists,
               ::testing::Eq("widget \"dup\" is registered twice: at "
                             "first_site.cc:10 and at "
                             "second_site.cc:20")));
  EXPECT_EQ(registry.Description("dup"), "first");
  NFALAB_ASSERT_OK_AND_ASSIGN(auto widget, registry.Create("dup", 0));
  EXPECT_EQ(widget->Name(), "first");
}

TEST(RegistryTest, RemoveForgetsTheName) {
  WidgetRegistry registry("widget");
  AddAbc(registry);
  EXPECT_TRUE(registry.Remove("beta"));
  EXPECT_FALSE(registry.Remove("beta"));
  EXPECT_FALSE(registry.Contains("beta"));
  EXPECT_THAT(registry.Names(), ElementsAre("alpha", "gamma"));
  // The name can be registered again after removal.
  EXPECT_THAT(registry.Add("beta", "", MakeFactory("beta2"), "test.cc:9"),
              IsOk());
}

TEST(RegistryTest, FactoryErrorIsPropagatedUnchanged) {
  WidgetRegistry registry("widget");
  ASSERT_THAT(registry.Add(
                  "picky", "",
                  [](int size) -> absl::StatusOr<std::unique_ptr<Widget>> {
                    if (size < 0) {
                      return absl::InvalidArgumentError(
                          absl::StrCat("size must be >= 0, got ", size));
                    }
                    return std::make_unique<SizedWidget>("picky", size);
                  },
                  "test.cc:1"),
              IsOk());
  EXPECT_THAT(registry.Create("picky", -2),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ::testing::Eq("size must be >= 0, got -2")));
  EXPECT_THAT(registry.Create("picky", 2), IsOk());
}

TEST(RegistryTest, FactoryMayUseTheRegistryItself) {
  // A composite factory that creates another entry by name: Create must not
  // hold the registry lock while running the factory (this would deadlock).
  WidgetRegistry registry("widget");
  AddAbc(registry);
  ASSERT_THAT(
      registry.Add(
          "double_alpha", "",
          [&registry](int size) -> absl::StatusOr<std::unique_ptr<Widget>> {
            EXPECT_TRUE(registry.Contains("alpha"));
            return registry.Create("alpha", 2 * size);
          },
          "test.cc:1"),
      IsOk());
  NFALAB_ASSERT_OK_AND_ASSIGN(auto widget, registry.Create("double_alpha", 4));
  EXPECT_EQ(widget->Name(), "alpha");
  EXPECT_EQ(widget->size(), 8);
}

TEST(RegistryTest, ConcurrentAddAndCreateAreSafe) {
  WidgetRegistry registry("widget");
  AddAbc(registry);
  constexpr int kThreads = 4;
  constexpr int kPerThread = 1000;
  std::vector<std::thread> threads;
  std::vector<int> failures(kThreads, 0);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&registry, &failures, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const std::string name = absl::StrCat("t", t, "_", i);
        if (!registry.Add(name, "", MakeFactory(name), "thread").ok()) {
          ++failures[t];
        }
        auto widget = registry.Create("alpha", i);
        if (!widget.ok() || (*widget)->size() != i) ++failures[t];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_THAT(failures, ::testing::Each(0));
  EXPECT_EQ(registry.Names().size(), 3u + kThreads * kPerThread);
}

TEST(RegistryTest, ScopedRegistrationAddsThenRemoves) {
  WidgetRegistry registry("widget");
  AddAbc(registry);
  {
    ScopedRegistration<WidgetRegistry> scoped(registry, "mock",
                                              MakeFactory("mock"));
    EXPECT_TRUE(registry.Contains("mock"));
    EXPECT_EQ(registry.Description("mock"), "test registration");
    NFALAB_ASSERT_OK_AND_ASSIGN(auto widget, registry.Create("mock", 5));
    EXPECT_EQ(widget->Name(), "mock");
    EXPECT_EQ(widget->size(), 5);
  }
  EXPECT_FALSE(registry.Contains("mock"));
  EXPECT_THAT(registry.Names(), ElementsAre("alpha", "beta", "gamma"));
}

TEST(RegistryTest, StaticRegistrationIsVisibleThroughGlobal) {
  ASSERT_TRUE(kStaticWidgetRegistered);
  GlobalWidgetRegistry& registry = GlobalWidgetRegistry::Global();
  EXPECT_EQ(&registry, &GlobalWidgetRegistry::Global());
  EXPECT_EQ(registry.kind(), "global widget");
  EXPECT_TRUE(registry.Contains("static_widget"));
  EXPECT_EQ(registry.Description("static_widget"), "registered statically");
  NFALAB_ASSERT_OK_AND_ASSIGN(auto widget, registry.Create("static_widget"));
  EXPECT_EQ(widget->Name(), "static_widget");
}

TEST(RegistryTest, StaticRegistrationRecordsFileAndLine) {
  // The site RegisterOrDie recorded shows up in a later duplicate's error.
  EXPECT_THAT(
      GlobalWidgetRegistry::Global().Add(
          "static_widget", "",
          []() -> absl::StatusOr<std::unique_ptr<GlobalWidget>> {
            return std::make_unique<StaticWidget>();
          },
          "later.cc:1"),
      StatusIs(
          absl::StatusCode::kAlreadyExists,
          ::testing::Eq(absl::StrCat(
              "global widget \"static_widget\" is registered twice: at ",
              __FILE__, ":", kStaticRegistrationLine, " and at later.cc:1"))));
}

TEST(RegistryTest, ScopedRegistrationWorksOnGlobal) {
  GlobalWidgetRegistry& registry = GlobalWidgetRegistry::Global();
  {
    ScopedRegistration<GlobalWidgetRegistry> scoped(
        registry, "scoped_widget",
        []() -> absl::StatusOr<std::unique_ptr<GlobalWidget>> {
          return std::make_unique<StaticWidget>();
        });
    EXPECT_THAT(registry.Names(),
                ElementsAre("scoped_widget", "static_widget"));
  }
  EXPECT_THAT(registry.Names(), ElementsAre("static_widget"));
}

// ---------------------------------------------------------------------------
// Death tests: registration errors abort at startup.

const char kSiteAnchor[] = "anchor";

TEST(RegistrationSiteTest, NamesTheObjectHoldingTheAnchor) {
  EXPECT_EQ(internal::RegistrationSite("a.cc", 7, nullptr), "a.cc:7");
  // The anchor lives in this test executable; dladdr names its file.
  const std::string site = internal::RegistrationSite("a.cc", 7, kSiteAnchor);
  EXPECT_THAT(site, ::testing::StartsWith("a.cc:7 (in "));
  EXPECT_THAT(site, ::testing::EndsWith("registry_test)"));
}

TEST(RegistryDeathTest, DuplicateRegisterOrDieAbortsNamingBothSites) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  WidgetRegistry registry("widget");
  internal::RegisterOrDie(registry, "dup", "", MakeFactory("dup"),
                          "first_site.cc", 11);
  EXPECT_DEATH(internal::RegisterOrDie(registry, "dup", "", MakeFactory("dup"),
                                       "second_site.cc", 22),
               "nfalab: fatal registration error: widget \"dup\" is "
               "registered twice: at first_site\\.cc:11 and at "
               "second_site\\.cc:22");
  // The parent process is unaffected.
  EXPECT_TRUE(registry.Contains("dup"));
}

TEST(RegistryDeathTest, InvalidNameInRegisterOrDieAborts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  WidgetRegistry registry("widget");
  EXPECT_DEATH(internal::RegisterOrDie(registry, "LeakyRelu", "",
                                       MakeFactory("x"), "plugin.cc", 5),
               "fatal registration error: widget name \"LeakyRelu\" "
               "\\(plugin\\.cc:5\\) is not lowercase snake_case");
}

TEST(RegistryDeathTest, ScopedRegistrationOfAnExistingNameAborts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  WidgetRegistry registry("widget");
  AddAbc(registry);
  EXPECT_DEATH(
      {
        ScopedRegistration<WidgetRegistry> scoped(registry, "alpha",
                                                  MakeFactory("alpha"));
      },
      "registered twice.*test\\.cc:1.*ScopedRegistration:0");
  // A death in the child does not remove the parent's entry.
  EXPECT_EQ(registry.Description("alpha"), "first letter");
}

}  // namespace
}  // namespace nfalab
