// Identity end to end: the real binary over real HTTP, with the secret
// every TestServer gets (or its own generated one).

#include "support/auth.hpp"
#include "support/http_client.hpp"
#include "support/test_server.hpp"

#include <doctest/doctest.h>

#include <rapidjson/document.h>

#include <filesystem>
#include <regex>
#include <set>
#include <vector>
#include <thread>
#include <mutex>
#include <map>
#include <sys/stat.h>

using namespace orchestra::testing;

namespace {

rapidjson::Document parse(const std::string& text) {
  rapidjson::Document document;
  document.Parse(text.c_str());
  REQUIRE_MESSAGE(document.IsObject(), text);
  return document;
}

std::string field(const std::string& body, const char* name) {
  auto document = parse(body);
  REQUIRE_MESSAGE(document.HasMember(name), body);
  return document[name].GetString();
}

std::string credentials(const std::string& login, const std::string& password) {
  return R"({"login":")" + login + R"(","password":")" + password + R"("})";
}

struct Session {
  std::string access;
  std::string refresh;
};

Session log_in(std::uint16_t port, const std::string& login, const std::string& password) {
  auto result = HttpClient(port).post("/api/v1/auth/login", credentials(login, password));
  REQUIRE_MESSAGE(result.status == 200, result.body);
  return {field(result.body, "access_token"), field(result.body, "refresh_token")};
}

HttpResult call(std::uint16_t port, const std::string& method, const std::string& target,
                const std::string& access_token, const std::string& body = {}) {
  return HttpClient(port).request(method, target, body,
                                  {{"Authorization", "Bearer " + access_token},
                                   {"Content-Type", "application/json"}});
}

HttpResult refresh_with_body(std::uint16_t port, const std::string& refresh_token) {
  return HttpClient(port).post("/api/v1/auth/refresh",
                               R"({"refresh_token":")" + refresh_token + R"("})");
}

std::string detail(const HttpResult& result) { return field(result.body, "detail"); }

}  // namespace

TEST_CASE("register, log in, call protected routes, refresh, log out") {
  TempDir dir;
  TestServer server(dir, "all", test_config());
  auto port = server.port();
  HttpClient client(port);

  auto registered = client.post("/api/v1/auth/register", credentials("alice", "password-1"));
  REQUIRE_MESSAGE(registered.status == 201, registered.body);
  auto id = field(registered.body, "id");
  auto duplicate = client.post("/api/v1/auth/register", credentials("ALICE", "password-2"));
  CHECK(duplicate.status == 409);
  CHECK(detail(duplicate) == "the login 'ALICE' is already taken");
  CHECK(client.post("/api/v1/auth/register", credentials("a", "password-1")).status == 400);
  CHECK(client.post("/api/v1/auth/register", credentials("bob", "short")).status == 400);
  CHECK(client.post("/api/v1/auth/register", R"({"login":"bob"})").status == 400);

  auto login = client.post("/api/v1/auth/login", credentials("alice", "password-1"));
  REQUIRE(login.status == 200);
  auto body = parse(login.body);
  CHECK(std::string(body["token_type"].GetString()) == "Bearer");
  CHECK(body["expires_in"].GetInt() == 900);
  std::string access = body["access_token"].GetString();
  std::string refresh = body["refresh_token"].GetString();
  auto cookie = login.header("set-cookie");
  CHECK(cookie.starts_with("orchestra_refresh=" + refresh + ";"));
  CHECK(cookie.find("; Path=/api/v1/auth") != std::string::npos);
  CHECK(cookie.find("; HttpOnly") != std::string::npos);
  CHECK(cookie.find("; SameSite=Strict") != std::string::npos);
  CHECK(cookie.find("Secure") == std::string::npos);

  auto me = call(port, "GET", "/api/v1/auth/me", access);
  REQUIRE(me.status == 200);
  CHECK(field(me.body, "id") == id);
  CHECK(field(me.body, "login") == "alice");
  CHECK(call(port, "GET", "/api/v1/echo/items/7", access).status == 200);

  auto anonymous = client.get("/api/v1/echo/items/7");
  CHECK(anonymous.status == 401);
  CHECK(anonymous.header("www-authenticate") == R"(Bearer realm="orchestra")");
  auto forbidden = call(port, "GET", "/api/v1/tasks/stats", access);
  CHECK(forbidden.status == 403);
  CHECK(detail(forbidden) == "this route needs the scope 'tasks'");
  auto garbled = call(port, "GET", "/api/v1/auth/me", access + "x");
  CHECK(garbled.status == 401);
  CHECK(garbled.header("www-authenticate").find(R"(error="invalid_token")") != std::string::npos);

  auto rotated = client.request("POST", "/api/v1/auth/refresh", {},
                                {{"Cookie", "theme=dark; orchestra_refresh=" + refresh}});
  REQUIRE_MESSAGE(rotated.status == 200, rotated.body);
  auto next_refresh = field(rotated.body, "refresh_token");
  CHECK(next_refresh != refresh);
  CHECK(call(port, "GET", "/api/v1/auth/me", field(rotated.body, "access_token")).status == 200);

  auto reused = refresh_with_body(port, refresh);
  CHECK(reused.status == 401);
  CHECK(detail(reused).find("already used") != std::string::npos);
  CHECK(reused.header("set-cookie").find("Max-Age=0") != std::string::npos);
  auto family_gone = refresh_with_body(port, next_refresh);
  CHECK(family_gone.status == 401);
  CHECK(detail(family_gone) == "the refresh token was revoked; log in again");

  auto second = log_in(port, "alice", "password-1");
  CHECK(client.post("/api/v1/auth/logout", R"({"refresh_token":")" + second.refresh + R"("})")
            .status == 401);
  auto logout = call(port, "POST", "/api/v1/auth/logout", second.access,
                     R"({"refresh_token":")" + second.refresh + R"("})");
  CHECK(logout.status == 204);
  CHECK(refresh_with_body(port, second.refresh).status == 401);
  CHECK(refresh_with_body(port, "ort_made_up").status == 401);

  // Logging out with a token already rotated ends the login too: the
  // newest token of its family stops refreshing.
  auto third = log_in(port, "alice", "password-1");
  auto newer = refresh_with_body(port, third.refresh);
  REQUIRE(newer.status == 200);
  auto stale_logout = call(port, "POST", "/api/v1/auth/logout", third.access,
                           R"({"refresh_token":")" + third.refresh + R"("})");
  CHECK(stale_logout.status == 204);
  CHECK(refresh_with_body(port, field(newer.body, "refresh_token")).status == 401);
  CHECK(client.post("/api/v1/auth/refresh", "").status == 401);
}

TEST_CASE("a wrong login and a wrong password get the same answer") {
  TempDir dir;
  TestServer server(dir, "all", test_config());
  HttpClient client(server.port());
  REQUIRE(client.post("/api/v1/auth/register", credentials("alice", "password-1")).status == 201);
  auto wrong_password = client.post("/api/v1/auth/login", credentials("alice", "password-2"));
  auto wrong_login = client.post("/api/v1/auth/login", credentials("alicia", "password-1"));
  auto invalid_login = client.post("/api/v1/auth/login", credentials("a b", "password-1"));
  CHECK(wrong_password.status == 401);
  CHECK(wrong_password.body == wrong_login.body);
  CHECK(wrong_password.body == invalid_login.body);
  CHECK(detail(wrong_password) == "wrong login or password");
}

TEST_CASE("login failures beyond the limit get 429 with Retry-After") {
  TempDir dir;
  TestServer server(dir, "all",
                    test_config("auth:\n  login_rate_limit:\n    attempts: 3\n    per_address: 4\n"
                                "    window: 1m\n"));
  HttpClient client(server.port());
  REQUIRE(client.post("/api/v1/auth/register", credentials("alice", "password-1")).status == 201);
  // Right passwords count nothing.
  for (int i = 0; i < 5; ++i) {
    REQUIRE(client.post("/api/v1/auth/login", credentials("alice", "password-1")).status == 200);
  }
  for (int i = 0; i < 3; ++i) {
    CHECK(client.post("/api/v1/auth/login", credentials("alice", "guess-" + std::to_string(i)))
              .status == 401);
  }
  auto limited = client.post("/api/v1/auth/login", credentials("alice", "password-1"));
  CHECK(limited.status == 429);
  CHECK(std::stoi(limited.header("retry-after")) >= 1);
  CHECK(std::stoi(limited.header("retry-after")) <= 20);
  // The address is limited too, more loosely: one more guess, then 429.
  CHECK(client.post("/api/v1/auth/login", credentials("bob", "password-1")).status == 401);
  CHECK(client.post("/api/v1/auth/login", credentials("bob", "password-1")).status == 429);
}

TEST_CASE("guesses from another address do not lock the owner out, and X-Forwarded-For counts only from a trusted proxy") {
  TempDir dir;
  TestServer server(dir, "all",
                    test_config("auth:\n  login_rate_limit:\n    attempts: 5\n    window: 1m\n"),
                    {{"ORCHESTRA_SERVER__TRUSTED_PROXIES", "[127.0.0.1]"}});
  HttpClient client(server.port());
  REQUIRE(client.post("/api/v1/auth/register", credentials("alice", "password-1")).status == 201);
  auto from = [&](const std::string& address, const std::string& password) {
    return client.request("POST", "/api/v1/auth/login", credentials("alice", password),
                          {{"Content-Type", "application/json"}, {"X-Forwarded-For", address}})
        .status;
  };
  for (int i = 0; i < 30; ++i) from("127.0.0.2", "guess-" + std::to_string(i));
  CHECK(from("127.0.0.2", "password-1") == 429);
  CHECK(from("127.0.0.1", "password-1") == 200);
  // An IPv6 client is limited per /64: another address of it waits too.
  for (int i = 0; i < 5; ++i) CHECK(from("2001:db8:1:2::1", "guess") == 401);
  CHECK(from("2001:db8:1:2::ffff", "password-1") == 429);
  CHECK(from("2001:db8:1:3::1", "password-1") == 200);
}

TEST_CASE("X-Forwarded-For from a peer that is no trusted proxy is ignored") {
  TempDir dir;
  TestServer server(dir, "all",
                    test_config("auth:\n  login_rate_limit:\n    attempts: 3\n    window: 1m\n"));
  HttpClient client(server.port());
  REQUIRE(client.post("/api/v1/auth/register", credentials("alice", "password-1")).status == 201);
  for (int i = 0; i < 3; ++i) {
    client.request("POST", "/api/v1/auth/login", credentials("alice", "guess"),
                   {{"Content-Type", "application/json"},
                    {"X-Forwarded-For", "10.9.9." + std::to_string(i)}});
  }
  CHECK(client.post("/api/v1/auth/login", credentials("alice", "password-1")).status == 429);
}

TEST_CASE("a login too long to be one is refused before it reaches the limiter") {
  TempDir dir;
  TestServer server(dir, "all",
                    test_config("auth:\n  login_rate_limit:\n    attempts: 2\n    window: 1m\n"));
  HttpClient client(server.port());
  for (int i = 0; i < 5; ++i) {
    auto long_login = std::string(100000, 'a') + std::to_string(i);
    CHECK(client.post("/api/v1/auth/login", credentials(long_login, "password-1")).status == 401);
  }
}

TEST_CASE("60 registrations at once from one address: the address's allowance passes, the rest get 429") {
  TempDir dir;
  TestServer server(dir, "all",
                    test_config("auth:\n  registration_rate_limit:\n    attempts: 5\n    window: 1h\n"));
  std::vector<std::thread> flood;
  std::mutex mutex;
  std::map<int, int> statuses;
  for (int i = 0; i < 60; ++i) {
    flood.emplace_back([&, i] {
      auto status = HttpClient(server.port())
                        .post("/api/v1/auth/register", credentials("flood" + std::to_string(i), "password-1"))
                        .status;
      std::lock_guard lock(mutex);
      ++statuses[status];
    });
  }
  for (auto& thread : flood) thread.join();
  CHECK(statuses[201] + statuses[503] == 5);
  CHECK(statuses[429] == 55);
  auto limited = HttpClient(server.port()).post("/api/v1/auth/register", credentials("late", "password-1"));
  CHECK(limited.status == 429);
  CHECK(std::stoi(limited.header("retry-after")) >= 60);
}

TEST_CASE("with every password hashing slot busy, registrations get 503 and Retry-After instead of waiting, and a taken login 409 without hashing") {
  TempDir dir;
  TestServer server(dir, "all",
                    test_config("auth:\n  hashing_slots: 1\n  hashing_wait: 1ms\n"
                                "  registration_rate_limit:\n    attempts: 100\n"));
  std::vector<std::thread> flood;
  std::mutex mutex;
  std::map<int, int> statuses;
  std::string retry_after;
  REQUIRE(HttpClient(server.port()).post("/api/v1/auth/register", credentials("taken", "password-1")).status == 201);
  std::map<int, int> taken;  // a taken login is refused before it is hashed: never 503
  for (int i = 0; i < 24; ++i) {
    flood.emplace_back([&, i] {
      auto login = i % 3 == 0 ? std::string("taken") : "busy" + std::to_string(i);
      auto result = HttpClient(server.port()).post("/api/v1/auth/register", credentials(login, "password-1"));
      std::lock_guard lock(mutex);
      ++(login == "taken" ? taken : statuses)[result.status];
      if (result.status == 503) retry_after = result.header("retry-after");
    });
  }
  for (auto& thread : flood) thread.join();
  CHECK(statuses[201] >= 1);
  CHECK(statuses[503] >= 1);
  CHECK(statuses[201] + statuses[503] == 16);
  CHECK(retry_after == "1");
  CHECK(taken[409] == 8);
}

TEST_CASE("registration can be closed") {
  TempDir dir;
  TestServer server(dir, "all", test_config("auth:\n  registration: closed\n"));
  auto result = HttpClient(server.port()).post("/api/v1/auth/register",
                                               credentials("alice", "password-1"));
  CHECK(result.status == 403);
  CHECK(detail(result).find("registration is closed") != std::string::npos);
}

TEST_CASE("no route but the listed public ones answers without a token") {
  TempDir dir;
  TestServer server(dir, "all", test_config("auth:\n  public_metrics: false\n"));
  const std::set<std::string> kPublic{
      "GET /healthz",           "GET /readyz",           "GET /docs",
      "GET /openapi.json",      "POST /api/v1/auth/register", "POST /api/v1/auth/login",
      "POST /api/v1/auth/refresh", "GET /api/v1/echo/hello",
      // The console's and Swagger UI's files: the data comes through the API.
      "GET /console",           "GET /console/{file}",   "GET /console/pages",
      "GET /console/pages/{file}", "GET /docs/{file}"};
  auto openapi = parse(http_get(server.port(), "/openapi.json").body);
  int walked = 0;
  for (const auto& path : openapi["paths"].GetObject()) {
    std::string target = std::regex_replace(path.name.GetString(), std::regex(R"(\{[^}]+\})"), "x");
    for (const auto& operation : path.value.GetObject()) {
      std::string method = operation.name.GetString();
      for (auto& c : method) c = static_cast<char>(std::toupper(c));
      auto route = method + " " + path.name.GetString();
      auto result = HttpClient(server.port()).request(method, target, "{}",
                                                      {{"Content-Type", "application/json"}});
      CAPTURE(route);
      CAPTURE(result.body);
      // The document says so too: no security requirement, or a bearer token.
      CHECK(operation.value["security"].Empty() == kPublic.contains(route));
      if (kPublic.contains(route)) {
        // Refresh may answer 401 for the missing refresh token, but never
        // asks for a bearer token.
        CHECK(result.header("www-authenticate").empty());
        CHECK(result.status < 500);
      } else {
        CHECK(result.status == 401);
        CHECK(result.header("www-authenticate").starts_with("Bearer"));
      }
      ++walked;
    }
  }
  CHECK(walked >= 25);
  CHECK(http_get(server.port(), "/metrics").status == 401);
  CHECK(admin_get(server.port(), "/metrics").status == 200);
}

TEST_CASE("admins: the user command, scope grants over REST, service tokens") {
  TempDir dir;
  auto config_file = dir.write("orchestra.yaml", test_config());
  Environment with_password{{"ORCHESTRA_USER_PASSWORD", "root-password"}};
  auto created = run_orchestra(
      dir, {"user", "create", "--login", "root", "--admin", "--config", config_file.string()},
      with_password);
  REQUIRE_MESSAGE(created.exit_code == 0, created.output);
  CHECK(created.output.find("created user root") != std::string::npos);
  auto again = run_orchestra(
      dir, {"user", "create", "--login", "root", "--config", config_file.string()}, with_password);
  CHECK(again.exit_code == 2);
  CHECK(again.output.find("already taken") != std::string::npos);
  auto issued = run_orchestra(dir, {"token", "create", "--name", "ci-runner", "--scope", "tasks",
                                    "--ttl", "30d", "--config", config_file.string()});
  REQUIRE_MESSAGE(issued.exit_code == 0, issued.output);
  std::smatch match;
  REQUIRE(std::regex_search(issued.output, match, std::regex("ost_[A-Za-z0-9_-]{43}")));
  std::string service_token = match[0];

  TestServer server(dir, "all", test_config());
  auto port = server.port();
  HttpClient client(port);
  REQUIRE(client.post("/api/v1/auth/register", credentials("alice", "password-1")).status == 201);
  auto root = log_in(port, "root", "root-password");
  auto alice = log_in(port, "alice", "password-1");

  CHECK(call(port, "GET", "/api/v1/auth/users", alice.access).status == 403);
  auto users = call(port, "GET", "/api/v1/auth/users", root.access);
  REQUIRE(users.status == 200);
  CHECK(parse(users.body)["items"].Size() == 2);
  auto granted = call(port, "PUT", "/api/v1/auth/users/alice/scopes/tasks", root.access);
  REQUIRE_MESSAGE(granted.status == 200, granted.body);
  CHECK(call(port, "PUT", "/api/v1/auth/users/nobody/scopes/tasks", root.access).status == 404);
  CHECK(call(port, "PUT", "/api/v1/auth/users/alice/scopes/Bad%20Scope", root.access).status ==
        400);
  // Scopes travel in the access token: the new one, after a refresh, has it.
  CHECK(call(port, "GET", "/api/v1/tasks/stats", alice.access).status == 403);
  auto refreshed = refresh_with_body(port, alice.refresh);
  REQUIRE(refreshed.status == 200);
  CHECK(call(port, "GET", "/api/v1/tasks/stats", field(refreshed.body, "access_token")).status == 200);

  CHECK(call(port, "GET", "/api/v1/tasks/stats", service_token).status == 200);
  CHECK(call(port, "GET", "/api/v1/auth/users", service_token).status == 403);
  auto service_me = call(port, "GET", "/api/v1/auth/me", service_token);
  CHECK(field(service_me.body, "kind") == "service");
  CHECK(field(service_me.body, "name") == "ci-runner");
  CHECK(call(port, "DELETE", "/api/v1/auth/tokens/ci-runner", root.access).status == 204);
  CHECK(call(port, "GET", "/api/v1/tasks/stats", service_token).status == 401);

  auto minted = call(port, "POST", "/api/v1/auth/tokens", root.access,
                     R"({"name":"deployer","scopes":["tasks"],"ttl":"1h"})");
  REQUIRE_MESSAGE(minted.status == 201, minted.body);
  CHECK(call(port, "GET", "/api/v1/tasks/stats", field(minted.body, "token")).status == 200);
  CHECK(call(port, "POST", "/api/v1/auth/tokens", root.access,
             R"({"name":"deployer","scopes":["tasks"]})").status == 409);
  auto listed = run_orchestra(dir, {"token", "list", "--config", config_file.string()});
  CHECK(listed.output.find("deployer") != std::string::npos);
  CHECK(listed.output.find("ci-runner") == std::string::npos);
}

TEST_CASE("a task enqueued for a user is readable and cancellable by that user only") {
  TempDir dir;
  TestServer server(dir, "all", test_config());
  auto port = server.port();
  HttpClient client(port);
  for (const char* login : {"alice", "bobby"}) {
    REQUIRE(client.post("/api/v1/auth/register", credentials(login, "password-1")).status == 201);
  }
  auto alice = log_in(port, "alice", "password-1");
  auto bob = log_in(port, "bobby", "password-1");
  auto created = call(port, "POST", "/api/v1/echo/tasks", alice.access, R"({"type":"echo.noop","delay_ms":600000})");
  REQUIRE_MESSAGE(created.status == 202, created.body);
  auto id = field(created.body, "task_id");
  auto mine = call(port, "GET", "/api/v1/tasks/" + id, alice.access);
  CHECK(mine.status == 200);
  CHECK(field(mine.body, "owner") == field(call(port, "GET", "/api/v1/auth/me", alice.access).body, "id"));
  CHECK(call(port, "GET", "/api/v1/tasks/" + id, bob.access).status == 404);
  CHECK(call(port, "GET", "/api/v1/tasks", alice.access).body.find(id) != std::string::npos);
  CHECK(call(port, "GET", "/api/v1/tasks", bob.access).body.find(id) == std::string::npos);
  CHECK(call(port, "POST", "/api/v1/tasks/" + id + "/cancel", bob.access).status == 404);
  CHECK(call(port, "GET", "/api/v1/tasks/stats", alice.access).status == 403);
  CHECK(call(port, "POST", "/api/v1/tasks/" + id + "/retry", alice.access).status == 403);
  CHECK(call(port, "POST", "/api/v1/tasks/" + id + "/cancel", alice.access).status == 202);
  CHECK(admin_get(port, "/api/v1/tasks/" + id).status == 200);
}

TEST_CASE("without a configured secret one is generated with mode 0600 and kept") {
  TempDir dir;
  Environment no_secret{{kSecretVariable, ""}};
  std::string access;
  {
    TestServer server(dir, "all", test_config(), no_secret);
    CHECK(server.output().find("generated a token signing secret") != std::string::npos);
    REQUIRE(HttpClient(server.port())
                .post("/api/v1/auth/register", credentials("alice", "password-1"))
                .status == 201);
    access = log_in(server.port(), "alice", "password-1").access;
    // Tokens signed with another secret are refused.
    auto foreign = HttpClient(server.port()).with_header("Authorization", bearer({"admin"}))
                       .get("/api/v1/auth/me");
    CHECK(foreign.status == 401);
    CHECK(detail(foreign) == "the token's signature does not verify");
  }
  struct stat info {};
  REQUIRE(::stat((dir.path() / "var/auth-secret").c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0600);
  TestServer restarted(dir, "all", test_config(), no_secret);
  CHECK(restarted.output().find("generated a token signing secret") == std::string::npos);
  CHECK(call(restarted.port(), "GET", "/api/v1/auth/me", access).status == 200);
}

TEST_CASE("a secret shorter than 32 characters stops the start with one clear line") {
  TempDir dir;
  auto config_file = dir.write("orchestra.yaml", test_config());
  auto result = run_orchestra(dir, {"config", "check", "--config", config_file.string()},
                              {{kSecretVariable, "too-short"}});
  CHECK(result.exit_code == 1);
  CHECK(result.output.find("must be at least 32 characters") != std::string::npos);
}
