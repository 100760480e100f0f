// NotificationsService: rules, the notification log and webhook delivery.
#include "services/notifications/notifications_service.hpp"

#include <cstdio>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include "net/http_client.hpp"
#include "services/common/codec.hpp"

namespace meridian::services {

namespace asio = boost::asio;
namespace json = boost::json;
using net::Request;
using net::Response;

namespace {

// Notifications go out a few milliseconds after their event at most: a burst of fills or
// denials is one wake-up of this loop (Bus::subscribe).
constexpr std::chrono::milliseconds kLinger{10};

const std::set<std::string>& known_events() {
    static const std::set<std::string> s{"fill", "denial", "halt", "drawdown"};
    return s;
}

json::object channel_json(const Channel& c) {
    json::array events;
    for (const auto& e : c.events) {
        events.push_back(json::value(e));
    }
    return {{"id", c.id},
            {"type", "webhook"},
            {"url", c.url},
            {"events", std::move(events)},
            {"drawdown_threshold", c.drawdown_threshold}};
}

core::Result<Channel> channel_from_json(const json::object& o) {
    Channel c;
    auto url = string_field(o, "url");
    if (!url) return url.error();
    if (!*url) return core::invalid("url: is required (http://host:port/path)");
    if (auto u = net::Url::parse(**url); !u) return core::invalid("url: " + u.error().message);
    c.url = **url;
    if (auto type = string_field(o, "type"); !type || (*type && **type != "webhook")) {
        return core::invalid("type: only \"webhook\" channels exist");
    }
    if (const auto* ev = o.if_contains("events"); ev && !ev->is_null()) {
        if (!ev->is_array()) return core::invalid("events: must be an array");
        for (const auto& v : ev->get_array()) {
            if (!v.is_string() || !known_events().contains(std::string{v.get_string()})) {
                return core::invalid("events: each is fill, denial, halt or drawdown");
            }
            c.events.insert(std::string{v.get_string()});
        }
    }
    if (const auto* t = o.if_contains("drawdown_threshold"); t && !t->is_null()) {
        if (!t->is_number()) return core::invalid("drawdown_threshold: must be a number");
        c.drawdown_threshold = t->to_number<double>();
        if (!(c.drawdown_threshold > 0 && c.drawdown_threshold < 1)) {
            return core::invalid("drawdown_threshold: must be between 0 and 1");
        }
    }
    return c;
}

}  // namespace

NotificationsService::NotificationsService(bus::Bus& bus, const core::Clock& clock,
                                           Metrics& metrics, store::SettingsStore& settings,
                                           NotificationsConfig config)
    : Service{"notifications", bus, clock, metrics},
      settings_{settings},
      config_{config},
      ids_{core::IdGenerator::from_entropy()} {
    metrics_.counter("meridian_notifications_total", "Notifications raised.", {"event"});
    metrics_.counter("meridian_webhook_deliveries_total", "Webhook delivery outcomes.",
                     {"outcome"});
}

void NotificationsService::on_start() {
    if (auto saved = settings_.scan("channel/")) {
        for (const auto& [key, text] : *saved) {
            boost::system::error_code ec;
            auto v = json::parse(text, ec);
            if (ec || !v.is_object()) continue;
            if (auto c = channel_from_json(v.get_object())) {
                c->id = key.substr(8);
                channels_[c->id] = *c;
            }
        }
    }
    if (auto saved = settings_.scan("notification/")) {
        for (const auto& [key, text] : *saved) {
            boost::system::error_code ec;
            auto v = json::parse(text, ec);
            if (!ec && v.is_object()) {
                recent_.push_back(std::make_shared<const json::object>(std::move(v.get_object())));
            }
        }
        seq_ = recent_.size();
    }
    subscribe("fills", kLinger, [this](const bus::Envelope& e) {
        receipts_.push_back(e.receipt.keep());  // acknowledged once stored (flush)
        if (e.type != "fill" && e.type != "partial_fill") return;
        const auto* f = e.data.if_contains("fill");
        if (!f || !f->is_object()) return;
        const auto& fill = f->get_object();
        auto text = [&](const char* k) {
            const auto* v = fill.if_contains(k);
            return v && v->is_string() ? std::string{v->get_string()} : std::string{};
        };
        notify("fill",
               "filled " + text("side") + " " + text("qty") + " " + text("symbol") + " at " +
                   text("price"),
               fill);
    });
    subscribe("risk.events", kLinger, [this](const bus::Envelope& e) {
        receipts_.push_back(e.receipt.keep());  // acknowledged once stored (flush)
        std::string message;
        if (const auto* m = e.data.if_contains("message"); m && m->is_string()) {
            message = std::string{m->get_string()};
        }
        if (e.type == "denied") notify("denial", "order denied: " + message, e.data);
        if (e.type == "halted" || e.type == "stale") notify("halt", message, e.data);
    });
    subscribe("account", kLinger, [this](const bus::Envelope& e) {
        receipts_.push_back(e.receipt.keep());  // acknowledged once stored (flush)
        const auto* eq = e.data.if_contains("equity");
        if (!eq || !eq->is_string()) return;
        auto m = core::Money::parse(eq->get_string());
        if (!m) return;
        const double equity = m->to_double();
        peak_equity_ = std::max(peak_equity_, equity);
        const double dd = peak_equity_ > 0 ? 1 - equity / peak_equity_ : 0;
        for (const auto& [id, c] : channels_) {
            if (!c.events.empty() && !c.events.contains("drawdown")) continue;
            if (dd >= c.drawdown_threshold && !drawdown_sent_.contains(id)) {
                drawdown_sent_.insert(id);
                char buf[64];
                std::snprintf(buf, sizeof buf, "%.2f%%", dd * 100);
                json::object data{{"drawdown", dd}, {"equity", *eq}, {"channel", id}};
                const json::object n{
                    {"event", "drawdown"},
                    {"message", std::string{"drawdown of "} + buf + " from the peak"},
                    {"data", data},
                    {"ts", clock_.now().to_iso8601()}};
                deliver(c, json::serialize(n));
            }
            if (dd < c.drawdown_threshold / 2) drawdown_sent_.erase(id);
        }
    });
    every(std::chrono::milliseconds(1000), [this] { flush(); });
    set_ready(true);
}

void NotificationsService::on_stop() {
    flush();
}

void NotificationsService::flush() {
    if (pending_.empty()) {
        receipts_.clear();  // nothing of theirs to store
        return;
    }
    // Only the last `kept` are kept: older ones of a busy second would be trimmed at once, so
    // they are neither written nor even serialized.
    if (pending_.size() > config_.kept) {
        pending_.erase(pending_.begin(),
                       pending_.end() - static_cast<std::ptrdiff_t>(config_.kept));
    }
    std::vector<std::pair<std::string, std::string>> documents;
    documents.reserve(pending_.size());
    for (const auto& [key, n] : pending_) {
        documents.emplace_back(key, json::serialize(*n));
    }
    if (auto ok = settings_.put_all(documents, clock_.now()); !ok) {
        std::fprintf(stderr, "notifications: not stored: %s\n", ok.error().message.c_str());
        return;  // kept; tried again in a second
    }
    pending_.clear();
    receipts_.clear();
    (void)settings_.trim("notification/", config_.kept);
}

void NotificationsService::notify(const std::string& event, std::string message,
                                  json::object data) {
    const auto now = clock_.now();
    json::object n{{"id", std::to_string(now.ns()) + "-" + std::to_string(++seq_)},
                   {"event", event},
                   {"message", std::move(message)},
                   {"data", std::move(data)},
                   {"ts", now.to_iso8601()}};
    metrics_.inc("meridian_notifications_total", {event});
    char key[64];
    std::snprintf(key, sizeof key, "notification/%020lld-%08llu", static_cast<long long>(now.ns()),
                  static_cast<unsigned long long>(seq_));
    bus_.publish("notifications", event, n);
    auto shared = std::make_shared<const json::object>(std::move(n));
    pending_.emplace_back(key, shared);  // stored with the others once a second
    recent_.push_back(shared);
    if (recent_.size() > config_.kept) recent_.pop_front();
    std::string body;  // serialized once, for the channels that want it
    for (const auto& [id, c] : channels_) {
        if (!c.events.empty() && !c.events.contains(event)) continue;
        if (body.empty()) body = json::serialize(*shared);
        deliver(c, body);
    }
}

void NotificationsService::deliver(const Channel& channel, std::string body) {
    auto url = net::Url::parse(channel.url);
    if (!url) return;
    asio::co_spawn(
        executor(),
        [this, u = *url, body = std::move(body)]() -> asio::awaitable<void> {
            asio::steady_timer timer{executor()};
            auto backoff = std::chrono::milliseconds(500);
            for (int attempt = 1; attempt <= config_.attempts; ++attempt) {
                std::string copy = body;
                auto reply =
                    co_await net::http_post(executor(), u, std::move(copy), config_.timeout);
                if (reply && reply->status >= 200 && reply->status < 300) {
                    metrics_.inc("meridian_webhook_deliveries_total", {"delivered"});
                    co_return;
                }
                metrics_.inc("meridian_webhook_deliveries_total", {"retried"});
                timer.expires_after(backoff);
                co_await timer.async_wait(asio::use_awaitable);
                backoff *= 2;
            }
            metrics_.inc("meridian_webhook_deliveries_total", {"failed"});
        },
        asio::detached);
}

void NotificationsService::add_routes(net::Router& router) {
    route(router, "GET", "/notifications", Role::Viewer, "Recent notifications, newest first",
          [this](Request&) {
              json::array out;
              for (auto it = recent_.rbegin(); it != recent_.rend(); ++it) {
                  out.push_back(**it);
              }
              return Response::json(200, out);
          });
    route(router, "GET", "/notifications/channels", Role::Viewer,
          "Delivery channels and their rules", [this](Request&) {
              json::array out;
              for (const auto& [id, c] : channels_) {
                  out.push_back(channel_json(c));
              }
              return Response::json(200, out);
          });
    route(router, "POST", "/notifications/channels", Role::Admin,
          "Add a webhook channel ({url, events: [fill, denial, halt, drawdown], "
          "drawdown_threshold})",
          [this](Request& req) {
              auto body = parse_object(req.body);
              if (!body) return Response::error(400, body.error().message);
              auto c = channel_from_json(*body);
              if (!c) return Response::error(422, c.error().message);
              c->id = "ch_" + ids_.next_order_id().str().substr(0, 8);
              json::object j = channel_json(*c);
              if (auto ok = settings_.put("channel/" + c->id, json::serialize(j), clock_.now());
                  !ok) {
                  return Response::error(503, ok.error().message);
              }
              channels_[c->id] = *c;
              return Response::json(201, j);
          });
    route(router, "DELETE", "/notifications/channels/{id}", Role::Admin, "Remove a channel",
          [this](Request& req) {
              const std::string id = req.params["id"];
              if (!channels_.contains(id)) return Response::error(404, "no such channel");
              if (auto ok = settings_.erase("channel/" + id); !ok) {
                  return Response::error(503, ok.error().message);
              }
              channels_.erase(id);
              Response r;
              r.status = 204;
              return r;
          });
}

}  // namespace meridian::services
