// auth::IdentityStore on real SQLite and PostgreSQL databases: users with
// case-insensitive logins, refresh token rotation and theft detection,
// service tokens.

#include "support/task_harness.hpp"

#include "auth/encoding.hpp"
#include "auth/identity_store.hpp"

#include <doctest/doctest.h>

#include <latch>
#include <memory>
#include <thread>

using namespace orchestra::testing;
using namespace orchestra::auth;
using namespace std::chrono_literals;
using Outcome = Rotation::Outcome;

namespace {

std::vector<Backend> databases_under_test() {
  std::vector<Backend> databases;
  for (auto backend : backends_under_test()) {
    if (backend != Backend::redis) databases.push_back(backend);
  }
  return databases;
}

}  // namespace

#define FOR_EACH_DATABASE                                  \
  for (auto backend : databases_under_test())              \
    SUBCASE(backend_name(backend))

TEST_CASE("users: logins are unique regardless of case, scopes are granted and revoked") {
  FOR_EACH_DATABASE {
    TaskHarness harness(backend);
    IdentityStore store(harness.database());
    auto id = store.create_user("Alice", "hash-a", {"tasks"});
    REQUIRE(id);
    CHECK_FALSE(store.create_user("alice", "hash-b", {}));
    CHECK_FALSE(store.create_user("ALICE", "hash-b", {}));
    auto found = store.find_user_by_login("aLiCe");
    REQUIRE(found);
    CHECK(found->id == *id);
    CHECK(found->login == "Alice");
    CHECK(found->password_hash == "hash-a");
    CHECK(found->scopes == std::vector<std::string>{"tasks"});
    CHECK(store.find_user(*id)->login == "Alice");
    CHECK_FALSE(store.find_user("nobody"));

    auto granted = store.change_scope("alice", "csv", true);
    REQUIRE(granted);
    CHECK(granted->scopes == std::vector<std::string>{"csv", "tasks"});
    CHECK(store.change_scope("alice", "csv", true)->scopes ==
          std::vector<std::string>{"csv", "tasks"});
    CHECK(store.change_scope("alice", "tasks", false)->scopes == std::vector<std::string>{"csv"});
    CHECK_FALSE(store.change_scope("bob", "csv", true));

    REQUIRE(store.create_user("bob", "hash-c", {}));
    REQUIRE(store.create_user("carol", "hash-d", {}));
    auto first = store.list_users(std::nullopt, 2);
    REQUIRE(first.size() == 2);
    CHECK(first[0].login == "Alice");
    CHECK(first[1].login == "bob");
    auto rest = store.list_users(first.back().login, 2);
    REQUIRE(rest.size() == 1);
    CHECK(rest[0].login == "carol");
  }
}

TEST_CASE("refresh tokens rotate, presenting a rotated one revokes the whole family") {
  FOR_EACH_DATABASE {
    TaskHarness harness(backend);
    IdentityStore store(harness.database());
    auto user = *store.create_user("alice", "hash", {"tasks"});
    auto first = store.issue_refresh_token(user, 1h);
    CHECK(first.starts_with("ort_"));
    auto second = store.rotate_refresh_token(first, 1h);
    REQUIRE(second.outcome == Outcome::rotated);
    CHECK(second.user->id == user);
    CHECK(second.user->scopes == std::vector<std::string>{"tasks"});
    auto third = store.rotate_refresh_token(second.token, 1h);
    REQUIRE(third.outcome == Outcome::rotated);

    // Another login is another family and survives the theft detection.
    auto other_session = store.issue_refresh_token(user, 1h);

    CHECK(store.rotate_refresh_token(first, 1h).outcome == Outcome::reused);
    CHECK(store.rotate_refresh_token(third.token, 1h).outcome == Outcome::revoked);
    CHECK(store.rotate_refresh_token(other_session, 1h).outcome == Outcome::rotated);
    CHECK(store.rotate_refresh_token("ort_unknown", 1h).outcome == Outcome::unknown);
  }
}

TEST_CASE("two concurrent rotations of one token: one wins, the other is reuse") {
  FOR_EACH_DATABASE {
    TaskHarness harness(backend);
    IdentityStore store(harness.database());
    auto user = *store.create_user("alice", "hash", {});
    auto token = store.issue_refresh_token(user, 1h);
    std::latch start(2);
    Outcome outcomes[2];
    std::vector<std::thread> threads;
    for (int i = 0; i < 2; ++i) {
      threads.emplace_back([&, i] {
        start.arrive_and_wait();
        outcomes[i] = store.rotate_refresh_token(token, 1h).outcome;
      });
    }
    for (auto& thread : threads) thread.join();
    CHECK(((outcomes[0] == Outcome::rotated) != (outcomes[1] == Outcome::rotated)));
    CHECK((outcomes[0] == Outcome::reused || outcomes[1] == Outcome::reused));
  }
}

TEST_CASE("a rotation waiting on a revocation that commits first mints no live token") {
  FOR_EACH_DATABASE {
    TaskHarness harness(backend);
    IdentityStore store(harness.database());
    auto user = *store.create_user("alice", "hash", {});
    auto token = store.issue_refresh_token(user, 1h);
    auto hash = sha256_hex(token);
    soci::session revoker(harness.database().pool());
    auto revocation = std::make_unique<orchestra::db::WriteTransaction>(revoker, harness.database().dialect());
    revoker << "UPDATE refresh_tokens SET revoked_at = 1 WHERE token_hash = :hash", soci::use(hash);
    Rotation rotation;
    std::thread rotating([&] { rotation = store.rotate_refresh_token(token, 1h); });
    std::this_thread::sleep_for(200ms);  // the rotation now waits for the revocation's lock
    revocation->commit();
    rotating.join();
    CHECK(rotation.outcome == Outcome::revoked);
    CHECK(rotation.token.empty());
  }
}

TEST_CASE("a token that a family revocation missed is refused and revoked when presented") {
  FOR_EACH_DATABASE {
    TaskHarness harness(backend);
    IdentityStore store(harness.database());
    auto user = *store.create_user("alice", "hash", {});
    auto first = store.issue_refresh_token(user, 1h);
    auto second = store.rotate_refresh_token(first, 1h);
    REQUIRE(second.outcome == Outcome::rotated);
    // As a revocation whose statement began before the second token existed.
    soci::session session(harness.database().pool());
    auto hash = sha256_hex(first);
    session << "UPDATE refresh_tokens SET revoked_at = 1 WHERE token_hash = :hash", soci::use(hash);
    CHECK(store.rotate_refresh_token(second.token, 1h).outcome == Outcome::revoked);
    CHECK(store.rotate_refresh_token(second.token, 1h).outcome == Outcome::revoked);
  }
}

TEST_CASE("an unknown refresh token is answered without waiting for the write lock") {
  FOR_EACH_DATABASE {
    TaskHarness harness(backend);
    IdentityStore store(harness.database());
    soci::session writer(harness.database().pool());
    orchestra::db::WriteTransaction held(writer, harness.database().dialect());
    writer << "UPDATE users SET scopes = scopes";
    CHECK(store.rotate_refresh_token("ort_guessed", 1h).outcome == Outcome::unknown);
  }
}

TEST_CASE("scope grants at once from two admins lose neither") {
  FOR_EACH_DATABASE {
    TaskHarness harness(backend);
    IdentityStore store(harness.database());
    REQUIRE(store.create_user("alice", "hash", {}));
    std::latch start(2);
    std::vector<std::thread> admins;
    for (const char* prefix : {"a", "b"}) {
      admins.emplace_back([&, prefix] {
        start.arrive_and_wait();
        for (int i = 0; i < 20; ++i) store.change_scope("alice", prefix + std::to_string(i), true);
      });
    }
    for (auto& admin : admins) admin.join();
    CHECK(store.find_user_by_login("alice")->scopes.size() == 40);
  }
}

TEST_CASE("expired and revoked refresh tokens are refused") {
  FOR_EACH_DATABASE {
    TaskHarness harness(backend);
    IdentityStore store(harness.database());
    auto user = *store.create_user("alice", "hash", {});
    auto short_lived = store.issue_refresh_token(user, 1ms);
    std::this_thread::sleep_for(5ms);
    CHECK(store.rotate_refresh_token(short_lived, 1h).outcome == Outcome::expired);

    auto token = store.issue_refresh_token(user, 1h);
    CHECK_FALSE(store.revoke_refresh_token(token, "someone-else"));
    CHECK(store.revoke_refresh_token(token, user));
    CHECK_FALSE(store.revoke_refresh_token(token, user));
    CHECK(store.rotate_refresh_token(token, 1h).outcome == Outcome::revoked);
  }
}

TEST_CASE("service tokens: one live token per name, found by value, revocable, expiring") {
  FOR_EACH_DATABASE {
    TaskHarness harness(backend);
    IdentityStore store(harness.database());
    auto token = store.create_service_token("ci", {"tasks", "csv"}, std::nullopt);
    REQUIRE(token);
    CHECK(token->starts_with("ost_"));
    CHECK_FALSE(store.create_service_token("ci", {"tasks"}, std::nullopt));
    auto found = store.find_service_token(*token);
    REQUIRE(found);
    CHECK(found->name == "ci");
    CHECK(found->scopes == std::vector<std::string>{"csv", "tasks"});
    CHECK_FALSE(found->expires_at);
    CHECK_FALSE(store.find_service_token("ost_wrong"));
    CHECK(store.list_service_tokens().size() == 1);

    CHECK(store.revoke_service_token("ci"));
    CHECK_FALSE(store.revoke_service_token("ci"));
    CHECK_FALSE(store.find_service_token(*token));
    CHECK(store.list_service_tokens().empty());
    auto again = store.create_service_token("ci", {"tasks"}, 1ms);
    REQUIRE(again);
    std::this_thread::sleep_for(5ms);
    CHECK_FALSE(store.find_service_token(*again));
  }
}
