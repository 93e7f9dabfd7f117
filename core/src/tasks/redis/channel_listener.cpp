#include "tasks/redis/channel_listener.hpp"

#include <algorithm>
#include <cerrno>
#include <poll.h>

namespace orchestra::tasks::redis {
namespace {

using namespace std::chrono_literals;

// How often a blocked read looks at the stop flag.
constexpr int kPollMs = 200;
constexpr auto kMaxBackoff = 2s;

using Context = std::unique_ptr<redisContext, void (*)(redisContext*)>;

bool ok(redisReply* reply) {
  bool fine = reply != nullptr && reply->type != REDIS_REPLY_ERROR;
  if (reply != nullptr) freeReplyObject(reply);
  return fine;
}

void pause(std::stop_token stop, std::chrono::milliseconds duration) {
  auto until = std::chrono::steady_clock::now() + duration;
  while (!stop.stop_requested() && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
        20ms, until - std::chrono::steady_clock::now()));
  }
}

}  // namespace

ChannelListener::ChannelListener(RedisTarget target, std::string channel,
                                 std::function<void(std::string_view)> on_message,
                                 std::function<void()> on_connect)
    : target_(std::move(target)),
      channel_(std::move(channel)),
      on_message_(std::move(on_message)),
      on_connect_(std::move(on_connect)),
      thread_([this](std::stop_token stop) { run(stop); }) {}

ChannelListener::~ChannelListener() { thread_.request_stop(); }

void ChannelListener::run(std::stop_token stop) {
  std::chrono::milliseconds backoff = 50ms;
  while (!stop.stop_requested()) {
    timeval timeout{2, 0};
    Context context(redisConnectWithTimeout(target_.host.c_str(), target_.port, timeout),
                    redisFree);
    bool subscribed =
        context && !context->err &&
        (target_.password.empty() ||
         ok(static_cast<redisReply*>(
             redisCommand(context.get(), "AUTH %b", target_.password.data(),
                          target_.password.size())))) &&
        ok(static_cast<redisReply*>(
            redisCommand(context.get(), "SUBSCRIBE %b", channel_.data(), channel_.size())));
    if (!subscribed) {
      pause(stop, backoff);
      backoff = std::min<std::chrono::milliseconds>(backoff * 2, kMaxBackoff);
      continue;
    }
    backoff = 50ms;
    on_connect_();
    listen(*context, stop);
  }
}

void ChannelListener::listen(redisContext& context, std::stop_token stop) {
  while (!stop.stop_requested()) {
    pollfd descriptor{context.fd, POLLIN, 0};
    int ready = ::poll(&descriptor, 1, kPollMs);
    if (ready < 0 && errno != EINTR) return;
    if (ready <= 0) continue;
    if (redisBufferRead(&context) != REDIS_OK) return;
    void* reply = nullptr;
    while (redisGetReplyFromReader(&context, &reply) == REDIS_OK && reply != nullptr) {
      deliver(*static_cast<redisReply*>(reply));
      freeReplyObject(reply);
      reply = nullptr;
    }
    if (context.err) return;
  }
}

// A message arrives as ["message", channel, payload].
void ChannelListener::deliver(const redisReply& reply) {
  if (reply.type != REDIS_REPLY_ARRAY || reply.elements != 3) return;
  const auto* payload = reply.element[2];
  if (payload->type != REDIS_REPLY_STRING) return;
  on_message_(std::string_view(payload->str, payload->len));
}

}  // namespace orchestra::tasks::redis
