#pragma once
// The change feed in the deployment's database (sql/core/0007_change_feed).

#include <orchestra/changes.hpp>
#include <orchestra/db.hpp>
#include <orchestra/sql_query.hpp>

namespace orchestra::changes {

class SqlChangeFeed final : public ChangeFeed {
 public:
  explicit SqlChangeFeed(db::Database& database) : database_(database) {}
  void publish(soci::session& session, const std::string& source, const std::string& key,
               const std::string& document) override;
  void remove(soci::session& session, const std::string& source,
              const std::string& key) override;
  std::vector<Change> read(const std::string& source, const FeedPosition& after,
                           int limit) override;
  FeedLag lag(const std::string& source, const FeedPosition& after) override;

 private:
  void insert(soci::session& session, const std::string& source, const std::string& key,
              const std::optional<std::string>& document);
  // " FROM ... WHERE" entries of `source` readable after `after`, binding
  // its parameters in `query`.
  const char* after_condition(db::SqlQuery& query, const std::string& source,
                              const FeedPosition& after) const;

  db::Database& database_;
};

}  // namespace orchestra::changes
