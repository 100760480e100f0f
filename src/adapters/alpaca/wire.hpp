// Alpaca's wire format (../shared/reference/alpaca-api.md): JSON in and out of the Trading API,
// the trade_updates stream and Market Data API v2. No I/O; every parser takes outside bytes and
// never trusts them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "core/decimal.hpp"
#include "core/order.hpp"
#include "core/result.hpp"
#include "core/timestamp.hpp"
#include "engine/bar.hpp"

namespace meridian::alpaca {

/// Parses JSON with every number kept as its text (a JSON string holding the digits, exponent
/// written out: 1.5e-3 is "0.0015"), so 187.24 stays "187.24" and never passes through a double.
/// Errors (InvalidArgument): malformed JSON, nesting deeper than 64.
core::Result<boost::json::value> parse(std::string_view text);

/// An order as Alpaca reports it (section 2.2): its own id, ours as client_order_id, the
/// status mapped onto the core set (an unknown status is an error: the caller refreshes).
struct BrokerOrder {
    std::string id;
    std::string client_order_id;
    core::OrderRequest request;  // client_order_id set; notional orders have qty empty
    core::OrderStatus status = core::OrderStatus::New;
    core::Quantity filled_qty;
    std::optional<core::Price> filled_avg_price;
    core::Timestamp created_at;
    std::optional<core::Timestamp> updated_at;
    std::optional<core::Timestamp> submitted_at;
    std::optional<core::Timestamp> filled_at;
    std::optional<core::Timestamp> canceled_at;
    std::optional<core::Timestamp> expired_at;
    std::optional<core::Timestamp> failed_at;
    std::optional<core::Timestamp> replaced_at;
    std::optional<std::string> replaced_by;
    std::optional<std::string> replaces;
    std::vector<BrokerOrder> legs;
};
core::Result<BrokerOrder> order_from_json(const boost::json::value& v);

/// One trade_updates event (section 4.3). Fill fields are present on fill and partial_fill.
struct TradeUpdate {
    std::string event;
    BrokerOrder order;
    std::optional<core::Timestamp> ts;
    std::string execution_id;
    std::optional<core::Price> price;
    std::optional<core::Quantity> qty;
    std::optional<core::Quantity> position_qty;
};
/// A trade_updates stream message: {"stream": ..., "data": ...}.
struct StreamMessage {
    std::string stream;  // "authorization", "listening", "trade_updates"
    boost::json::object data;
};
core::Result<StreamMessage> stream_message(std::string_view text);
core::Result<TradeUpdate> trade_update_from_json(const boost::json::object& data);

struct Account {
    std::string id;
    std::string status;
    core::Money cash;
    core::Money equity;
    core::Money buying_power;
    bool trading_blocked = false;
    bool account_blocked = false;
};
core::Result<Account> account_from_json(const boost::json::value& v);

/// A position: qty negative for a short.
struct Position {
    core::Symbol symbol;
    core::Quantity qty;
    core::Price avg_entry_price;
    std::optional<core::Price> current_price;
};
core::Result<std::vector<Position>> positions_from_json(const boost::json::value& v);

struct Clock {
    core::Timestamp timestamp;
    bool is_open = false;
    core::Timestamp next_open;
    core::Timestamp next_close;
};
core::Result<Clock> clock_from_json(const boost::json::value& v);

/// An asset (section 2.13; its class is under "class").
struct Asset {
    std::string id;
    core::Symbol symbol;
    std::string asset_class;
    std::string exchange;
    std::string status;  // active, inactive
    bool tradable = false;
    bool fractionable = false;
    bool shortable = false;
};
core::Result<Asset> asset_from_json(const boost::json::value& v);

/// A trading day (section 2.12): the regular session and the extended one, minutes after
/// midnight New York time ("09:30" and "0400" forms both read).
struct CalendarDay {
    core::CivilDate date;
    int open = 0;
    int close = 0;
    std::optional<int> session_open;
    std::optional<int> session_close;
};
core::Result<std::vector<CalendarDay>> calendar_from_json(const boost::json::value& v);

/// An error answer (section 1.3): the HTTP status, Alpaca's code when there is one, the message
/// (or the raw body when it is not JSON).
struct ApiError {
    int http = 0;
    std::optional<std::int64_t> code;
    std::string message;
};
ApiError api_error(int http, std::string_view body);

/// The POST /v2/orders body for `request` (decimals as strings; `client_order_id` required).
boost::json::object order_body(const core::OrderRequest& request);

/// Market data: a bar, quote or trade object (section 5, 6.5) for `symbol` (or its "S" key).
core::Result<engine::Bar> bar_from_json(const boost::json::object& o, const core::Symbol& symbol);
core::Result<engine::Quote> quote_from_json(const boost::json::object& o,
                                            const core::Symbol& symbol);
core::Result<engine::Trade> trade_from_json(const boost::json::object& o,
                                            const core::Symbol& symbol);

/// Latest values (section 5.4), single ({"symbol", "trade"|"quote"|"bar"}) or multi
/// ({"trades"|"quotes"|"bars": {SYM: {...}}}) shape.
core::Result<std::vector<engine::Trade>> latest_trades(const boost::json::value& v);
core::Result<std::vector<engine::Quote>> latest_quotes(const boost::json::value& v);
core::Result<std::vector<engine::Bar>> latest_bars(const boost::json::value& v);

/// A snapshot (section 5.5): any member may be missing.
struct Snapshot {
    core::Symbol symbol;
    std::optional<engine::Trade> latest_trade;
    std::optional<engine::Quote> latest_quote;
    std::optional<engine::Bar> minute_bar;
    std::optional<engine::Bar> daily_bar;
    std::optional<engine::Bar> prev_daily_bar;
};
/// The single shape (with "symbol") or the multi one (a bare map by symbol; null values skipped).
core::Result<std::vector<Snapshot>> snapshots_from_json(const boost::json::value& v);

/// A page of historical bars (single- or multi-symbol shape) and the next page's token.
struct BarsPage {
    std::vector<engine::Bar> bars;
    std::optional<std::string> next_page_token;
};
core::Result<BarsPage> bars_page(const boost::json::value& v);

/// One message of the market data stream (each array element, section 6).
struct DataMessage {
    enum class Kind {
        Success,
        Error,
        Subscription,
        Trade,
        Quote,
        Bar,
        UpdatedBar,
        DailyBar,
        Other
    };
    Kind kind = Kind::Other;
    std::string msg;      // success, error
    int code = 0;         // error
    engine::Bar bar;      // b, u, d
    engine::Quote quote;  // q
    engine::Trade trade;  // t
};
/// A whole frame: a JSON array of messages. Malformed elements are skipped and counted.
struct DataFrame {
    std::vector<DataMessage> messages;
    std::size_t malformed = 0;
};
core::Result<DataFrame> data_frame(std::string_view text);

}  // namespace meridian::alpaca
