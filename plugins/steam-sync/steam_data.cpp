#include "steam_data.hpp"

#include <orchestra/json.hpp>

#include <fmt/format.h>
#include <rapidjson/document.h>

#include <charconv>

namespace steam_sync {
namespace {

using rapidjson::Value;

rapidjson::Document parse_json(std::string_view body, std::string_view what) {
  if (!orchestra::json::within_max_depth(body)) {
    throw SteamFormatError(fmt::format("{}: JSON nested too deeply", what));
  }
  rapidjson::Document document;
  document.Parse(body.data(), body.size());
  if (document.HasParseError()) {
    throw SteamFormatError(fmt::format("{}: not valid JSON ({} bytes, error at offset {})", what,
                                       body.size(), document.GetErrorOffset()));
  }
  if (!document.IsObject()) throw SteamFormatError(fmt::format("{}: not a JSON object", what));
  return document;
}

const Value* member(const Value& object, const char* name) {
  if (!object.IsObject()) return nullptr;
  auto it = object.FindMember(name);
  return it == object.MemberEnd() ? nullptr : &it->value;
}

// A JSON string's text without NUL characters (\u0000), which PostgreSQL
// refuses in text columns.
std::string without_nul(const Value& value) {
  std::string text(value.GetString(), value.GetStringLength());
  std::erase(text, '\0');
  return text;
}

// Reads fields of one object, noting those of unexpected types.
class FieldReader {
 public:
  FieldReader(const Value& object, std::vector<std::string>& problems, std::string prefix = {})
      : object_(object), problems_(problems), prefix_(std::move(prefix)) {}

  std::optional<std::string> text(const char* name) const {
    const auto* value = present(name);
    if (value == nullptr) return std::nullopt;
    if (value->IsString()) return without_nul(*value);
    wrong(name, "a string");
    return std::nullopt;
  }
  std::optional<bool> boolean(const char* name) const {
    const auto* value = present(name);
    if (value == nullptr) return std::nullopt;
    if (value->IsBool()) return value->GetBool();
    wrong(name, "true or false");
    return std::nullopt;
  }
  std::optional<std::int64_t> integer(const char* name) const {
    const auto* value = present(name);
    if (value == nullptr) return std::nullopt;
    if (value->IsInt64()) return value->GetInt64();
    wrong(name, "an integer");
    return std::nullopt;
  }
  std::vector<std::string> texts(const char* name) const {
    const auto* value = present(name);
    if (value == nullptr) return {};
    std::vector<std::string> out;
    for (const auto& item : array_items(value, name, "an array of strings")) {
      if (!item.IsString()) {
        wrong(name, "an array of strings");
        return {};
      }
      out.push_back(without_nul(item));
    }
    return out;
  }
  // [{"id": .., "description": "Action"}, ...] -> the descriptions.
  std::vector<std::string> descriptions(const char* name) const {
    constexpr const char* kExpected = "an array of objects with a string description";
    const auto* value = present(name);
    if (value == nullptr) return {};
    std::vector<std::string> out;
    for (const auto& item : array_items(value, name, kExpected)) {
      const auto* description = member(item, "description");
      if (description == nullptr || !description->IsString()) {
        wrong(name, kExpected);
        return {};
      }
      out.push_back(without_nul(*description));
    }
    return out;
  }
  // A nested object; nullptr (and a problem) when it is something else.
  const Value* object(const char* name) const {
    const auto* value = present(name);
    if (value == nullptr) return nullptr;
    if (value->IsObject()) return value;
    wrong(name, "an object");
    return nullptr;
  }

 private:
  // Absent and null fields are simply missing.
  const Value* present(const char* name) const {
    const auto* value = member(object_, name);
    return value == nullptr || value->IsNull() ? nullptr : value;
  }
  void wrong(const char* name, const char* expected) const {
    problems_.push_back(fmt::format("{}{}: expected {}", prefix_, name, expected));
  }
  // The items of an array; none (and a problem) when it is something else.
  Value::ConstArray array_items(const Value* value, const char* name,
                                const char* expected) const {
    static const Value kEmpty(rapidjson::kArrayType);
    if (value->IsArray()) return value->GetArray();
    wrong(name, expected);
    return kEmpty.GetArray();
  }

  const Value& object_;
  std::vector<std::string>& problems_;
  std::string prefix_;
};

std::optional<Price> read_price(const Value& data, std::vector<std::string>& problems) {
  FieldReader fields(data, problems);
  const auto* overview = fields.object("price_overview");
  if (overview == nullptr) return std::nullopt;
  FieldReader price_fields(*overview, problems, "price_overview.");
  auto currency = price_fields.text("currency");
  auto initial = price_fields.integer("initial");
  auto final_price = price_fields.integer("final");
  if (!currency || !final_price) return std::nullopt;
  return Price{*currency, initial.value_or(*final_price), *final_price,
               price_fields.integer("discount_percent").value_or(0)};
}

std::vector<std::string> platforms(const FieldReader& fields) {
  std::vector<std::string> out;
  const auto* object = fields.object("platforms");
  if (object == nullptr) return out;
  for (const auto& entry : object->GetObject()) {
    if (entry.value.IsBool() && entry.value.GetBool()) out.emplace_back(entry.name.GetString());
  }
  return out;
}

AppDetails read_details(const Value& data) {
  AppDetails details;
  FieldReader fields(data, details.problems);
  details.name = fields.text("name");
  details.type = fields.text("type");
  details.is_free = fields.boolean("is_free");
  details.short_description = fields.text("short_description");
  details.developers = fields.texts("developers");
  details.publishers = fields.texts("publishers");
  details.genres = fields.descriptions("genres");
  details.categories = fields.descriptions("categories");
  if (const auto* release = fields.object("release_date")) {
    FieldReader release_fields(*release, details.problems, "release_date.");
    details.release_date = release_fields.text("date");
    details.coming_soon = release_fields.boolean("coming_soon");
  }
  details.platforms = platforms(fields);
  details.price = read_price(data, details.problems);
  return details;
}

bool succeeded(const Value& entry) {
  const auto* success = member(entry, "success");
  return success != nullptr && success->IsBool() && success->GetBool();
}

// Entries without a positive integer appid are skipped and counted: one
// odd entry must not stop the whole list.
std::vector<ListedApp> read_listed_apps(const Value* apps, std::string_view what,
                                        std::size_t& skipped) {
  std::vector<ListedApp> out;
  if (apps == nullptr) return out;
  if (!apps->IsArray()) throw SteamFormatError(fmt::format("{}: 'apps' is not an array", what));
  out.reserve(apps->Size());
  for (const auto& app : apps->GetArray()) {
    const auto* id = member(app, "appid");
    if (id == nullptr || !id->IsInt64() || id->GetInt64() <= 0) {
      ++skipped;
      continue;
    }
    const auto* name = member(app, "name");
    out.push_back({id->GetInt64(),
                   name != nullptr && name->IsString() ? without_nul(*name) : std::string()});
  }
  return out;
}

}  // namespace

std::optional<AppDetails> parse_app_details(std::string_view body, std::int64_t app_id) {
  auto what = fmt::format("appdetails of app {}", app_id);
  auto document = parse_json(body, what);
  const auto* entry = member(document, std::to_string(app_id).c_str());
  if (entry == nullptr || !entry->IsObject()) {
    throw SteamFormatError(fmt::format("{}: no entry for the app", what));
  }
  if (!succeeded(*entry)) return std::nullopt;
  const auto* data = member(*entry, "data");
  if (data == nullptr || !data->IsObject()) {
    AppDetails empty;
    empty.problems.emplace_back("data: expected an object");
    return empty;
  }
  return read_details(*data);
}

std::map<std::int64_t, std::optional<Price>> parse_prices(std::string_view body) {
  auto document = parse_json(body, "appdetails prices");
  std::map<std::int64_t, std::optional<Price>> prices;
  for (const auto& entry : document.GetObject()) {
    std::int64_t id = 0;
    auto name = std::string_view(entry.name.GetString(), entry.name.GetStringLength());
    auto [end, error] = std::from_chars(name.data(), name.data() + name.size(), id);
    if (error != std::errc{} || end != name.data() + name.size() || !succeeded(entry.value)) {
      continue;
    }
    std::vector<std::string> ignored;
    const auto* data = member(entry.value, "data");
    prices[id] = data != nullptr && data->IsObject() ? read_price(*data, ignored) : std::nullopt;
  }
  return prices;
}

AppListPage parse_store_app_list(std::string_view body) {
  constexpr std::string_view what = "GetAppList v1";
  auto document = parse_json(body, what);
  const auto* response = member(document, "response");
  if (response == nullptr || !response->IsObject()) {
    throw SteamFormatError("GetAppList v1: no 'response' object");
  }
  AppListPage page;
  page.apps = read_listed_apps(member(*response, "apps"), what, page.skipped);
  const auto* more = member(*response, "have_more_results");
  if (more != nullptr && more->IsBool() && more->GetBool()) {
    const auto* last = member(*response, "last_appid");
    if (last == nullptr || !last->IsInt64()) {
      throw SteamFormatError("GetAppList v1: have_more_results without a last_appid");
    }
    page.next_after = last->GetInt64();
  }
  return page;
}

AppListPage parse_legacy_app_list(std::string_view body) {
  auto document = parse_json(body, "GetAppList v2");
  const auto* list = member(document, "applist");
  if (list == nullptr || !list->IsObject()) {
    throw SteamFormatError("GetAppList v2: no 'applist' object");
  }
  AppListPage page;
  page.apps = read_listed_apps(member(*list, "apps"), "GetAppList v2", page.skipped);
  return page;
}

}  // namespace steam_sync
