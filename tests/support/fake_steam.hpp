#pragma once
// A fake Steam Web API on loopback for testing Steam clients: GetAppList
// (IStoreService v1, paged, and ISteamApps v2) and the store's appdetails
// (full details, or bulk prices with filters=price_overview), over a
// catalogue the test controls. It can misbehave on request (error statuses,
// 429s, delays, truncated bodies), enforce a sliding-window rate limit like
// real Steam, and counts what it receives. Speaks HTTP/1.1 with keep-alive,
// one thread per connection; all methods are thread-safe. The destructor
// closes the listener and every connection, wakes delayed answers and joins
// all threads, so it returns promptly whatever the clients are doing.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace orchestra::testing {

// One app of the fake catalogue.
struct FakeSteamApp {
  std::int64_t id = 0;
  std::string name;
  bool success = true;     // false: appdetails answers {"ID":{"success":false}}
  bool odd_types = false;  // appdetails data has fields of unexpected types
  bool free = false;       // is_free true, no price_overview
};

class FakeSteam {
 public:
  // Listens on 127.0.0.1 on an ephemeral port with apps 10, 20, 30, ...
  // (`app_count` of them) named "App <id>"; every 7th (id / 10 a multiple
  // of 7) is free, all succeed.
  explicit FakeSteam(int app_count);
  // Stops promptly: closes the listener and live connections, cuts any
  // artificial delay short, joins every thread.
  ~FakeSteam();
  FakeSteam(const FakeSteam&) = delete;
  FakeSteam& operator=(const FakeSteam&) = delete;

  // The ephemeral port it listens on.
  std::uint16_t port() const;
  // "http://127.0.0.1:<port>": the base for both the Web API and the store.
  std::string url() const;
  // Adds the app, or replaces the one with the same id.
  void set_app(const FakeSteamApp& app);
  // Appends `count` default apps after the highest id (ids step by 10,
  // named and priced like the constructor's).
  void add_apps(int count);

  // Faults for the next store requests (/api/appdetails), one per request,
  // consumed in the order queued across all kinds. A fault wins over the
  // rate limit; a delay is followed by the answer the request would have got.

  // Answers `status` with a small HTML body.
  void fail_next(int status, int count = 1);
  // Answers 429, with a Retry-After header when `retry_after_seconds` is given.
  void throttle_next(int count, std::optional<int> retry_after_seconds);
  // Sleeps `delay` before answering, to trip client timeouts.
  void delay_next(std::chrono::milliseconds delay, int count = 1);
  // Answers 200 with the first half of the JSON body (Content-Length
  // matching the cut body).
  void truncate_next(int count = 1);
  // Like real Steam: a store request arriving when more than `requests`
  // store requests (itself included, answered or not) arrived within the
  // last `window` is answered 429 without Retry-After. `requests` = 0 turns
  // the limit off (the default). Counting restarts at every call.
  void limit(int requests, std::chrono::milliseconds window);

  // Every /api/appdetails request received, including faulted and limited ones.
  int store_requests() const;
  // Every GetAppList request received (either version), including refused ones.
  int list_requests() const;
  // Full-details requests (no filters parameter) naming `app_id`, whatever
  // they were answered.
  int detail_requests(std::int64_t app_id) const;
  // When each counted store request arrived, in order.
  std::vector<std::chrono::steady_clock::time_point> store_request_times() const;
  // The most store requests received within any sliding window of `window`.
  int max_store_requests_in(std::chrono::milliseconds window) const;
  // Zeroes the counters above; queued faults and the rate limit stay.
  void reset_counters();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace orchestra::testing
