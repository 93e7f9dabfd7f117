#pragma once
// REST: GET /api/v1/search for every signed-in user; under
// /api/v1/search-indexer the pipeline's status per source, the dead list
// and reindexing, for admins.

#include "index_backend.hpp"
#include "pipeline.hpp"
#include "pipeline_store.hpp"
#include "reindex_store.hpp"

#include <orchestra/http.hpp>

#include <memory>

namespace search_indexer {

struct Parts {
  orchestra::changes::ChangeFeed* feed = nullptr;
  std::unique_ptr<PipelineStore> store;
  std::unique_ptr<ReindexStore> reindex;
  std::unique_ptr<IndexBackend> index;
  std::unique_ptr<Pipeline> pipeline;
};

class SearchRoutes {
 public:
  explicit SearchRoutes(const Parts& parts) : parts_(parts) {}
  void add(orchestra::http::Routes& routes);

 private:
  using Request = orchestra::http::Request;
  using Response = orchestra::http::Response;

  Response search(const Request& request);
  Response status(const Request& request);
  Response dead(const Request& request);
  Response retry(const Request& request);
  Response reindex(const Request& request);

  const Parts& parts_;
};

// The search request of a query string; HttpError 400 naming the problem.
SearchRequest read_search_request(const orchestra::http::Request& request);

}  // namespace search_indexer
