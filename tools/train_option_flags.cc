// The CLI11 flags of `sentiment train` made from the option table (train_options.h): one
// flag per option, parsed into storage of the option's type, with its help, default, range
// or choices, grouped by section.
#include <CLI/CLI.hpp>

#include <cstdint>
#include <exception>
#include <string>

#include "train_option_flags.h"

namespace sentiment::cli {
namespace {

using Json = nlohmann::json;

std::string json_text(const Json& v) {
  return v.is_string() ? v.get<std::string>() : v.dump();
}

// Checks that say what is allowed in words (CLI11's own PositiveNumber writes out the
// largest double, and an unsigned option would take -1 as 2^64 - 1).
const CLI::Validator kPositive(
    [](std::string& text) -> std::string {
      try {
        size_t end = 0;
        if (std::stod(text, &end) > 0.0 && end == text.size()) return "";
      } catch (const std::exception&) {
      }
      return "must be a number > 0, got " + text;
    },
    "> 0", "POSITIVE");

const CLI::Validator kNonNegativeInteger(
    [](std::string& text) -> std::string {
      if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos) return "";
      return "must be a whole number >= 0, got " + text;
    },
    ">= 0", "NONNEGATIVE");

}  // namespace

// One flag's storage: CLI11 parses into the member of the option's type.
struct TrainOptionFlags::Slot {
  bool b = false;
  int i = 0;
  uint64_t u = 0;
  float f = 0.0f;
  double d = 0.0;
  std::string s;
  CLI::Option* cli = nullptr;
};

TrainOptionFlags::TrainOptionFlags() {
  const RunConfig defaults;
  for (const TrainOption& o : train_options()) {
    auto slot = std::make_unique<Slot>();
    const Json v = o.get(defaults);
    switch (o.type) {
      case OptionType::kBool:
        slot->b = v.get<bool>();
        break;
      case OptionType::kInt:
        slot->i = v.get<int>();
        break;
      case OptionType::kUnsigned:
        slot->u = v.get<uint64_t>();
        break;
      case OptionType::kFloat:
        slot->f = v.get<float>();
        break;
      case OptionType::kDouble:
        slot->d = v.get<double>();
        break;
      case OptionType::kString:
        slot->s = v.get<std::string>();
        break;
    }
    slots_.push_back(std::move(slot));
  }
}

TrainOptionFlags::~TrainOptionFlags() = default;

void TrainOptionFlags::add_to(CLI::App& cmd) {
  const RunConfig defaults;
  const auto& table = train_options();
  std::string footer;
  for (size_t k = 0; k < table.size(); ++k) {
    const TrainOption& o = table[k];
    Slot& s = *slots_[k];
    if (o.flag.empty()) {
      footer += "  " + o.key + " [" + json_text(o.get(defaults)) + "]: " + o.help + "\n";
      continue;
    }
    CLI::Option* opt = nullptr;
    switch (o.type) {
      case OptionType::kBool:
        opt = cmd.add_flag(o.flag, s.b, o.help);
        break;
      case OptionType::kInt:
        opt = cmd.add_option(o.flag, s.i, o.help);
        break;
      case OptionType::kUnsigned:
        opt = cmd.add_option(o.flag, s.u, o.help);
        break;
      case OptionType::kFloat:
        opt = cmd.add_option(o.flag, s.f, o.help);
        break;
      case OptionType::kDouble:
        opt = cmd.add_option(o.flag, s.d, o.help);
        break;
      case OptionType::kString:
        opt = cmd.add_option(o.flag, s.s, o.help);
        break;
    }
    const bool integer = o.type == OptionType::kInt || o.type == OptionType::kUnsigned;
    if (o.has_range && integer)
      opt->check(CLI::Range(static_cast<int>(o.min), static_cast<int>(o.max)));
    else if (o.has_range)
      opt->check(CLI::Range(o.min, o.max));
    if (o.type == OptionType::kUnsigned) opt->check(kNonNegativeInteger);
    if (o.positive) opt->check(kPositive);
    if (!o.choices.empty()) opt->check(CLI::IsMember(o.choices));
    if (o.type != OptionType::kBool) opt->capture_default_str();
    const std::string section = o.key.substr(0, o.key.find('.'));
    opt->group(section == "data" ? "Data" : section == "model" ? "Model" : "Training");
    s.cli = opt;
  }
  if (!footer.empty())
    cmd.footer("Set only in a --config file (key [default]: meaning):\n" + footer);
}

bool TrainOptionFlags::given(const TrainOption& option) const {
  const auto& table = train_options();
  const size_t k = static_cast<size_t>(&option - table.data());
  return k < table.size() && slots_[k]->cli && slots_[k]->cli->count() > 0;
}

nlohmann::json TrainOptionFlags::value(const TrainOption& option) const {
  const Slot& s = *slots_[static_cast<size_t>(&option - train_options().data())];
  switch (option.type) {
    case OptionType::kBool:
      return s.b;
    case OptionType::kInt:
      return s.i;
    case OptionType::kUnsigned:
      return s.u;
    case OptionType::kFloat:
      return s.f;
    case OptionType::kDouble:
      return s.d;
    case OptionType::kString:
      return s.s;
  }
  return nullptr;
}

void TrainOptionFlags::apply(RunConfig& config) const {
  for (const TrainOption& o : train_options())
    if (given(o)) o.set(config, value(o));
}

std::vector<std::string> TrainOptionFlags::given_flags() const {
  std::vector<std::string> flags;
  for (const TrainOption& o : train_options())
    if (given(o)) flags.push_back(o.flag_name());
  return flags;
}

}  // namespace sentiment::cli
