import AthRPC
import Testing

@Suite(.timeLimit(.minutes(1))) struct MetricsTests {
    @Test func rendersPrometheusTextFormat() {
        let registry = MetricsRegistry()
        registry.counter("ath_blocks_total", help: "Blocks imported.").increment(by: 3)
        registry.counter("ath_peers_total", help: "Peers by direction.", labels: [("dir", "in")]).increment()
        registry.counter("ath_peers_total", help: "Peers by direction.", labels: [("dir", "out\"\\\n")]).increment(by: 2)
        registry.gauge("ath_height", help: "Chain height.\nSecond line \\ slash").set(1234.5)
        let histogram = registry.histogram("ath_lag_seconds", help: "Lag.", buckets: [1, 0.5, 2])
        for v in [0.1, 0.5, 0.7, 3] { histogram.observe(v) }
        #expect(registry.render() == """
            # HELP ath_blocks_total Blocks imported.
            # TYPE ath_blocks_total counter
            ath_blocks_total 3
            # HELP ath_peers_total Peers by direction.
            # TYPE ath_peers_total counter
            ath_peers_total{dir="in"} 1
            ath_peers_total{dir="out\\"\\\\\\n"} 2
            # HELP ath_height Chain height.\\nSecond line \\\\ slash
            # TYPE ath_height gauge
            ath_height 1234.5
            # HELP ath_lag_seconds Lag.
            # TYPE ath_lag_seconds histogram
            ath_lag_seconds_bucket{le="0.5"} 2
            ath_lag_seconds_bucket{le="1"} 3
            ath_lag_seconds_bucket{le="2"} 3
            ath_lag_seconds_bucket{le="+Inf"} 4
            ath_lag_seconds_sum 4.3
            ath_lag_seconds_count 4

            """)
    }

    @Test func sameNameAndLabelsGiveTheSameMetric() {
        let registry = MetricsRegistry()
        registry.counter("c_total", help: "c", labels: [("a", "1")]).increment()
        registry.counter("c_total", help: "c", labels: [("a", "1")]).increment()
        registry.counter("c_total", help: "c", labels: [("a", "1")]).increment(by: -5)
        #expect(registry.counter("c_total", help: "c", labels: [("a", "1")]).current == 2)
    }

    @Test func metricsServerServesOnlySlashMetrics() async throws {
        let registry = MetricsRegistry()
        registry.gauge("ath_up", help: "Up.").set(1)
        let server = MetricsServer(host: "127.0.0.1", port: 0, registry: registry)
        try await server.start()
        let port = try #require(server.port)
        let connection = try await TestConnection.connect(port: port)
        try await connection.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        let ok = try await connection.readHTTPResponse()
        #expect(ok.status == 200)
        #expect(ok.header("content-type") == "text/plain; version=0.0.4; charset=utf-8")
        #expect(ok.body.text == "# HELP ath_up Up.\n# TYPE ath_up gauge\nath_up 1\n")
        try await connection.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try await connection.readHTTPResponse().status == 404)
        try await connection.send("POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
        #expect(try await connection.readHTTPResponse().status == 405)
        await connection.close()
        await server.stop()
    }

    @Test func rpcServerRecordsPerMethodCounts() async throws {
        let registry = MetricsRegistry()
        try await withServer(metrics: registry) { _, port in
            let connection = try await TestConnection.connect(port: port)
            for body in [#"{"jsonrpc":"2.0","id":1,"method":"add","params":[1]}"#,
                         #"[{"jsonrpc":"2.0","id":2,"method":"add","params":[1]},{"jsonrpc":"2.0","id":3,"method":"nope"}]"#] {
                try await connection.send(httpPost(body))
                _ = try await connection.readHTTPResponse()
            }
            await connection.close()
        }
        let text = registry.render()
        #expect(text.contains(#"ath_rpc_requests_total{method="add"} 2"#))
        #expect(text.contains(#"ath_rpc_requests_total{method="unknown"} 1"#))
        #expect(text.contains(#"ath_rpc_request_duration_seconds_bucket{method="add",le="+Inf"} 2"#))
        #expect(text.contains("# TYPE ath_rpc_open_connections gauge"))
    }
}
