#include "services/common/metrics.hpp"

#include <gtest/gtest.h>

namespace meridian::services {
namespace {

TEST(Metrics, RendersPrometheusTextWithHelpTypeAndLabels) {
    Metrics m;
    m.counter("meridian_orders_total", "Orders by status.", {"status"});
    m.histogram("meridian_http_request_duration_seconds", "Latency.", {"route"}, {0.001, 0.01});
    m.gauge("meridian_equity_dollars", "Equity.");
    m.inc("meridian_orders_total", {"filled"});
    m.inc("meridian_orders_total", {"filled"});
    m.observe("meridian_http_request_duration_seconds", {"/orders"}, 0.005);
    m.set("meridian_equity_dollars", {}, 100000.5);
    const std::string text = m.render();
    EXPECT_NE(text.find("# HELP meridian_orders_total Orders by status.\n"), std::string::npos);
    EXPECT_NE(text.find("# TYPE meridian_orders_total counter\n"), std::string::npos);
    EXPECT_NE(text.find("meridian_orders_total{status=\"filled\"} 2\n"), std::string::npos);
    EXPECT_NE(
        text.find(
            "meridian_http_request_duration_seconds_bucket{route=\"/orders\",le=\"0.001\"} 0\n"),
        std::string::npos);
    EXPECT_NE(
        text.find(
            "meridian_http_request_duration_seconds_bucket{route=\"/orders\",le=\"0.01\"} 1\n"),
        std::string::npos);
    EXPECT_NE(text.find("meridian_http_request_duration_seconds_count{route=\"/orders\"} 1\n"),
              std::string::npos);
    EXPECT_NE(text.find("meridian_equity_dollars 100000.5\n"), std::string::npos);
    EXPECT_EQ(m.value("meridian_orders_total", {"filled"}), 2);
}

TEST(Metrics, ACollectedGaugeListsOnlyWhatStillExists) {
    Metrics m;
    m.gauge("meridian_bus_queue_depth", "Depth.", {"topic"});
    std::vector<std::string> topics{"orders", "fills"};
    m.collector([&](Metrics& x) {
        x.clear("meridian_bus_queue_depth");
        for (const auto& t : topics)
            x.set("meridian_bus_queue_depth", {t}, 0);
    });
    EXPECT_NE(m.render().find("topic=\"orders\""), std::string::npos);
    topics = {"fills"};  // the "orders" subscription went away
    const auto text = m.render();
    EXPECT_EQ(text.find("topic=\"orders\""), std::string::npos);
    EXPECT_NE(text.find("meridian_bus_queue_depth{topic=\"fills\"} 0\n"), std::string::npos);
}

}  // namespace
}  // namespace meridian::services
