// orchestra: the host binary. Parses the command line, then hands over to
// app::Application (serve, migrate) or to the inspection subcommands.

#include "app/admin_commands.hpp"
#include "app/application.hpp"
#include "app/paths.hpp"
#include "plugins/plugin_library.hpp"

#include <orchestra/abi.hpp>

#include <boost/program_options.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <csignal>
#include <iostream>

namespace po = boost::program_options;
using orchestra::Role;
using orchestra::app::Application;

namespace {

constexpr const char* kUsage =
    "Usage: orchestra [serve] [--role api|worker|all] [--config FILE]\n"
    "       orchestra migrate [--config FILE]\n"
    "       orchestra plugins [--config FILE]\n"
    "       orchestra config check [--config FILE]\n"
    "       orchestra user create --login LOGIN [--admin] [--scope S]...   (password on stdin\n"
    "                                                       or in ORCHESTRA_USER_PASSWORD)\n"
    "       orchestra user grant|revoke LOGIN SCOPE\n"
    "       orchestra user list\n"
    "       orchestra token create --name NAME --scope S [--scope S]... [--ttl 30d]\n"
    "       orchestra token list\n"
    "       orchestra token revoke NAME\n";

struct CommandLine {
  std::vector<std::string> command;
  Role role = Role::all;
  std::string config;
  orchestra::app::AdminOptions admin;
};

Role parse_role(const std::string& text) {
  if (text == "api") return Role::api;
  if (text == "worker") return Role::worker;
  if (text == "all") return Role::all;
  throw po::error("--role must be api, worker or all, got '" + text + "'");
}

std::optional<CommandLine> parse(int argc, char** argv) {
  po::options_description options("Options");
  options.add_options()("help,h", "show this help and exit")(
      "version", "show the version and exit")(
      "role", po::value<std::string>()->default_value("all"),
      "api (HTTP only), worker (tasks and schedules; probes on worker.listen) or all")(
      "config", po::value<std::string>(),
      "YAML configuration file (default: <prefix>/etc/orchestra/orchestra.yaml)");
  po::options_description admin("User and token administration");
  admin.add_options()("login", po::value<std::string>(), "user create: the login")(
      "admin", "user create: grant the admin scope")(
      "scope", po::value<std::vector<std::string>>()->composing(),
      "user create, token create: a scope to grant (repeatable)")(
      "name", po::value<std::string>(), "token create: the token's name")(
      "ttl", po::value<std::string>(), "token create: lifetime such as 30d (default: none)");
  options.add(admin);
  po::options_description hidden;
  hidden.add_options()("command", po::value<std::vector<std::string>>(), "subcommand");
  po::options_description all;
  all.add(options).add(hidden);
  po::positional_options_description positional;
  positional.add("command", -1);
  po::variables_map values;
  po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(),
            values);
  po::notify(values);
  if (values.count("help")) {
    std::cout << kUsage << '\n' << options;
    return std::nullopt;
  }
  if (values.count("version")) {
    std::cout << "orchestra " << ORCHESTRA_VERSION << " (" << ORCHESTRA_ABI_TAG << ")\n";
    return std::nullopt;
  }
  CommandLine line;
  if (values.count("command")) line.command = values["command"].as<std::vector<std::string>>();
  line.role = parse_role(values["role"].as<std::string>());
  auto text = [&](const char* name) -> std::optional<std::string> {
    if (!values.count(name)) return std::nullopt;
    return values[name].as<std::string>();
  };
  line.admin.login = text("login");
  line.admin.name = text("name");
  line.admin.ttl = text("ttl");
  line.admin.admin = values.count("admin") > 0;
  if (values.count("scope")) line.admin.scopes = values["scope"].as<std::vector<std::string>>();
  line.config = values.count("config") ? values["config"].as<std::string>()
                                       : orchestra::app::default_config_file().string();
  return line;
}

int list_plugins(Application& application) {
  const auto& enabled = application.config().plugins.enabled;
  auto directory = application.plugin_dir();
  std::cout << "plugin directory: " << directory.string() << '\n';
  auto found = orchestra::plugins::scan_plugin_directory(directory);
  for (const auto& plugin : found) {
    bool on = std::find(enabled.begin(), enabled.end(), plugin.name) != enabled.end();
    if (plugin.description) {
      std::cout << fmt::format("{:<20} {:<10} {:<9} {}\n", plugin.name,
                               plugin.description->version, on ? "enabled" : "disabled",
                               plugin.description->description);
    } else {
      std::cout << fmt::format("{:<20} {:<10} {:<9} {}\n", plugin.name, "?", "broken",
                               plugin.error);
    }
  }
  int missing = 0;
  for (const auto& name : enabled) {
    if (std::none_of(found.begin(), found.end(), [&](auto& p) { return p.name == name; })) {
      std::cout << fmt::format("{:<20} {:<10} {:<9} {}\n", name, "?", "missing",
                               "enabled but not found in the plugin directory");
      ++missing;
    }
  }
  return missing == 0 ? 0 : 1;
}

sigset_t termination_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  return signals;
}

int run(const CommandLine& line) {
  const auto& command = line.command;
  auto is = [&](std::initializer_list<const char*> words) {
    return std::equal(command.begin(), command.end(), words.begin(), words.end());
  };
  Application application(line.role, line.config);
  if (is({"plugins"})) {
    // Listing must work even when an enabled plugin is broken.
    try {
      application.configure();
    } catch (const orchestra::app::StartupError& error) {
      std::cerr << "orchestra: " << error.what() << '\n';
    }
    return list_plugins(application);
  }
  application.configure();
  if (is({"config", "check"})) {
    std::cout << "configuration OK: " << line.config << '\n';
    return 0;
  }
  if (is({"migrate"})) {
    auto report = application.open();
    for (const auto& migration : report.applied) {
      std::cout << fmt::format("applied {}/{:04}_{}\n", migration.subsystem, migration.version,
                               migration.name);
    }
    std::cout << fmt::format("{} applied, {} already up to date\n", report.applied.size(),
                             report.already_applied);
    return 0;
  }
  if (!command.empty() && (command[0] == "user" || command[0] == "token")) {
    application.open_database();
    std::vector<std::string> words(command.begin() + 1, command.end());
    auto& database = application.database();
    return command[0] == "user"
               ? orchestra::app::run_user_command(words, line.admin, database, std::cout)
               : orchestra::app::run_token_command(words, line.admin, database, std::cout);
  }
  if (!command.empty() && !is({"serve"})) {
    std::cerr << "orchestra: unknown command '" << fmt::format("{}", fmt::join(command, " "))
              << "'\n"
              << kUsage;
    return 2;
  }
  application.open();
  return application.serve(termination_signals());
}

}  // namespace

int main(int argc, char** argv) {
  // Blocked before any thread starts, so every thread inherits the mask and
  // only Application::serve's sigwait receives them.
  auto signals = termination_signals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  try {
    auto line = parse(argc, argv);
    if (!line) return 0;
    return run(*line);
  } catch (const orchestra::app::UsageError& error) {
    std::cerr << "orchestra: " << error.what() << '\n';
    return 2;
  } catch (const po::error& error) {
    std::cerr << "orchestra: " << error.what() << "\n" << kUsage;
    return 2;
  } catch (const orchestra::config::ConfigError& error) {
    std::cerr << "orchestra: the configuration has " << error.problems().size()
              << " problem(s):\n"
              << error.what() << '\n';
    return 1;
  } catch (const std::exception& error) {
    std::cerr << "orchestra: " << error.what() << '\n';
    return 1;
  }
}
