#pragma once
// `orchestra user ...` and `orchestra token ...`: account and service token
// administration straight against the configured database, for the first
// admin and for scripts. Passwords never come from argv.

#include <orchestra/db.hpp>

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace orchestra::app {

struct AdminOptions {
  std::optional<std::string> login;
  std::optional<std::string> name;
  std::vector<std::string> scopes;
  std::optional<std::string> ttl;
  bool admin = false;
};

// Thrown for a command line the admin commands cannot act on; the message
// is the one line to print.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// `words` is the command without "user"/"token". Returns the exit code;
// throws UsageError.
int run_user_command(const std::vector<std::string>& words, const AdminOptions& options,
                     db::Database& database, std::ostream& out);
int run_token_command(const std::vector<std::string>& words, const AdminOptions& options,
                      db::Database& database, std::ostream& out);

}  // namespace orchestra::app
