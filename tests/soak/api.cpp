#include "api.hpp"

#include <thread>

namespace soak {

using orchestra::testing::HttpClient;
using orchestra::testing::HttpResult;
using namespace std::chrono_literals;

Api::Api(const std::vector<std::uint16_t>& ports) : ports_(ports.size()) {
  for (std::size_t i = 0; i < ports.size(); ++i) ports_[i] = ports[i];
}

HttpResult Api::send(const std::string& method, const std::string& target,
                     const std::string& token, const std::string& body) {
  auto port = ports_[next_++ % ports_.size()].load();
  auto started = Steady::now();
  HttpResult result;
  try {
    result = HttpClient(port, 15s).request(method, target, body,
                                           {{"Authorization", token},
                                            {"Content-Type", "application/json"}});
  } catch (const std::exception&) {
    result.status = 0;  // refused, reset or timed out: the balancer saw no answer
  }
  auto latency = std::chrono::duration_cast<std::chrono::microseconds>(Steady::now() - started);
  std::lock_guard lock(mutex_);
  samples_.push_back({started, latency, result.status >= 200 && result.status < 400});
  return result;
}

HttpResult Api::send_until_answered(const std::string& method, const std::string& target,
                                    const std::string& token, const std::string& body,
                                    std::chrono::seconds patience) {
  auto deadline = Steady::now() + patience;
  for (;;) {
    auto result = send(method, target, token, body);
    bool retryable = result.status == 0 || result.status >= 500;
    if (!retryable || Steady::now() > deadline) return result;
    std::this_thread::sleep_for(200ms);
  }
}

std::vector<Sample> Api::samples() const {
  std::lock_guard lock(mutex_);
  return samples_;
}

rapidjson::Document parse_json(const std::string& text) {
  rapidjson::Document document;
  document.Parse(text.c_str());
  if (document.HasParseError() || !document.IsObject()) document.SetObject();
  return document;
}

std::string text_of(const rapidjson::Value& object, const char* name) {
  if (!object.IsObject() || !object.HasMember(name) || !object[name].IsString()) return {};
  return object[name].GetString();
}

}  // namespace soak
