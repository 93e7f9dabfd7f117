#pragma once
// The JSON Schemas of the notifications API, shared by its route files:
// what each route declares (RouteOptions) and /openapi.json shows.

#include <string>

namespace notifications::schemas {

std::string team();
std::string team_body(bool creating);
std::string match();
std::string match_body(bool creating);
std::string preferences();
std::string preferences_body();
std::string inbox_item();
std::string mark_read_body();
std::string webhook(bool with_secret);
std::string webhook_body();
std::string delivery();

}  // namespace notifications::schemas
