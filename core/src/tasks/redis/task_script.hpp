#pragma once

#include <string>

namespace orchestra::tasks::redis {

// The Lua source of every redis backend transition (task_script.lua).
const std::string& task_script();

}  // namespace orchestra::tasks::redis
