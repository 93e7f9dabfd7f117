#include <orchestra/http.hpp>

namespace orchestra::http {

bool StreamBody::write(std::string text) {
  std::function<void()> closing;
  {
    std::lock_guard lock(mutex_);
    if (closed_) return false;
    if (pending_.size() + text.size() <= max_buffered_) {
      pending_ += text;
      if (wake_) wake_();
      return true;
    }
    // The client reads slower than events arrive: dropping some would skip
    // events, so the stream ends and the client resumes from Last-Event-ID.
    closed_ = true;
    if (wake_) wake_();
    closing = std::move(on_close_);
  }
  if (closing) closing();
  return false;
}

void StreamBody::close() {
  std::function<void()> closing;
  {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    closed_ = true;
    if (wake_) wake_();
    closing = std::move(on_close_);
  }
  if (closing) closing();
}

bool StreamBody::closed() const {
  std::lock_guard lock(mutex_);
  return closed_;
}

void StreamBody::on_close(std::function<void()> callback) {
  {
    std::lock_guard lock(mutex_);
    if (!closed_) {
      on_close_ = std::move(callback);
      return;
    }
  }
  callback();
}

std::string StreamBody::take() {
  std::lock_guard lock(mutex_);
  std::string out;
  out.swap(pending_);
  return out;
}

void StreamBody::attach(std::function<void()> wake) {
  std::lock_guard lock(mutex_);
  wake_ = std::move(wake);
}

void StreamBody::detach() {
  std::lock_guard lock(mutex_);
  wake_ = nullptr;
}

Response Response::event_stream(std::shared_ptr<StreamBody> stream, std::string first) {
  Response response{200, "text/event-stream", std::move(first), {}, nullptr};
  response.headers.emplace_back("Cache-Control", "no-store");
  // nginx and similar proxies buffer responses unless told not to.
  response.headers.emplace_back("X-Accel-Buffering", "no");
  response.stream = std::move(stream);
  return response;
}

}  // namespace orchestra::http
