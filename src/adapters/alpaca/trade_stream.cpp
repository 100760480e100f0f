// TradeStream: authenticate, listen, read until the connection ends, then again.
#include "adapters/alpaca/trade_stream.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/serialize.hpp>

#include "adapters/alpaca/backoff.hpp"
#include "net/ws_client.hpp"

namespace meridian::alpaca {

namespace asio = boost::asio;
namespace json = boost::json;

TradeStream::TradeStream(asio::any_io_executor executor, const Settings& settings,
                         Handlers handlers, std::chrono::milliseconds idle_timeout)
    : executor_{std::move(executor)},
      settings_{settings},
      handlers_{std::move(handlers)},
      idle_timeout_{idle_timeout} {}

TradeStream::~TradeStream() {
    stop();
}

void TradeStream::start() {
    if (!stopped_) return;
    stopped_ = false;
    alive_ = std::make_shared<bool>(true);
    asio::co_spawn(executor_, run(), asio::detached);
}

void TradeStream::stop() {
    stopped_ = true;
    if (alive_) *alive_ = false;
    if (ws_) ws_->abort();
    connected_ = false;
}

void TradeStream::reconnect() {
    if (ws_) ws_->abort();
}

asio::awaitable<void> TradeStream::run() {
    auto alive = alive_;
    Backoff backoff;
    asio::steady_timer timer{executor_};
    while (*alive) {
        auto ws = std::make_shared<net::WsClient>(executor_, settings_.tls);
        ws_ = ws;
        state_ = "connecting";
        std::string why;
        auto minimum = std::chrono::milliseconds(0);
        auto ok =
            co_await ws->connect(settings_.trade_stream, {}, settings_.timeout, idle_timeout_);
        if (!*alive) co_return;
        if (ok) {
            // Authenticate, then listen; each answered in order (section 4.2).
            json::object auth{{"action", "authenticate"},
                              {"data", json::object{{"key_id", settings_.key_id},
                                                    {"secret_key", settings_.secret_key}}}};
            auto step = [&](json::object message, std::string_view expect_stream)
                -> asio::awaitable<core::Result<StreamMessage>> {
                auto w = co_await ws->write(json::serialize(message));
                if (!w) co_return w.error();
                auto m = co_await ws->read();
                if (!m) co_return m.error();
                auto sm = stream_message(m->data);
                if (!sm) co_return sm.error();
                if (sm->stream != expect_stream) {
                    co_return core::invalid("expected '" + std::string{expect_stream} + "', got '" +
                                            sm->stream + "'");
                }
                co_return sm;
            };
            auto a = co_await step(std::move(auth), "authorization");
            if (!*alive) co_return;
            if (!a) {
                why = "authentication: " + a.error().message;
            } else if (const auto* st = a->data.if_contains("status");
                       !st || !st->is_string() || st->get_string() != "authorized") {
                why = "Alpaca refused the keys on the trade stream (unauthorized)";
                minimum = std::chrono::milliseconds(30'000);
            } else {
                json::object listen{
                    {"action", "listen"},
                    {"data", json::object{{"streams", json::array{"trade_updates"}}}}};
                auto l = co_await step(std::move(listen), "listening");
                if (!*alive) co_return;
                if (!l) {
                    why = "listen: " + l.error().message;
                } else {
                    connected_ = true;
                    ++connects_;
                    state_ = "connected";
                    backoff.reset();
                    if (handlers_.connected) handlers_.connected();
                    for (;;) {
                        auto m = co_await ws->read();
                        if (!*alive) co_return;
                        if (!m) {
                            why = m.error().message;
                            break;
                        }
                        if (m->data.size() <= 1) continue;  // a heartbeat byte
                        auto sm = stream_message(m->data);
                        if (!sm) {
                            if (handlers_.unreadable) handlers_.unreadable(sm.error().message);
                            continue;
                        }
                        if (sm->stream != "trade_updates") continue;
                        auto u = trade_update_from_json(sm->data);
                        if (!u) {
                            if (handlers_.unreadable) handlers_.unreadable(u.error().message);
                            continue;
                        }
                        if (handlers_.update) handlers_.update(std::move(*u));
                        if (!*alive) co_return;
                    }
                    connected_ = false;
                }
            }
        } else {
            why = ok.error().message;
            if (why.find("HTTP 429") != std::string::npos) {
                minimum = std::chrono::milliseconds(5'000);
            }
        }
        ws->abort();
        if (!*alive) co_return;
        auto wait = backoff.next(minimum);
        state_ = "reconnecting in " + std::to_string(wait.count()) + "ms: " + why;
        timer.expires_after(wait);
        co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    }
}

}  // namespace meridian::alpaca
