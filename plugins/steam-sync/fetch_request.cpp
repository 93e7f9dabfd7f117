#include "fetch_request.hpp"

#include <orchestra/json.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <rapidjson/document.h>

#include <stdexcept>

namespace steam_sync {

std::string to_payload(const FetchRequest& request) {
  std::vector<std::string> countries;
  for (const auto& country : request.countries) countries.push_back(orchestra::json::quote(country));
  auto out = fmt::format(R"({{"app_ids":[{}],"countries":[{}])", fmt::join(request.app_ids, ","),
                         fmt::join(countries, ","));
  if (!request.lease.empty()) out += R"(,"lease":)" + orchestra::json::quote(request.lease);
  return out + "}";
}

FetchRequest from_payload(const std::string& payload) {
  rapidjson::Document document;
  document.Parse(payload.c_str());
  if (!document.IsObject()) throw std::invalid_argument("the payload is not a JSON object");
  FetchRequest request;
  auto ids = document.FindMember("app_ids");
  auto countries = document.FindMember("countries");
  if (ids == document.MemberEnd() || !ids->value.IsArray()) {
    throw std::invalid_argument("'app_ids' must be an array");
  }
  if (countries == document.MemberEnd() || !countries->value.IsArray() ||
      countries->value.Empty()) {
    throw std::invalid_argument("'countries' must be a non-empty array");
  }
  for (const auto& id : ids->value.GetArray()) {
    if (!id.IsInt64()) throw std::invalid_argument("'app_ids' must hold integers");
    request.app_ids.push_back(id.GetInt64());
  }
  for (const auto& country : countries->value.GetArray()) {
    if (!country.IsString()) throw std::invalid_argument("'countries' must hold strings");
    request.countries.emplace_back(country.GetString());
  }
  auto lease = document.FindMember("lease");
  if (lease != document.MemberEnd() && lease->value.IsString()) {
    request.lease = lease->value.GetString();
  }
  return request;
}

}  // namespace steam_sync
