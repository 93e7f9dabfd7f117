#pragma once
// Serialises a response straight into one buffer. Beast's generic
// serializer costs more than the whole handler for small responses; this
// writes the same bytes with one allocation.

#include <orchestra/http.hpp>

#include <string>

namespace orchestra::http {

// HTTP/1.x bytes of `response`; without the body for HEAD. Header names and
// values containing CR or LF are dropped (no response splitting).
std::string serialize_response(const Response& response, unsigned version, bool keep_alive,
                               bool head);

}  // namespace orchestra::http
