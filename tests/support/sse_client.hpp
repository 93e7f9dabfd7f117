#pragma once
// A Server-Sent Events client for tests: opens GET `target` on loopback
// with the given headers and reads events one at a time, skipping comment
// lines (keep-alives) and `retry:` fields.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace orchestra::testing {

struct SseEvent {
  std::string id;
  std::string event;
  std::string data;
};

class SseClient {
 public:
  // Throws std::runtime_error when the connection fails or the answer is
  // not 200 text/event-stream (with the status line and body it got).
  SseClient(std::uint16_t port, const std::string& target,
            const std::map<std::string, std::string>& headers);
  ~SseClient();
  SseClient(const SseClient&) = delete;
  SseClient& operator=(const SseClient&) = delete;

  // The next event, or nullopt when none arrives within `timeout` or the
  // server closed the stream.
  std::optional<SseEvent> next(std::chrono::milliseconds timeout);
  // Comment lines seen so far (": keepalive").
  int comments() const { return comments_; }
  // Drops the connection, as a client that goes away does.
  void close();

 private:
  bool fill(std::chrono::steady_clock::time_point deadline);
  std::optional<std::string> line(std::chrono::steady_clock::time_point deadline);

  int socket_ = -1;
  std::string buffer_;
  int comments_ = 0;
};

}  // namespace orchestra::testing
