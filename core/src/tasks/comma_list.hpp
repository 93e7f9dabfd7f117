#pragma once
// Lists of names (queues, task ids) stored as one comma-separated text;
// names never contain commas.

#include <string>
#include <vector>

namespace orchestra::tasks {

std::string join_commas(const std::vector<std::string>& items);
std::vector<std::string> split_commas(const std::string& text);

}  // namespace orchestra::tasks
