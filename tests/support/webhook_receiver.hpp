#pragma once
// An HTTP endpoint on loopback that records every request it receives
// (headers and body) and answers each with the next status queued, 200
// once the queue is empty. For tests of outgoing webhooks.

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace orchestra::testing {

struct ReceivedRequest {
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::chrono::steady_clock::time_point at;
};

class WebhookReceiver {
 public:
  WebhookReceiver();
  ~WebhookReceiver();
  WebhookReceiver(const WebhookReceiver&) = delete;
  WebhookReceiver& operator=(const WebhookReceiver&) = delete;

  std::string url() const;
  // Answers the next requests with `status`, in order, optionally with a
  // Retry-After of `retry_after` seconds.
  void answer_next(int status, int count = 1, int retry_after = -1);
  std::vector<ReceivedRequest> received() const;
  // Waits until `count` requests arrived; false on timeout.
  bool wait_for(std::size_t count, std::chrono::milliseconds timeout) const;

 private:
  void serve();
  void handle(int connection);

  int listener_ = -1;
  std::uint16_t port_ = 0;
  mutable std::mutex mutex_;
  std::deque<std::pair<int, int>> answers_;
  std::vector<ReceivedRequest> received_;
  std::jthread thread_;
};

}  // namespace orchestra::testing
