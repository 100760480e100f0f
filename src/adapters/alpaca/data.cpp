// Alpaca market data: REST pages and the stream.
#include "adapters/alpaca/data.hpp"

#include <cstdio>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/serialize.hpp>

#include "adapters/alpaca/backoff.hpp"
#include "engine/calendar.hpp"
#include "net/http.hpp"
#include "net/ws_client.hpp"
#include "services/common/metrics.hpp"

namespace meridian::alpaca {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

std::string join(const std::vector<core::Symbol>& symbols) {
    std::string out;
    for (const auto& s : symbols) {
        out += (out.empty() ? "" : ",") + s.str();
    }
    return out;
}

}  // namespace

DataClient::DataClient(const asio::any_io_executor& executor, const Settings& settings)
    : settings_{settings}, rest_{executor, settings, settings.data} {}

asio::awaitable<core::Result<void>> DataClient::bars(
    const std::vector<core::Symbol>& symbols, const std::string& timeframe, core::Timestamp start,
    core::Timestamp end, const std::function<void(const std::vector<engine::Bar>&)>& on_page) {
    std::optional<std::string> token;
    for (;;) {
        // Whole seconds, UTC (section 9, item 25); the feed always named.
        auto whole = [](core::Timestamp t) {
            return core::Timestamp::from_ns(t.ns() / 1'000'000'000 * 1'000'000'000).to_iso8601();
        };
        std::string target = "/v2/stocks/bars?symbols=" + net::url_encode(join(symbols)) +
                             "&timeframe=" + net::url_encode(timeframe) +
                             "&start=" + net::url_encode(whole(start)) +
                             "&end=" + net::url_encode(whole(end)) + "&limit=10000&adjustment=raw" +
                             "&feed=" + settings_.feed + "&sort=asc";
        if (token) target += "&page_token=" + net::url_encode(*token);
        auto r = co_await rest_.call("GET", target);
        if (!r) co_return r.error();
        if (r->status != 200) co_return to_error(r->error());
        auto page = bars_page(r->body);
        if (!page) co_return core::Error{core::Errc::Internal, "bars: " + page.error().message};
        on_page(page->bars);
        if (!page->next_page_token) break;
        token = page->next_page_token;
    }
    co_return core::Result<void>{};
}

asio::awaitable<core::Result<json::value>> DataClient::get(
    std::string path, const std::vector<core::Symbol>& symbols) {
    auto r = co_await rest_.call(
        "GET", path + "?symbols=" + net::url_encode(join(symbols)) + "&feed=" + settings_.feed);
    if (!r) co_return r.error();
    if (r->status != 200) co_return to_error(r->error());
    co_return std::move(r->body);
}

asio::awaitable<core::Result<std::vector<engine::Quote>>> DataClient::latest_quotes(
    const std::vector<core::Symbol>& symbols) {
    auto body = co_await get("/v2/stocks/quotes/latest", symbols);
    if (!body) co_return body.error();
    auto quotes = alpaca::latest_quotes(*body);
    if (!quotes) co_return core::Error{core::Errc::Internal, quotes.error().message};
    // A zero price means no quote on that side (section 5.3).
    std::erase_if(*quotes,
                  [](const auto& q) { return !q.bid.is_positive() || !q.ask.is_positive(); });
    co_return quotes;
}

asio::awaitable<core::Result<std::vector<engine::Trade>>> DataClient::latest_trades(
    const std::vector<core::Symbol>& symbols) {
    auto body = co_await get("/v2/stocks/trades/latest", symbols);
    if (!body) co_return body.error();
    auto trades = alpaca::latest_trades(*body);
    if (!trades) co_return core::Error{core::Errc::Internal, trades.error().message};
    co_return trades;
}

asio::awaitable<core::Result<std::vector<engine::Bar>>> DataClient::latest_bars(
    const std::vector<core::Symbol>& symbols) {
    auto body = co_await get("/v2/stocks/bars/latest", symbols);
    if (!body) co_return body.error();
    auto bars = alpaca::latest_bars(*body);
    if (!bars) co_return core::Error{core::Errc::Internal, bars.error().message};
    co_return bars;
}

asio::awaitable<core::Result<std::vector<Snapshot>>> DataClient::snapshots(
    const std::vector<core::Symbol>& symbols) {
    auto body = co_await get("/v2/stocks/snapshots", symbols);
    if (!body) co_return body.error();
    auto snaps = snapshots_from_json(*body);
    if (!snaps) co_return core::Error{core::Errc::Internal, snaps.error().message};
    co_return snaps;
}

AlpacaFeed::AlpacaFeed(const asio::any_io_executor& executor, services::Metrics& metrics,
                       Settings settings, std::chrono::milliseconds silence,
                       std::function<bool(core::Timestamp)> expect_data)
    : executor_{executor},
      metrics_{metrics},
      settings_{std::move(settings)},
      silence_{silence},
      expect_data_{expect_data ? std::move(expect_data)
                               : std::function<bool(core::Timestamp)>{[](core::Timestamp t) {
                                     return engine::nyse::is_open(t);
                                 }}},
      data_{executor, settings_} {
    metrics_.counter("meridian_alpaca_data_connects_total",
                     "Market data stream connections made (the first and every reconnect).");
    metrics_.counter("meridian_alpaca_data_errors_total",
                     "Error messages from the market data stream, by code.", {"code"});
    metrics_.counter("meridian_alpaca_data_silent_total",
                     "Times the market data stream went silent while data was expected.");
    metrics_.counter("meridian_alpaca_data_malformed_total",
                     "Market data messages that could not be read.");
}

AlpacaFeed::~AlpacaFeed() {
    stop();
}

void AlpacaFeed::start(std::vector<core::Symbol> symbols, Handlers handlers) {
    symbols_ = std::move(symbols);
    handlers_ = std::move(handlers);
    *alive_ = true;
    asio::co_spawn(executor_, run(), asio::detached);
    asio::co_spawn(executor_, watchdog(), asio::detached);
}

void AlpacaFeed::stop() {
    *alive_ = false;
    if (ws_) ws_->abort();
}

void AlpacaFeed::set_state(bool connected, std::string state) {
    const bool changed = connected != connected_ || state != state_;
    connected_ = connected;
    state_ = std::move(state);
    if (changed && handlers_.status) handlers_.status(connected_, state_);
}

asio::awaitable<void> AlpacaFeed::watchdog() {
    auto alive = alive_;
    asio::steady_timer timer{executor_};
    while (*alive) {
        timer.expires_after(std::max(std::chrono::milliseconds(100), silence_ / 4));
        co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
        if (!*alive) co_return;
        const auto now = std::chrono::system_clock::now().time_since_epoch();
        const auto t = core::Timestamp::from_ns(
            std::chrono::duration_cast<std::chrono::nanoseconds>(now).count());
        if (connected_ && ws_ && expect_data_(t) &&
            std::chrono::steady_clock::now() - last_message_ > silence_) {
            metrics_.inc("meridian_alpaca_data_silent_total");
            std::fprintf(stderr, "alpaca: the market data stream is silent: reconnecting\n");
            ws_->abort();
        }
    }
}

asio::awaitable<void> AlpacaFeed::run() {
    auto alive = alive_;
    Backoff backoff;
    asio::steady_timer timer{executor_};
    json::array names;
    for (const auto& s : symbols_) {
        names.push_back(json::value(s.str()));
    }
    // Built here, not inside a co_await (GCC 12 mishandles literals in its temporaries).
    const std::string auth_message = json::serialize(json::object{
        {"action", "auth"}, {"key", settings_.key_id}, {"secret", settings_.secret_key}});
    const std::string subscribe_message = json::serialize(json::object{{"action", "subscribe"},
                                                                       {"trades", names},
                                                                       {"quotes", names},
                                                                       {"bars", names},
                                                                       {"updatedBars", names}});
    while (*alive) {
        auto ws = std::make_shared<net::WsClient>(executor_, settings_.tls);
        ws_ = ws;
        std::string why;
        auto minimum = std::chrono::milliseconds(0);
        auto ok = co_await ws->connect(settings_.data_stream, {}, settings_.timeout);
        if (!*alive) co_return;
        // One frame at a time: the control messages (section 6.2) come alone.
        auto expect = [&](std::string what) -> asio::awaitable<core::Result<DataMessage>> {
            auto m = co_await ws->read();
            if (!m) co_return m.error();
            auto f = data_frame(m->data);
            if (!f) co_return f.error();
            if (f->messages.empty()) co_return core::invalid("an empty frame");
            const auto& first = f->messages.front();
            if (first.kind == DataMessage::Kind::Error) {
                metrics_.inc("meridian_alpaca_data_errors_total", {std::to_string(first.code)});
                co_return core::Error{core::Errc::Unavailable,
                                      "error " + std::to_string(first.code) + " " + first.msg};
            }
            if (what == "subscription" ? first.kind != DataMessage::Kind::Subscription
                                       : first.msg != what) {
                co_return core::invalid("expected " + what);
            }
            co_return first;
        };
        if (!ok) {
            why = ok.error().message;
            if (why.find("HTTP 429") != std::string::npos) {
                minimum = std::chrono::milliseconds(5000);
            }
        } else if (auto welcome = co_await expect(std::string{"connected"}); !welcome) {
            why = "welcome: " + welcome.error().message;
        } else if (auto w = co_await ws->write(auth_message); !w) {
            why = w.error().message;
        } else if (auto auth = co_await expect(std::string{"authenticated"}); !auth) {
            why = "auth: " + auth.error().message;
            if (why.find("error 406") != std::string::npos) {
                minimum = std::chrono::milliseconds(5000);  // the old session is not reaped yet
            } else if (why.find("error 402") != std::string::npos ||
                       why.find("error 409") != std::string::npos) {
                minimum =
                    std::chrono::milliseconds(60'000);  // keys or plan: retrying won't fix it soon
            }
        } else if (auto s = co_await ws->write(subscribe_message); !s) {
            why = s.error().message;
        } else if (auto sub = co_await expect(std::string{"subscription"}); !sub) {
            why = "subscribe: " + sub.error().message;
        } else {
            metrics_.inc("meridian_alpaca_data_connects_total");
            last_message_ = std::chrono::steady_clock::now();
            set_state(true,
                      "connected to " + settings_.data_stream.host + settings_.data_stream.target);
            backoff.reset();
            // Prices at once, without waiting for the next quote.
            auto latest = co_await data_.latest_quotes(symbols_);
            if (!*alive) co_return;
            if (latest && handlers_.quote) {
                for (const auto& q : *latest) {
                    handlers_.quote(q);
                }
            }
            for (;;) {
                auto m = co_await ws->read();
                if (!*alive) co_return;
                if (!m) {
                    why = m.error().message;
                    break;
                }
                last_message_ = std::chrono::steady_clock::now();
                auto f = data_frame(m->data);
                if (!f) {
                    metrics_.inc("meridian_alpaca_data_malformed_total");
                    continue;
                }
                if (f->malformed > 0) {
                    metrics_.inc("meridian_alpaca_data_malformed_total", {},
                                 static_cast<double>(f->malformed));
                }
                for (const auto& msg : f->messages) {
                    switch (msg.kind) {
                        case DataMessage::Kind::Quote:
                            if (handlers_.quote && msg.quote.bid.is_positive() &&
                                msg.quote.ask.is_positive()) {
                                handlers_.quote(msg.quote);
                            }
                            break;
                        case DataMessage::Kind::Trade:
                            if (handlers_.trade) handlers_.trade(msg.trade);
                            break;
                        case DataMessage::Kind::Bar:
                        case DataMessage::Kind::UpdatedBar:
                            if (handlers_.bar) {
                                handlers_.bar(msg.bar, msg.kind == DataMessage::Kind::UpdatedBar);
                            }
                            break;
                        case DataMessage::Kind::Error:
                            metrics_.inc("meridian_alpaca_data_errors_total",
                                         {std::to_string(msg.code)});
                            std::fprintf(stderr, "alpaca: market data error %d: %s\n", msg.code,
                                         msg.msg.c_str());
                            break;
                        default:
                            break;
                    }
                    if (!*alive) co_return;
                }
            }
        }
        ws->abort();
        if (!*alive) co_return;
        auto wait = backoff.next(minimum);
        set_state(false, "reconnecting in " + std::to_string(wait.count()) + "ms: " + why);
        timer.expires_after(wait);
        co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    }
}

services::FeedFactory feed_factory(const Settings& settings) {
    const auto silence = settings.data_silence;
    std::function<bool(core::Timestamp)> expect_data;
    if (settings.data_around_the_clock) expect_data = [](core::Timestamp) { return true; };
    return [settings, silence, expect_data](const asio::any_io_executor& executor,
                                            services::Metrics& metrics) {
        return std::unique_ptr<services::Feed>{
            std::make_unique<AlpacaFeed>(executor, metrics, settings, silence, expect_data)};
    };
}

}  // namespace meridian::alpaca
