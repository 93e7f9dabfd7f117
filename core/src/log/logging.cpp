#include "log/logging.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <mutex>

namespace orchestra::log {
namespace {

constexpr const char* kTextPattern = "%Y-%m-%dT%H:%M:%S.%e %^%-5l%$ [%n] %v";

// One JSON object per line: {"ts":..,"level":..,"logger":..,"msg":..}.
class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& message,
              spdlog::memory_buf_t& destination) override {
    std::string line = "{\"ts\":\"";
    auto seconds = std::chrono::time_point_cast<std::chrono::seconds>(message.time);
    auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(
                      message.time - seconds).count();
    line += fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03}Z", fmt::gmtime(seconds), millis);
    line += "\",\"level\":\"";
    auto level = spdlog::level::to_string_view(message.level);
    line.append(level.data(), level.size());
    line += "\",\"logger\":\"";
    append_json_escaped(line, {message.logger_name.data(), message.logger_name.size()});
    line += "\",\"msg\":\"";
    append_json_escaped(line, {message.payload.data(), message.payload.size()});
    line += "\"}\n";
    destination.append(line.data(), line.data() + line.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>();
  }
};

struct State {
  State() { sink->set_formatter(std::make_unique<spdlog::pattern_formatter>(kTextPattern)); }
  std::mutex mutex;
  spdlog::sink_ptr sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  spdlog::level::level_enum level = spdlog::level::info;
};

State& state() {
  static State instance;
  return instance;
}

}  // namespace

void append_json_escaped(std::string& out, std::string_view text) {
  for (char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += fmt::format("\\u{:04x}", static_cast<int>(c));
        } else {
          out += c;
        }
    }
  }
}

void configure(const config::LogConfig& config) {
  auto& current = state();
  std::lock_guard lock(current.mutex);
  if (config.format == "json") {
    current.sink->set_formatter(std::make_unique<JsonFormatter>());
  } else {
    current.sink->set_formatter(std::make_unique<spdlog::pattern_formatter>(kTextPattern));
  }
  current.level = spdlog::level::from_str(config.level);
  spdlog::apply_all([&](const std::shared_ptr<spdlog::logger>& existing) {
    existing->set_level(current.level);
  });
}

std::shared_ptr<spdlog::logger> logger(const std::string& name) {
  auto& current = state();
  std::lock_guard lock(current.mutex);
  if (auto existing = spdlog::get(name)) return existing;
  auto created = std::make_shared<spdlog::logger>(name, current.sink);
  created->set_level(current.level);
  created->flush_on(spdlog::level::warn);
  spdlog::register_logger(created);
  return created;
}

}  // namespace orchestra::log
