#pragma once
// The web console (/console) is served by the binary; plugins contribute
// pages to it as they contribute routes. A page is an ES module embedded in
// the plugin (cmake/EmbedFiles.cmake) whose default export mounts it:
//
//   export default function mount(root, app) { ... }
//
// `root` is the page's element; `app` gives the signed-in user
// (`app.user`, `app.can(scope)`), `app.api(method, path, body)` (JSON over
// the API with the user's token; throws the problem+json on errors),
// `app.el(tag, attributes, ...children)` to build elements, and
// `app.every(ms, fn)` for live updates that stop when the page is left.

#include <boost/config.hpp>

#include <string>
#include <string_view>

namespace orchestra::console {

// A file compiled into the binary.
struct Asset {
  std::string_view path;     // as embedded, e.g. "page.js"
  std::string_view content;  // lives as long as the binary (or plugin)
};

struct Page {
  std::string title;         // in the navigation
  std::string_view module;   // the ES module's source
  // Who sees the page: a scope (admin sees everything), or empty for any
  // signed-in user.
  std::string scope;
};

class BOOST_SYMBOL_VISIBLE Console {
 public:
  virtual ~Console() = default;
  // One page per plugin, at /console/#/<plugin>; setup only.
  virtual void add_page(Page page) = 0;
};

}  // namespace orchestra::console
