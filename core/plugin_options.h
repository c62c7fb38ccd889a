// Plugin options: a registry entry's own typed options message, carried in a
// config as `google.protobuf.Any` next to the entry's name, so that a plugin
// adds its options without editing a central proto (MediaPipe's
// node_options). In text format:
//
//   optimizer {
//     name: "layerwise_adam"
//     options {
//       [type.googleapis.com/nfalab.LayerwiseAdamOptions] { beta1: 0.8 }
//     }
//   }
//
// An entry declares its type when it registers (an example instance, see
// core/registry.h); Registry::CheckOptions rejects options of another type,
// or options for an entry that declares none. Its factory then unpacks and
// validates them:
//
//   NFALAB_ASSIGN_OR_RETURN(
//       LayerwiseAdamOptions options,
//       UnpackOptions<LayerwiseAdamOptions>(config.has_options()
//                                               ? &config.options()
//                                               : nullptr,
//                                           "optimizer.options"));
//   if (!(options.beta1() >= 0 && options.beta1() < 1)) {
//     return OptionsError("optimizer.options", options, "beta1",
//                         absl::StrCat("must be in [0, 1), got ", ...));
//   }
//
// which reads "optimizer.options (nfalab.LayerwiseAdamOptions).beta1 must be
// in [0, 1), got 1.5". Header-only, so run-time plugins can use it.
#ifndef NFALAB_CORE_PLUGIN_OPTIONS_H_
#define NFALAB_CORE_PLUGIN_OPTIONS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/any.pb.h"
#include "google/protobuf/message.h"

namespace nfalab {

// The full message type named by an Any's type URL ("nfalab.SloOptions"
// for "type.googleapis.com/nfalab.SloOptions").
inline std::string OptionsTypeName(const google::protobuf::Any& any) {
  const absl::string_view url = any.type_url();
  const size_t slash = url.rfind('/');
  return std::string(slash == absl::string_view::npos ? url
                                                      : url.substr(slash + 1));
}

// "FIELD (TYPE).SUBFIELD", the config path of one options field, e.g.
// "optimizer.options (nfalab.SloOptions).target_speed".
inline std::string OptionsFieldPath(absl::string_view field,
                                    const google::protobuf::Message& options,
                                    absl::string_view subfield) {
  return absl::StrCat(field, " (", options.GetDescriptor()->full_name(), ").",
                      subfield);
}

// InvalidArgument "FIELD (TYPE).SUBFIELD MESSAGE".
inline absl::Status OptionsError(absl::string_view field,
                                 const google::protobuf::Message& options,
                                 absl::string_view subfield,
                                 absl::string_view message) {
  return absl::InvalidArgumentError(
      absl::StrCat(OptionsFieldPath(field, options, subfield), " ", message));
}

// OK if `options` (null: not set in the config) may be given to the entry
// `name` of a `kind` registry whose declared options type is `declared`
// (null: the entry takes none). `field` is the config path of the Any.
inline absl::Status CheckOptionsType(const google::protobuf::Any* options,
                                     const google::protobuf::Message* declared,
                                     absl::string_view kind,
                                     absl::string_view name,
                                     absl::string_view field) {
  if (options == nullptr) return absl::OkStatus();
  if (declared == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " is set (", OptionsTypeName(*options), "), but ",
                     kind, " \"", name, "\" takes no options; remove it"));
  }
  const std::string& want = declared->GetDescriptor()->full_name();
  if (OptionsTypeName(*options) != want) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " holds ", OptionsTypeName(*options), ", but ",
                     kind, " \"", name, "\" takes ", want, ": write ", field,
                     " { [type.googleapis.com/", want, "] { ... } }"));
  }
  return absl::OkStatus();
}

// The options of type T in `options` (null: not set, giving T's defaults).
// InvalidArgument naming `field` and both types if the Any holds another
// type, or if its bytes do not parse as T.
template <typename T>
absl::StatusOr<T> UnpackOptions(const google::protobuf::Any* options,
                                absl::string_view field) {
  T unpacked;
  if (options == nullptr) return unpacked;
  const std::string& want = unpacked.GetDescriptor()->full_name();
  if (!options->Is<T>()) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, " holds ", OptionsTypeName(*options), ", expected ", want));
  }
  if (!options->UnpackTo(&unpacked)) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " (", want, ") cannot be parsed"));
  }
  return unpacked;
}

// An Any holding `options`, for configs built in code.
inline google::protobuf::Any PackOptions(
    const google::protobuf::Message& options) {
  google::protobuf::Any any;
  any.PackFrom(options);
  return any;
}

}  // namespace nfalab

#endif  // NFALAB_CORE_PLUGIN_OPTIONS_H_
