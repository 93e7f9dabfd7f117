#include "tasks/redis/redis_client.hpp"

#include "http/url.hpp"

#include <fmt/format.h>

#include <condition_variable>
#include <map>
#include <thread>

namespace orchestra::tasks::redis {
namespace {

constexpr auto kConnectTimeout = std::chrono::seconds(2);
constexpr auto kMaxBackoff = std::chrono::milliseconds(2000);

}  // namespace

struct RedisClient::Connection {
  std::unique_ptr<redisContext, void (*)(redisContext*)> context{nullptr, redisFree};
  bool busy = false;
  std::chrono::steady_clock::time_point retry_after{};
  std::chrono::milliseconds backoff{50};
};

RedisTarget parse_redis_url(const std::string& url) {
  constexpr std::string_view kScheme = "redis://";
  if (!url.starts_with(kScheme)) {
    throw std::invalid_argument("expected redis://host:port/db, got '" + url + "'");
  }
  RedisTarget target;
  std::string_view rest = std::string_view(url).substr(kScheme.size());
  if (auto slash = rest.find('/'); slash != std::string_view::npos) {
    auto db = rest.substr(slash + 1);
    if (!db.empty()) {
      try {
        target.database = std::stoi(std::string(db));
      } catch (const std::exception&) {
        throw std::invalid_argument("redis URL database must be a number: '" + url + "'");
      }
    }
    rest = rest.substr(0, slash);
  }
  if (auto at = rest.rfind('@'); at != std::string_view::npos) {
    auto credentials = rest.substr(0, at);
    auto colon = credentials.find(':');
    auto password = colon == std::string_view::npos ? credentials : credentials.substr(colon + 1);
    target.password = http::percent_decode(password, false).value_or(std::string(password));
    rest = rest.substr(at + 1);
  }
  if (auto colon = rest.rfind(':'); colon != std::string_view::npos) {
    try {
      target.port = std::stoi(std::string(rest.substr(colon + 1)));
    } catch (const std::exception&) {
      throw std::invalid_argument("redis URL port must be a number: '" + url + "'");
    }
    rest = rest.substr(0, colon);
  }
  if (!rest.empty()) target.host = std::string(rest);
  return target;
}

RedisClient::RedisClient(RedisTarget target, std::size_t connections)
    : target_(std::move(target)) {
  for (std::size_t i = 0; i < connections; ++i) {
    connections_.push_back(std::make_unique<Connection>());
  }
}

RedisClient::~RedisClient() = default;

void RedisClient::connect(Connection& connection) {
  auto now = std::chrono::steady_clock::now();
  if (now < connection.retry_after) {
    throw RedisError(fmt::format("Redis at {}:{} is unreachable (retrying)", target_.host,
                                 target_.port),
                     true);
  }
  timeval timeout{static_cast<long>(kConnectTimeout.count()), 0};
  connection.context.reset(redisConnectWithTimeout(target_.host.c_str(), target_.port, timeout));
  auto fail = [&](const std::string& why) {
    connection.context.reset();
    connection.retry_after = now + connection.backoff;
    connection.backoff = std::min(connection.backoff * 2, kMaxBackoff);
    throw RedisError(fmt::format("Redis at {}:{}: {}", target_.host, target_.port, why), true);
  };
  if (!connection.context) fail("cannot allocate a connection");
  if (connection.context->err) fail(connection.context->errstr);
  redisSetTimeout(connection.context.get(), timeval{5, 0});
  auto setup = [&](const std::vector<std::string>& arguments) {
    std::vector<const char*> argv;
    std::vector<size_t> lengths;
    for (const auto& argument : arguments) {
      argv.push_back(argument.data());
      lengths.push_back(argument.size());
    }
    Reply reply(static_cast<redisReply*>(redisCommandArgv(
        connection.context.get(), static_cast<int>(argv.size()), argv.data(), lengths.data())));
    if (!reply.get()) fail(connection.context->errstr);
    if (reply.get()->type == REDIS_REPLY_ERROR) fail(reply.get()->str);
  };
  if (!target_.password.empty()) setup({"AUTH", target_.password});
  if (target_.database != 0) setup({"SELECT", std::to_string(target_.database)});
  connection.backoff = std::chrono::milliseconds(50);
}

RedisClient::Connection& RedisClient::acquire(std::unique_lock<std::mutex>& lock) {
  while (true) {
    for (auto& connection : connections_) {
      if (!connection->busy) {
        connection->busy = true;
        return *connection;
      }
    }
    released_.wait(lock);
  }
}

Reply RedisClient::run(Connection& connection, const std::vector<std::string>& arguments) {
  if (!connection.context) connect(connection);
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  for (const auto& argument : arguments) {
    argv.push_back(argument.data());
    lengths.push_back(argument.size());
  }
  auto* raw = static_cast<redisReply*>(redisCommandArgv(
      connection.context.get(), static_cast<int>(argv.size()), argv.data(), lengths.data()));
  if (raw == nullptr) {
    std::string why = connection.context->errstr;
    connection.context.reset();
    throw RedisError(fmt::format("Redis at {}:{}: {}", target_.host, target_.port, why), true);
  }
  return Reply(raw);
}

Reply RedisClient::command(const std::vector<std::string>& arguments) {
  Connection* connection;
  {
    std::unique_lock lock(mutex_);
    connection = &acquire(lock);
  }
  struct Release {
    RedisClient& client;
    Connection& connection;
    ~Release() {
      {
        std::lock_guard lock(client.mutex_);
        connection.busy = false;
      }
      client.released_.notify_one();
    }
  } release{*this, *connection};
  auto reply = run(*connection, arguments);
  if (reply.get()->type == REDIS_REPLY_ERROR) throw RedisError(reply.get()->str);
  return reply;
}

Reply RedisClient::script(const std::string& source, const std::vector<std::string>& arguments) {
  std::string sha;
  {
    std::lock_guard lock(mutex_);
    if (auto it = script_sha_.find(source); it != script_sha_.end()) sha = it->second;
  }
  if (sha.empty()) {
    sha = as_string(command({"SCRIPT", "LOAD", source}).get());
    std::lock_guard lock(mutex_);
    script_sha_[source] = sha;
  }
  std::vector<std::string> call{"EVALSHA", sha, "0"};
  call.insert(call.end(), arguments.begin(), arguments.end());
  try {
    return command(call);
  } catch (const RedisError& error) {
    if (std::string_view(error.what()).find("NOSCRIPT") == std::string_view::npos) throw;
  }
  command({"SCRIPT", "LOAD", source});  // Redis restarted and lost its scripts
  return command(call);
}

std::string as_string(const redisReply* reply) {
  if (reply->type == REDIS_REPLY_STRING || reply->type == REDIS_REPLY_STATUS) {
    return std::string(reply->str, reply->len);
  }
  if (reply->type == REDIS_REPLY_INTEGER) return std::to_string(reply->integer);
  if (reply->type == REDIS_REPLY_NIL) return {};
  throw RedisError("unexpected Redis reply type " + std::to_string(reply->type));
}

long long as_integer(const redisReply* reply) {
  if (reply->type == REDIS_REPLY_INTEGER) return reply->integer;
  if (reply->type == REDIS_REPLY_STRING) return std::stoll(std::string(reply->str, reply->len));
  throw RedisError("expected an integer reply from Redis");
}

}  // namespace orchestra::tasks::redis
