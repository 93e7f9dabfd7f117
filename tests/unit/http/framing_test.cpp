// Request framing: only a body whose end every hop reads the same way.

#include "http/framing.hpp"

#include <doctest/doctest.h>

using orchestra::http::framing_problem;

TEST_CASE("framing: chunked alone or a Content-Length, nothing that could be read two ways") {
  CHECK_FALSE(framing_problem(std::nullopt, false));
  CHECK_FALSE(framing_problem(std::nullopt, true));
  CHECK_FALSE(framing_problem("chunked", false));
  CHECK_FALSE(framing_problem(" Chunked ", false));
  CHECK(framing_problem("identity", false)->find("chunked alone") != std::string::npos);
  CHECK(framing_problem("chunked, identity", false));
  CHECK(framing_problem("gzip, chunked", false));
  CHECK(framing_problem("chunked,chunked", false));
  CHECK(framing_problem("", false));
  // Found by fuzzing: whitespace inside the coding made "c hunked" pass as
  // chunked, while Beast reads it as no body at all.
  CHECK(framing_problem("c hunked", false));
  CHECK(framing_problem("chun\tked", false));
  CHECK(framing_problem("chunked", true)->find("Content-Length") != std::string::npos);
}
