#include "app/admin_commands.hpp"

#include "auth/credentials.hpp"
#include "auth/identity_store.hpp"
#include "auth/password.hpp"
#include "auth/scopes.hpp"
#include "config/duration.hpp"

#include <orchestra/json.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cstdlib>
#include <iostream>
#include <termios.h>
#include <unistd.h>

namespace orchestra::app {
namespace {

constexpr const char* kPasswordVariable = "ORCHESTRA_USER_PASSWORD";

// From ORCHESTRA_USER_PASSWORD, else one line of stdin (not echoed on a
// terminal): argv is visible to every user of the machine.
std::string read_password() {
  if (const char* value = std::getenv(kPasswordVariable)) return value;
  bool terminal = isatty(STDIN_FILENO) != 0;
  termios saved{};
  if (terminal) {
    std::cerr << "password: " << std::flush;
    tcgetattr(STDIN_FILENO, &saved);
    auto quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::string password;
  bool read = static_cast<bool>(std::getline(std::cin, password));
  if (terminal) {
    tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    std::cerr << '\n';
  }
  if (!read) {
    throw UsageError(fmt::format("no password: pipe it on stdin or set {}", kPasswordVariable));
  }
  if (!password.empty() && password.back() == '\r') password.pop_back();
  return password;
}

std::vector<std::string> checked_scopes(const std::vector<std::string>& scopes) {
  for (const auto& scope : scopes) {
    if (auto problem = auth::scope_problem(scope)) throw UsageError(*problem);
  }
  return scopes;
}

void expect_words(const std::vector<std::string>& words, std::size_t count, const char* usage) {
  if (words.size() != count) throw UsageError(fmt::format("usage: {}", usage));
}

int create_user(const AdminOptions& options, auth::IdentityStore& store, std::ostream& out) {
  if (!options.login) throw UsageError("usage: orchestra user create --login LOGIN [--admin] [--scope S]...");
  if (auto problem = auth::login_problem(*options.login)) throw UsageError(*problem);
  auto scopes = checked_scopes(options.scopes);
  if (options.admin) scopes.emplace_back(auth::kAdminScope);
  auto password = read_password();
  if (auto problem = auth::password_problem(password)) throw UsageError(*problem);
  auth::PasswordHasher hasher(1);
  auto id = store.create_user(*options.login, hasher.hash(password), scopes);
  if (!id) throw UsageError(fmt::format("the login '{}' is already taken", *options.login));
  out << fmt::format("created user {} ({}) with scopes [{}]\n", *options.login, *id,
                     fmt::join(auth::normalized(scopes), " "));
  return 0;
}

int change_scope(const std::vector<std::string>& words, auth::IdentityStore& store,
                 std::ostream& out, bool grant) {
  expect_words(words, 3, grant ? "orchestra user grant LOGIN SCOPE"
                               : "orchestra user revoke LOGIN SCOPE");
  checked_scopes({words[2]});
  auto user = store.change_scope(words[1], words[2], grant);
  if (!user) throw UsageError(fmt::format("no user with login '{}'", words[1]));
  out << fmt::format("{} now has scopes [{}]\n", user->login, fmt::join(user->scopes, " "));
  return 0;
}

int list_users(auth::IdentityStore& store, std::ostream& out) {
  std::optional<std::string> after;
  for (;;) {
    auto page = store.list_users(after, 500);
    for (const auto& user : page) {
      out << fmt::format("{:<24} {:<36} {}\n", user.login, user.id, fmt::join(user.scopes, " "));
    }
    if (page.size() < 500) return 0;
    after = page.back().login;
  }
}

int create_token(const AdminOptions& options, auth::IdentityStore& store, std::ostream& out) {
  if (!options.name || options.scopes.empty()) {
    throw UsageError("usage: orchestra token create --name NAME --scope S [--scope S]... [--ttl 30d]");
  }
  if (auth::login_problem(*options.name)) {
    throw UsageError("--name must be 3 to 64 characters of A-Z, a-z, 0-9, '.', '_' and '-'");
  }
  std::optional<std::chrono::milliseconds> ttl;
  if (options.ttl) {
    ttl = config::parse_duration(*options.ttl);
    if (!ttl || ttl->count() <= 0) {
      throw UsageError(fmt::format("--ttl '{}' is not a positive duration such as 30d or 12h",
                                   *options.ttl));
    }
  }
  auto token = store.create_service_token(*options.name, checked_scopes(options.scopes), ttl);
  if (!token) throw UsageError(fmt::format("a live service token is named '{}'", *options.name));
  std::cerr << fmt::format("created service token {}; it is shown only now:\n", *options.name);
  out << *token << '\n';
  return 0;
}

int list_tokens(auth::IdentityStore& store, std::ostream& out) {
  for (const auto& token : store.list_service_tokens()) {
    out << fmt::format("{:<24} {:<26} {}\n", token.name,
                       token.expires_at ? json::rfc3339(*token.expires_at) : "never expires",
                       fmt::join(token.scopes, " "));
  }
  return 0;
}

}  // namespace

int run_user_command(const std::vector<std::string>& words, const AdminOptions& options,
                     db::Database& database, std::ostream& out) {
  auth::IdentityStore store(database);
  auto verb = words.empty() ? std::string() : words[0];
  if (verb == "create" && words.size() == 1) return create_user(options, store, out);
  if (verb == "grant") return change_scope(words, store, out, true);
  if (verb == "revoke") return change_scope(words, store, out, false);
  if (verb == "list" && words.size() == 1) return list_users(store, out);
  throw UsageError("usage: orchestra user create|grant|revoke|list ...");
}

int run_token_command(const std::vector<std::string>& words, const AdminOptions& options,
                      db::Database& database, std::ostream& out) {
  auth::IdentityStore store(database);
  auto verb = words.empty() ? std::string() : words[0];
  if (verb == "create" && words.size() == 1) return create_token(options, store, out);
  if (verb == "list" && words.size() == 1) return list_tokens(store, out);
  if (verb == "revoke") {
    expect_words(words, 2, "orchestra token revoke NAME");
    if (!store.revoke_service_token(words[1])) {
      throw UsageError(fmt::format("no live service token is named '{}'", words[1]));
    }
    out << fmt::format("revoked service token {}\n", words[1]);
    return 0;
  }
  throw UsageError("usage: orchestra token create|list|revoke ...");
}

}  // namespace orchestra::app
