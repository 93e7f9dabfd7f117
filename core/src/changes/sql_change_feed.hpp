#pragma once
// The change feed in the deployment's database (sql/core/0007_change_feed).

#include <orchestra/changes.hpp>
#include <orchestra/db.hpp>

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

 private:
  void insert(soci::session& session, const std::string& source, const std::string& key,
              const std::optional<std::string>& document);

  db::Database& database_;
};

}  // namespace orchestra::changes
