#pragma once
// Tasks that belong to a database change: enqueued inside its transaction
// when the task backend shares the database (sql), right after the commit
// otherwise (redis), where the sweep task repairs a crash in between.

#include <orchestra/tasks.hpp>

#include <vector>

namespace notifications {

class PendingTasks {
 public:
  explicit PendingTasks(orchestra::tasks::Tasks& tasks) : tasks_(tasks) {}
  void add(orchestra::tasks::NewTask task) { tasks_to_add_.push_back(std::move(task)); }
  // Call before committing the transaction on `session`.
  void in_transaction(soci::session& session);
  // Instead of in_transaction, for tasks whose work does not depend on the
  // transaction (and survive its rollback): without a shared database they
  // are enqueued before the commit, so a crash can repeat but never lose
  // them.
  void before_commit(soci::session& session);
  // Call after the commit.
  void after_commit();

 private:
  orchestra::tasks::Tasks& tasks_;
  std::vector<orchestra::tasks::NewTask> tasks_to_add_;
};

}  // namespace notifications
