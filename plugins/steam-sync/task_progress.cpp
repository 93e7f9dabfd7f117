#include "task_progress.hpp"

#include <orchestra/json.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <rapidjson/document.h>

#include <stdexcept>

namespace steam_sync {
namespace {

using orchestra::json::quote;

const rapidjson::Value& member(const rapidjson::Value& object, const char* name) {
  auto it = object.FindMember(name);
  if (it == object.MemberEnd()) {
    throw std::invalid_argument(fmt::format("task state: '{}' is missing", name));
  }
  return it->value;
}

std::int64_t integer(const rapidjson::Value& value) {
  if (!value.IsInt64()) throw std::invalid_argument("task state: an integer was expected");
  return value.GetInt64();
}

std::vector<std::int64_t> integers(const rapidjson::Value& value) {
  if (!value.IsArray()) throw std::invalid_argument("task state: an array was expected");
  std::vector<std::int64_t> out;
  for (const auto& item : value.GetArray()) out.push_back(integer(item));
  return out;
}

rapidjson::Document object_of(const std::string& text) {
  rapidjson::Document document;
  document.Parse(text.c_str(), text.size());
  if (document.HasParseError() || !document.IsObject()) {
    throw std::invalid_argument("task state: not a JSON object");
  }
  return document;
}

std::optional<Price> price_from(const rapidjson::Value& value) {
  if (value.IsNull()) return std::nullopt;
  if (!value.IsArray() || value.Size() != 4 || !value[0].IsString()) {
    throw std::invalid_argument("task state: a price is malformed");
  }
  return Price{value[0].GetString(), integer(value[1]), integer(value[2]), integer(value[3])};
}

}  // namespace

std::string FetchOutcome::to_json() const {
  return fmt::format(
      R"({{"fetched":{},"unavailable":{},"failed":{},"held_elsewhere":{},"already_fresh":{},)"
      R"("lease_lost":{}}})",
      fetched, unavailable, failed, held_elsewhere, already_fresh, lease_lost);
}

std::string FetchProgress::to_state() const {
  std::string out = fmt::format(R"({{"h":[{}],"q":[{}],"r":{},"a":{},"o":[{},{},{},{},{},{}],"p":[)",
                                fmt::join(apps, ","), fmt::join(priced_apps, ","),
                                price_requests_done, attempt, outcome.fetched,
                                outcome.unavailable, outcome.failed, outcome.held_elsewhere,
                                outcome.already_fresh, outcome.lease_lost);
  bool first = true;
  for (const auto& [id, by_country] : prices) {
    for (const auto& [country, price] : by_country) {
      out += fmt::format("{}[{},{},", first ? "" : ",", id, quote(country));
      out += price ? fmt::format("[{},{},{},{}]", quote(price->currency), price->initial,
                                 price->final_price, price->discount_percent)
                   : "null";
      out += "]";
      first = false;
    }
  }
  return out + "]}";
}

FetchProgress FetchProgress::from_state(const std::string& text) {
  FetchProgress progress;
  if (text.empty()) return progress;
  auto document = object_of(text);
  progress.apps = integers(member(document, "h"));
  progress.priced_apps = integers(member(document, "q"));
  progress.price_requests_done = static_cast<int>(integer(member(document, "r")));
  progress.attempt = static_cast<int>(integer(member(document, "a")));
  const auto& counts = member(document, "o");
  if (!counts.IsArray() || counts.Size() != 6) {
    throw std::invalid_argument("task state: 'o' must hold six counts");
  }
  int* fields[] = {&progress.outcome.fetched,        &progress.outcome.unavailable,
                   &progress.outcome.failed,         &progress.outcome.held_elsewhere,
                   &progress.outcome.already_fresh,  &progress.outcome.lease_lost};
  for (rapidjson::SizeType i = 0; i < 6; ++i) *fields[i] = static_cast<int>(integer(counts[i]));
  const auto& prices = member(document, "p");
  if (!prices.IsArray()) throw std::invalid_argument("task state: 'p' must be an array");
  for (const auto& entry : prices.GetArray()) {
    if (!entry.IsArray() || entry.Size() != 3 || !entry[1].IsString()) {
      throw std::invalid_argument("task state: a price entry is malformed");
    }
    progress.prices[integer(entry[0])][entry[1].GetString()] = price_from(entry[2]);
  }
  return progress;
}

std::string ListProgress::to_state() const {
  return fmt::format(R"({{"after":{},"pages":{},"listed":{},"new":{},"skipped":{},"a":{}}})",
                     after, pages, listed, added, skipped, attempt);
}

ListProgress ListProgress::from_state(const std::string& text) {
  ListProgress progress;
  if (text.empty()) return progress;
  auto document = object_of(text);
  progress.after = integer(member(document, "after"));
  progress.pages = static_cast<int>(integer(member(document, "pages")));
  progress.listed = integer(member(document, "listed"));
  progress.added = integer(member(document, "new"));
  progress.skipped = integer(member(document, "skipped"));
  progress.attempt = static_cast<int>(integer(member(document, "a")));
  return progress;
}

}  // namespace steam_sync
