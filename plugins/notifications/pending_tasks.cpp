#include "pending_tasks.hpp"

namespace notifications {

void PendingTasks::in_transaction(soci::session& session) {
  if (tasks_to_add_.empty() || !tasks_.transactional()) return;
  tasks_.enqueue_in(session, std::move(tasks_to_add_));
  tasks_to_add_.clear();
}

void PendingTasks::before_commit(soci::session& session) {
  if (tasks_.transactional()) {
    in_transaction(session);
  } else {
    after_commit();
  }
}

void PendingTasks::after_commit() {
  if (tasks_to_add_.empty()) return;
  tasks_.enqueue_many(std::move(tasks_to_add_));
  tasks_to_add_.clear();
}

}  // namespace notifications
