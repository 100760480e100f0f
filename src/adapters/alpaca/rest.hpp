// Alpaca's REST APIs: requests under the rate limit, and the Trading API calls the broker needs,
// submission made safe to retry.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "adapters/alpaca/settings.hpp"
#include "adapters/alpaca/wire.hpp"
#include "core/result.hpp"
#include "net/http_client.hpp"

namespace meridian::alpaca {

/// A request budget: never more than `per_minute` requests in any 60 seconds (a token bucket: a
/// burst of a tenth, the rest at an even pace), and a pause until a time the server names (a
/// 429's X-Ratelimit-Reset).
class RateLimiter {
public:
    explicit RateLimiter(int per_minute);
    /// How long to wait before the next request may go (and spends its token when zero).
    std::chrono::steady_clock::duration take(std::chrono::steady_clock::time_point now);
    void pause_until(std::chrono::steady_clock::time_point t);

private:
    double per_second_;
    double capacity_;
    double tokens_;
    std::chrono::steady_clock::time_point last_;
    std::chrono::steady_clock::time_point paused_until_{};
};

struct Reply {
    int status = 0;
    boost::json::value body;  // numbers as text (wire::parse); null when not JSON
    std::string text;
    ApiError error() const { return api_error(status, text); }
};

/// Requests to one Alpaca host, authenticated, over pooled keep-alive connections, never over
/// the budget. A 429 pauses every request until the window resets and the request is sent again
/// (Alpaca did not process it). GETs are retried on 5xx and lost connections (three times, with
/// backoff); other methods are not: a lost answer is the caller's unknown outcome. Errors:
/// Unavailable, Timeout (transport). One loop; not thread-safe.
class Rest {
public:
    Rest(const boost::asio::any_io_executor& executor, const Settings& settings, net::Url base);
    ~Rest();
    /// Errors also Timeout when the budget would make the request go after `deadline`.
    boost::asio::awaitable<core::Result<Reply>> call(
        std::string method, std::string target, std::optional<boost::json::object> body = {},
        std::optional<std::chrono::steady_clock::time_point> deadline = std::nullopt);
    boost::asio::any_io_executor executor() const { return executor_; }
    std::uint64_t requests() const noexcept { return requests_; }
    std::uint64_t throttled() const noexcept { return throttled_; }

private:
    boost::asio::any_io_executor executor_;
    const Settings& settings_;
    net::Url base_;
    net::HttpPool pool_;
    RateLimiter limiter_;
    std::uint64_t requests_ = 0;
    std::uint64_t throttled_ = 0;
};

/// What became of a submission.
struct Submitted {
    enum class Kind {
        Accepted,  // Alpaca has the order (`order`)
        Refused,   // Alpaca said no (`refusal`): nothing was created
        Unknown,   // no answer could be had: reconciliation will find out
    };
    Kind kind = Kind::Unknown;
    BrokerOrder order;
    ApiError refusal;
};

/// The Trading API calls the broker makes.
class TradingClient {
public:
    TradingClient(const boost::asio::any_io_executor& executor, const Settings& settings);

    /// Submits `request` (its client_order_id set, and kept across every retry): a timeout, a
    /// 5xx or a reset is an unknown outcome, settled by looking the order up by client_order_id
    /// (found: accepted; not found: sent again, same id); a 422 "client_order_id must be unique"
    /// means Alpaca has it (looked up). Gives up as Unknown after `deadline`.
    boost::asio::awaitable<Submitted> submit(const core::OrderRequest& request,
                                             std::chrono::milliseconds deadline);
    /// The order with this client_order_id: empty when Alpaca has none.
    boost::asio::awaitable<core::Result<std::optional<BrokerOrder>>> by_client_order_id(
        const std::string& client_order_id,
        std::optional<std::chrono::steady_clock::time_point> deadline = std::nullopt);
    /// One order; `nested`: with its legs.
    boost::asio::awaitable<core::Result<BrokerOrder>> order(const std::string& id,
                                                            bool nested = false);
    /// Orders of `status` (open, closed, all) submitted after `after`, oldest first, every page.
    boost::asio::awaitable<core::Result<std::vector<BrokerOrder>>> orders(
        std::string status, std::optional<core::Timestamp> after = std::nullopt);
    /// Requests a cancel (204). Errors: NotFound (404), IllegalState (422: not cancelable).
    boost::asio::awaitable<core::Result<void>> cancel(const std::string& id);
    /// Cancels every open order of the account at once (207): each order tried, by Alpaca's
    /// id, with the HTTP status of its cancel.
    boost::asio::awaitable<core::Result<std::vector<std::pair<std::string, int>>>> cancel_all();
    /// Replaces: the new order (its client_order_id is `new_client_order_id`).
    boost::asio::awaitable<core::Result<BrokerOrder>> replace(
        const std::string& id, const core::OrderChange& change,
        const std::string& new_client_order_id);
    boost::asio::awaitable<core::Result<Account>> account();
    boost::asio::awaitable<core::Result<std::vector<Position>>> positions();
    boost::asio::awaitable<core::Result<Clock>> clock();
    /// The trading days from `start` to `end` (inclusive).
    boost::asio::awaitable<core::Result<std::vector<CalendarDay>>> calendar(core::CivilDate start,
                                                                            core::CivilDate end);
    /// The asset a symbol names. NotFound when Alpaca has none.
    boost::asio::awaitable<core::Result<Asset>> asset(const core::Symbol& symbol);

    Rest& rest() noexcept { return rest_; }

private:
    Rest rest_;
};

/// A refusal as a core error: Rejected (403, 422), NotFound (404), Unavailable (auth: 401/403
/// without a code, which no retry fixes, named as such), Internal otherwise.
core::Error to_error(const ApiError& e);

}  // namespace meridian::alpaca
