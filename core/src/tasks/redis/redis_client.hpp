#pragma once
// A small hiredis client: a pool of connections, each used by one caller
// at a time, reconnected with backoff when Redis goes away. Commands are
// argument vectors, so values are never spliced into command text.

#include <hiredis/hiredis.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace orchestra::tasks::redis {

class RedisError : public std::runtime_error {
 public:
  // `unreachable`: no answer from Redis at all (down, connection lost),
  // as opposed to an answer that is an error.
  explicit RedisError(const std::string& what, bool unreachable = false)
      : std::runtime_error(what), unreachable_(unreachable) {}
  bool unreachable() const { return unreachable_; }

 private:
  bool unreachable_;
};

// An owned reply; converts to the shapes the backend uses.
class Reply {
 public:
  explicit Reply(redisReply* reply) : reply_(reply, freeReplyObject) {}
  const redisReply* get() const { return reply_.get(); }

 private:
  std::unique_ptr<redisReply, void (*)(void*)> reply_;
};

struct RedisTarget {
  std::string host = "127.0.0.1";
  int port = 6379;
  int database = 0;
  std::string password;
};

// redis://[:password@]host[:port][/db]; throws std::invalid_argument.
RedisTarget parse_redis_url(const std::string& url);

class RedisClient {
 public:
  RedisClient(RedisTarget target, std::size_t connections);
  ~RedisClient();

  // Runs one command; throws RedisError on a connection failure or an
  // error reply (with Redis's message).
  Reply command(const std::vector<std::string>& arguments);
  // Runs the script (loading it again if Redis lost it).
  Reply script(const std::string& source, const std::vector<std::string>& arguments);

 private:
  struct Connection;
  Connection& acquire(std::unique_lock<std::mutex>& lock);
  Reply run(Connection& connection, const std::vector<std::string>& arguments);
  void connect(Connection& connection);

  RedisTarget target_;
  std::vector<std::unique_ptr<Connection>> connections_;
  std::mutex mutex_;
  std::condition_variable released_;
  std::map<std::string, std::string> script_sha_;  // source -> SHA1 from SCRIPT LOAD
};

// Reply helpers; throw RedisError when the reply has another shape.
std::string as_string(const redisReply* reply);
long long as_integer(const redisReply* reply);

}  // namespace orchestra::tasks::redis
