import NIOCore

/// JSON-RPC 2.0 envelope handling shared by every transport: parses a message,
/// validates single requests and batches, calls the handler, and builds the
/// response (nil when only notifications were sent).
///
/// - Requests must be objects with `"jsonrpc":"2.0"`, a `method` string,
///   optional `params` (array or object; null or absent means `[]`), optional
///   `id` (string, number or null; absent makes a notification, which is
///   handled but never answered).
/// - Batches: `[]` gets one -32600 "empty batch" error object; more than
///   `limits.maxBatchItems` entries get one -32600 "batch too large" error
///   object and nothing is handled. Batch items are handled one after another
///   and answered in order; notifications leave no entry, and a batch of only
///   notifications gets no response at all (like geth).
/// - Error messages repeat client input only in part (`RPCError.excerpt`):
///   method names over 64 bytes are answered -32601 without reaching the
///   handler, and ids over 256 bytes (strings) or 64 characters (numbers) get
///   -32600 "invalid request: id too long" with id null.
/// - `eth_subscribe` / `eth_unsubscribe` go to the `SubscriptionHub` when one
///   is given (over HTTP they get -32601 "notifications not supported"), never
///   to the handler.
public struct RPCDispatcher: Sendable {
    public let handler: any RPCHandler
    public let subscriptions: SubscriptionHub?
    public let limits: RPCLimits
    let metrics: RPCMetrics?

    /// - Parameter metrics: where per-method request counts and latencies are recorded, if anywhere.
    public init(handler: any RPCHandler, subscriptions: SubscriptionHub? = nil, limits: RPCLimits = RPCLimits(),
                metrics: MetricsRegistry? = nil) {
        self.handler = handler
        self.subscriptions = subscriptions
        self.limits = limits
        self.metrics = metrics.map { RPCMetrics(registry: $0) }
    }

    /// Answers one message (a request or a batch) given as UTF-8 bytes; nil when no response is due.
    public func respond(to body: [UInt8], context: RPCRequestContext) async -> [UInt8]? {
        let parsed: Result<JSON, JSONParseError>
        do { parsed = .success(try JSON.parse(body)) } catch { parsed = .failure(error) }
        return await process(parsed, context: context).response
    }

    /// Answers one already-parsed message; nil when no response is due.
    public func respond(to message: JSON, context: RPCRequestContext) async -> JSON? {
        var released: [String] = []
        let answers = await answers(for: message, context: context, released: &released)
        context.notifications?.release(released)
        switch answers {
        case .none: return nil
        case .single(let a): return a.json
        case .batch(let list): return .array(list.map(\.json))
        }
    }

    /// What the transports need: the serialized response, and the subscriptions
    /// to release once that response has been written.
    struct Outcome: Sendable {
        var response: [UInt8]?
        var released: [String]
    }

    func process(_ parsed: Result<JSON, JSONParseError>, context: RPCRequestContext) async -> Outcome {
        let message: JSON
        switch parsed {
        case .success(let m): message = m
        case .failure(let e):
            metrics?.recordParseError()
            return Outcome(response: Answer(id: .null, result: .failure(.parseError(e.description))).bytes(), released: [])
        }
        var released: [String] = []
        let answers = await answers(for: message, context: context, released: &released)
        var w = JSONWriter(capacity: 256)
        switch answers {
        case .none: return Outcome(response: nil, released: released)
        case .single(let a): a.write(into: &w)
        case .batch(let list):
            w.bytes.append(UInt8(ascii: "["))
            for (i, a) in list.enumerated() {
                if i > 0 { w.bytes.append(UInt8(ascii: ",")) }
                a.write(into: &w)
            }
            w.bytes.append(UInt8(ascii: "]"))
        }
        return Outcome(response: w.bytes, released: released)
    }

    enum Answers {
        case none
        case single(Answer)
        case batch([Answer])
    }

    private func answers(for message: JSON, context: RPCRequestContext, released: inout [String]) async -> Answers {
        guard case .array(let items) = message else {
            return await answer(message, context: context, released: &released).map(Answers.single) ?? .none
        }
        if items.isEmpty { return .single(Answer(id: .null, result: .failure(.emptyBatch))) }
        if items.count > limits.maxBatchItems { return .single(Answer(id: .null, result: .failure(.batchTooLarge))) }
        var list: [Answer] = []
        list.reserveCapacity(items.count)
        for item in items {
            // The connection closed: nobody will read the rest.
            if Task.isCancelled { break }
            if let a = await answer(item, context: context, released: &released) { list.append(a) }
        }
        return list.isEmpty ? .none : .batch(list)
    }

    /// Validates and handles one request; nil for a valid notification.
    private func answer(_ item: JSON, context: RPCRequestContext, released: inout [String]) async -> Answer? {
        switch RPCRequest.validate(item) {
        case .failure(let invalid):
            return Answer(id: invalid.id, result: .failure(invalid.error))
        case .success(let request):
            let result = await invoke(request, context: context, released: &released)
            guard let id = request.id else { return nil }
            return Answer(id: id, result: result)
        }
    }

    /// Longer method names are answered -32601 without reaching the handler.
    static let maxMethodNameBytes = RPCError.maxEchoedCharacters

    private func invoke(_ request: RPCRequest, context: RPCRequestContext,
                        released: inout [String]) async -> Result<JSON, RPCError> {
        let start = NIODeadline.now()
        let result: Result<JSON, RPCError>
        if let hub = subscriptions, request.method == "eth_subscribe" {
            do {
                let id = try hub.subscribe(params: request.params, context: context, hold: true)
                released.append(id)
                result = .success(.string(id))
            } catch { result = .failure(error) }
        } else if let hub = subscriptions, request.method == "eth_unsubscribe" {
            do { result = .success(.bool(try hub.unsubscribe(params: request.params, context: context))) } catch {
                result = .failure(error)
            }
        } else if request.method.utf8.count > Self.maxMethodNameBytes {
            // No method has such a name; the handler's own "not found" might repeat all of it.
            result = .failure(.methodNotFound(request.method))
        } else {
            do {
                result = .success(try await handler.handle(method: request.method, params: request.params, context: context))
            } catch { result = .failure(error) }
        }
        if let metrics {
            var known = true
            var failed = false
            if case .failure(let e) = result {
                failed = true
                known = e.code != RPCError.methodNotFoundCode || e == .notificationsNotSupported
            }
            let nanos = (NIODeadline.now() - start).nanoseconds
            metrics.record(method: known ? request.method : nil, failed: failed, nanoseconds: nanos)
        }
        return result
    }
}
