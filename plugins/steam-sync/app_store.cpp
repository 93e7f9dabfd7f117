#include "app_store.hpp"

#include <orchestra/clock.hpp>
#include <orchestra/json.hpp>

#include <fmt/format.h>
#include <soci/soci.h>

#include <array>
#include <chrono>

namespace steam_sync {
namespace {

using orchestra::db::Dialect;

constexpr const char* kColumns =
    "SELECT app_id, name, last_updated, fetch_status, type, is_free, short_description, "
    "developers, publishers, genres, categories, platforms, release_date, coming_soon, "
    "data_problems, details_fetched_at FROM steam_apps ";

// Named parameters; std::map keeps each value at one address while bound.
struct Params {
  std::map<std::string, long long> integers;
  std::map<std::string, std::string> texts;

  // Adds :p0, :p1, ... for `ids`; returns them comma-separated for IN (...).
  std::string in_list(const std::vector<std::int64_t>& ids) {
    std::string out;
    for (std::size_t i = 0; i < ids.size(); ++i) {
      auto name = fmt::format("p{}", i);
      integers[name] = ids[i];
      out += fmt::format("{}:{}", i ? ", " : "", name);
    }
    return out;
  }
  void bind(soci::statement& statement) {
    for (auto& [name, value] : integers) statement.exchange(soci::use(value, name));
    for (auto& [name, value] : texts) statement.exchange(soci::use(value, name));
  }
};

// Runs `sql` and collects the single integer column it returns.
std::vector<std::int64_t> ids_of(soci::session& session, const std::string& sql, Params params) {
  long long id = 0;
  soci::statement statement(session);
  statement.alloc();
  statement.prepare(sql);
  statement.exchange(soci::into(id));
  params.bind(statement);
  statement.define_and_bind();
  std::vector<std::int64_t> out;
  if (statement.execute(true)) {
    do out.push_back(id);
    while (statement.fetch());
  }
  return out;
}

// Runs `sql_template`, whose {} is replaced by the IN list of `ids`, and
// collects the ids it returns; none without running anything for no ids.
std::vector<std::int64_t> ids_among(orchestra::db::Database& database,
                                    const std::vector<std::int64_t>& ids,
                                    const char* sql_template, Params params) {
  if (ids.empty()) return {};
  soci::session session(database.pool());
  auto sql = fmt::format(fmt::runtime(sql_template), params.in_list(ids));
  return ids_of(session, sql, std::move(params));
}

// Reads the columns of kColumns, in order.
class AppRow {
 public:
  void bind(soci::statement& statement) {
    statement.exchange(soci::into(id_));
    statement.exchange(soci::into(name_));
    statement.exchange(soci::into(last_updated_));
    statement.exchange(soci::into(status_));
    statement.exchange(soci::into(type_, type_null_));
    statement.exchange(soci::into(is_free_, is_free_null_));
    statement.exchange(soci::into(description_, description_null_));
    for (std::size_t i = 0; i < lists_.size(); ++i) {
      statement.exchange(soci::into(lists_[i], list_nulls_[i]));
    }
    statement.exchange(soci::into(release_date_, release_null_));
    statement.exchange(soci::into(coming_soon_, coming_soon_null_));
    statement.exchange(soci::into(problems_, problems_null_));
    statement.exchange(soci::into(fetched_at_, fetched_at_null_));
  }

  AppRecord get() const {
    AppRecord app;
    app.id = id_;
    app.name = name_;
    app.last_updated = last_updated_;
    app.fetch_status = status_;
    auto& details = app.details;
    if (type_null_ == soci::i_ok) details.type = type_;
    if (is_free_null_ == soci::i_ok) details.is_free = is_free_ != 0;
    if (description_null_ == soci::i_ok) details.short_description = description_;
    std::vector<std::string>* targets[] = {&details.developers, &details.publishers,
                                           &details.genres, &details.categories,
                                           &details.platforms};
    for (std::size_t i = 0; i < lists_.size(); ++i) {
      if (list_nulls_[i] == soci::i_ok) *targets[i] = orchestra::json::parse_string_array(lists_[i]);
    }
    if (release_null_ == soci::i_ok) details.release_date = release_date_;
    if (coming_soon_null_ == soci::i_ok) details.coming_soon = coming_soon_ != 0;
    if (problems_null_ == soci::i_ok) details.problems = orchestra::json::parse_string_array(problems_);
    if (fetched_at_null_ == soci::i_ok) app.details_fetched_at = fetched_at_;
    return app;
  }

 private:
  long long id_ = 0, last_updated_ = 0, fetched_at_ = 0;
  int is_free_ = 0, coming_soon_ = 0;
  std::string name_, status_, type_, description_, release_date_, problems_;
  std::array<std::string, 5> lists_;  // developers, publishers, genres, categories, platforms
  std::array<soci::indicator, 5> list_nulls_{};
  soci::indicator type_null_ = soci::i_null, is_free_null_ = soci::i_null,
                  description_null_ = soci::i_null, release_null_ = soci::i_null,
                  coming_soon_null_ = soci::i_null, problems_null_ = soci::i_null,
                  fetched_at_null_ = soci::i_null;
};

std::vector<AppRecord> query_apps(soci::session& session, const std::string& sql, Params params) {
  AppRow row;
  soci::statement statement(session);
  statement.alloc();
  statement.prepare(sql);
  row.bind(statement);
  params.bind(statement);
  statement.define_and_bind();
  std::vector<AppRecord> apps;
  if (statement.execute(true)) {
    do apps.push_back(row.get());
    while (statement.fetch());
  }
  return apps;
}

void attach_prices(soci::session& session, std::vector<AppRecord>& apps) {
  if (apps.empty()) return;
  std::vector<std::int64_t> ids;
  std::map<std::int64_t, AppRecord*> by_id;
  for (auto& app : apps) {
    ids.push_back(app.id);
    by_id[app.id] = &app;
  }
  Params params;
  auto in_list = params.in_list(ids);
  long long id = 0, initial = 0, final_price = 0, discount = 0, fetched_at = 0;
  StoredPrice price;
  soci::statement statement(session);
  statement.alloc();
  statement.prepare(fmt::format(
      "SELECT app_id, country, currency, initial_price, final_price, discount_percent, "
      "fetched_at FROM steam_app_prices WHERE app_id IN ({}) ORDER BY app_id, country",
      in_list));
  statement.exchange(soci::into(id));
  statement.exchange(soci::into(price.country));
  statement.exchange(soci::into(price.price.currency));
  for (auto* target : {&initial, &final_price, &discount, &fetched_at}) {
    statement.exchange(soci::into(*target));
  }
  params.bind(statement);
  statement.define_and_bind();
  if (!statement.execute(true)) return;
  do {
    price.price.initial = initial;
    price.price.final_price = final_price;
    price.price.discount_percent = discount;
    price.fetched_at = fetched_at;
    by_id[id]->prices.push_back(price);
  } while (statement.fetch());
}

void store_price(soci::session& session, std::int64_t app_id, const std::string& country,
                 const std::optional<Price>& price, std::int64_t now) {
  long long id = app_id;
  std::string cc = country;
  if (!price) {
    session << "DELETE FROM steam_app_prices WHERE app_id = :id AND country = :cc",
        soci::use(id), soci::use(cc);
    return;
  }
  long long initial = price->initial, final_price = price->final_price,
            discount = price->discount_percent, at = now;
  std::string currency = price->currency;
  session << "INSERT INTO steam_app_prices (app_id, country, currency, initial_price, "
             "final_price, discount_percent, fetched_at) VALUES (:id, :cc, :currency, :initial, "
             ":final, :discount, :at) ON CONFLICT (app_id, country) DO UPDATE SET "
             "currency = excluded.currency, initial_price = excluded.initial_price, "
             "final_price = excluded.final_price, discount_percent = excluded.discount_percent, "
             "fetched_at = excluded.fetched_at",
      soci::use(id), soci::use(cc), soci::use(currency), soci::use(initial),
      soci::use(final_price), soci::use(discount), soci::use(at);
}

// Writes a fetched app's details under its lease; false when the lease is gone.
bool store_details(soci::session& session, const FetchedApp& app, const std::string& token,
                   std::int64_t now) {
  long long id = app.id, at = now;
  std::string lease_token = token;
  if (!app.details) {
    soci::statement statement =
        (session.prepare << "UPDATE steam_apps SET fetch_status = 'unavailable', "
                            "last_updated = :at, lease_token = NULL, lease_until = 0 "
                            "WHERE app_id = :id AND lease_token = :token",
         soci::use(at), soci::use(id), soci::use(lease_token));
    statement.execute(true);
    return statement.get_affected_rows() > 0;
  }
  const auto& d = *app.details;
  auto optional_text = [](const std::optional<std::string>& value) {
    return std::make_pair(value.value_or(""), value ? soci::i_ok : soci::i_null);
  };
  auto optional_flag = [](const std::optional<bool>& value) {
    return std::make_pair(value.value_or(false) ? 1 : 0, value ? soci::i_ok : soci::i_null);
  };
  auto name = optional_text(d.name), type = optional_text(d.type),
       description = optional_text(d.short_description), release = optional_text(d.release_date);
  auto is_free = optional_flag(d.is_free), coming_soon = optional_flag(d.coming_soon);
  std::string developers = orchestra::json::string_array(d.developers), publishers = orchestra::json::string_array(d.publishers),
              genres = orchestra::json::string_array(d.genres), categories = orchestra::json::string_array(d.categories),
              platforms = orchestra::json::string_array(d.platforms), problems = orchestra::json::string_array(d.problems);
  soci::statement statement =
      (session.prepare
           << "UPDATE steam_apps SET name = COALESCE(:name, name), fetch_status = 'ok', "
              "last_updated = :at, details_fetched_at = :at2, lease_token = NULL, lease_until = 0, "
              "type = :type, is_free = :free, short_description = :description, "
              "developers = :developers, publishers = :publishers, genres = :genres, "
              "categories = :categories, platforms = :platforms, release_date = :release, "
              "coming_soon = :soon, data_problems = :problems "
              "WHERE app_id = :id AND lease_token = :token",
       soci::use(name.first, name.second), soci::use(at), soci::use(at),
       soci::use(type.first, type.second), soci::use(is_free.first, is_free.second),
       soci::use(description.first, description.second), soci::use(developers),
       soci::use(publishers), soci::use(genres), soci::use(categories), soci::use(platforms),
       soci::use(release.first, release.second), soci::use(coming_soon.first, coming_soon.second),
       soci::use(problems), soci::use(id), soci::use(lease_token));
  statement.execute(true);
  return statement.get_affected_rows() > 0;
}

}  // namespace

AppStore::AppStore(orchestra::db::Database& database, OnStored on_stored)
    : database_(database), on_stored_(std::move(on_stored)) {}

std::int64_t AppStore::add_listed(const std::vector<ListedApp>& apps, std::int64_t now) {
  // Chunks keep each write transaction short for other writers.
  constexpr std::size_t kChunk = 5'000;
  soci::session session(database_.pool());
  long long before = 0, after = 0;
  session << "SELECT COUNT(*) FROM steam_apps", soci::into(before);
  for (std::size_t start = 0; start < apps.size(); start += kChunk) {
    auto end = std::min(apps.size(), start + kChunk);
    std::vector<long long> ids;
    std::vector<std::string> names;
    for (auto i = start; i < end; ++i) {
      ids.push_back(apps[i].id);
      names.push_back(apps[i].name);
    }
    std::vector<long long> times(ids.size(), now);
    soci::transaction transaction(session);
    session << "INSERT INTO steam_apps (app_id, name, listed_at) VALUES (:id, :name, :now) "
               "ON CONFLICT (app_id) DO UPDATE SET name = excluded.name "
               "WHERE steam_apps.name <> excluded.name",
        soci::use(ids), soci::use(names), soci::use(times);
    transaction.commit();
  }
  session << "SELECT COUNT(*) FROM steam_apps", soci::into(after);
  return after - before;
}

std::vector<std::int64_t> AppStore::known(const std::vector<std::int64_t>& ids) {
  return ids_among(database_, ids,
                   "SELECT app_id FROM steam_apps WHERE app_id IN ({}) ORDER BY app_id", {});
}

std::vector<std::int64_t> AppStore::lease_stalest(int count, std::int64_t stale_before,
                                                  const std::string& token, std::int64_t now,
                                                  std::int64_t until) {
  soci::session session(database_.pool());
  auto skip_locked = database_.dialect() == Dialect::postgres ? " FOR UPDATE SKIP LOCKED" : "";
  auto sql = fmt::format(
      "UPDATE steam_apps SET lease_until = :until, lease_token = :token, lease_started = 0 "
      "WHERE app_id IN ("
      "SELECT app_id FROM steam_apps WHERE lease_until <= :now AND last_updated < :stale "
      "ORDER BY last_updated, app_id LIMIT :count{}) AND lease_until <= :now_again "
      "RETURNING app_id",
      skip_locked);
  Params params{{{"until", until}, {"now", now}, {"now_again", now}, {"stale", stale_before},
                 {"count", count}},
                {{"token", token}}};
  return ids_of(session, sql, std::move(params));
}

std::vector<std::int64_t> AppStore::lease(const std::vector<std::int64_t>& ids,
                                          const std::string& token, std::int64_t now,
                                          std::int64_t until) {
  return ids_among(
      database_, ids,
      "UPDATE steam_apps SET lease_until = :until, lease_token = :token, lease_started = 1 "
      "WHERE app_id IN ({}) AND (lease_until <= :now OR lease_token = :same) RETURNING app_id",
      {{{"until", until}, {"now", now}}, {{"token", token}, {"same", token}}});
}

std::vector<std::int64_t> AppStore::take_over(const std::vector<std::int64_t>& ids,
                                              const std::string& token, std::int64_t now,
                                              std::int64_t until) {
  // One statement: a holder that starts meanwhile sets lease_started first
  // (and keeps its apps) or finds them taken.
  return ids_among(
      database_, ids,
      "UPDATE steam_apps SET lease_until = :until, lease_token = :token, lease_started = 1 "
      "WHERE app_id IN ({}) AND lease_started = 0 AND lease_until > :now RETURNING app_id",
      {{{"until", until}, {"now", now}}, {{"token", token}}});
}

std::vector<std::int64_t> AppStore::renew(const std::vector<std::int64_t>& ids,
                                          const std::string& token, std::int64_t until) {
  return ids_among(database_, ids,
                   "UPDATE steam_apps SET lease_until = :until WHERE app_id IN ({}) "
                   "AND lease_token = :token RETURNING app_id",
                   {{{"until", until}}, {{"token", token}}});
}

bool AppStore::store_failed(std::int64_t id, const std::string& reason, const std::string& token,
                            std::int64_t now) {
  soci::session session(database_.pool());
  long long app_id = id, at = now;
  std::string problems = orchestra::json::string_array({reason}), lease_token = token;
  soci::statement statement =
      (session.prepare << "UPDATE steam_apps SET fetch_status = 'error', last_updated = :at, "
                          "data_problems = :problems, lease_token = NULL, lease_until = 0 "
                          "WHERE app_id = :id AND lease_token = :token",
       soci::use(at), soci::use(problems), soci::use(app_id), soci::use(lease_token));
  statement.execute(true);
  return statement.get_affected_rows() > 0;
}

void AppStore::release(const std::vector<std::int64_t>& ids, const std::string& token) {
  ids_among(database_, ids,
            "UPDATE steam_apps SET lease_until = 0, lease_token = NULL WHERE app_id IN ({}) "
            "AND lease_token = :token RETURNING app_id",
            {{}, {{"token", token}}});
}

std::vector<std::int64_t> AppStore::updated_since(const std::vector<std::int64_t>& ids,
                                                  std::int64_t since) {
  return ids_among(database_, ids,
                   "SELECT app_id FROM steam_apps WHERE app_id IN ({}) "
                   "AND last_updated >= :since ORDER BY app_id",
                   {{{"since", since}}, {}});
}

bool AppStore::store_fetched(const FetchedApp& app, const std::string& token, std::int64_t now) {
  soci::session session(database_.pool());
  soci::transaction transaction(session);
  if (!store_details(session, app, token, now)) return false;  // rolled back
  if (app.details) {
    for (const auto& [country, price] : app.prices) store_price(session, app.id, country, price, now);
  }
  if (on_stored_) {
    auto stored = query_apps(session, std::string(kColumns) + "WHERE app_id = :id",
                             Params{{{"id", app.id}}, {}});
    attach_prices(session, stored);
    if (!stored.empty()) on_stored_(session, stored.front());
  }
  transaction.commit();
  return true;
}

std::optional<AppRecord> AppStore::find(std::int64_t id) {
  soci::session session(database_.pool());
  auto apps = query_apps(session, std::string(kColumns) + "WHERE app_id = :id",
                         Params{{{"id", id}}, {}});
  if (apps.empty()) return std::nullopt;
  attach_prices(session, apps);
  return std::move(apps.front());
}

std::vector<AppRecord> AppStore::list(const AppQuery& query) {
  soci::session session(database_.pool());
  Params params{{{"after", query.after}, {"limit", query.limit}}, {}};
  std::string sql = std::string(kColumns) + "WHERE app_id > :after";
  if (query.updated_since) {
    sql += " AND last_updated >= :since";
    params.integers["since"] = *query.updated_since;
  }
  if (query.type) {
    sql += " AND type = :type";
    params.texts["type"] = *query.type;
  }
  sql += " ORDER BY app_id LIMIT :limit";
  auto apps = query_apps(session, sql, std::move(params));
  attach_prices(session, apps);
  return apps;
}

CatalogueStats AppStore::stats(std::int64_t now) {
  soci::session session(database_.pool());
  long long total = 0, never = 0, last_day = 0, unavailable = 0, leased = 0, oldest = 0;
  soci::indicator oldest_null = soci::i_ok;
  long long day_ago = now - 86'400'000LL, at = now;
  session << "SELECT COUNT(*), COALESCE(SUM(CASE WHEN last_updated = 0 THEN 1 ELSE 0 END), 0), "
             "COALESCE(SUM(CASE WHEN last_updated >= :day AND last_updated > 0 THEN 1 ELSE 0 END), 0), "
             "COALESCE(SUM(CASE WHEN fetch_status = 'unavailable' THEN 1 ELSE 0 END), 0), "
             "COALESCE(SUM(CASE WHEN lease_until > :now THEN 1 ELSE 0 END), 0), "
             "MIN(last_updated) FROM steam_apps",
      soci::use(day_ago), soci::use(at), soci::into(total), soci::into(never),
      soci::into(last_day), soci::into(unavailable), soci::into(leased),
      soci::into(oldest, oldest_null);
  CatalogueStats stats{total, never, last_day, unavailable, leased, std::nullopt};
  if (oldest_null == soci::i_ok) stats.oldest_last_updated = oldest;
  return stats;
}

}  // namespace steam_sync
