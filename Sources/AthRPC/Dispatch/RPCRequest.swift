/// A request that passed envelope validation.
struct RPCRequest {
    /// nil for a notification (no `id` member).
    var id: JSON?
    var method: String
    /// An array or an object.
    var params: JSON

    /// A request that failed validation: the error and the id to answer with
    /// (the request's own id when it had a valid one, null otherwise).
    struct Invalid: Error {
        var id: JSON
        var error: RPCError
    }

    /// Longest string id echoed back, in UTF-8 bytes; longer ones are refused with id null.
    static let maxStringIDBytes = 256
    /// Longest number id, in characters of its text; longer ones are refused with id null.
    static let maxNumberIDCharacters = 64

    static func validate(_ item: JSON) -> Result<RPCRequest, Invalid> {
        guard case .object = item else {
            return .failure(Invalid(id: .null, error: .invalidRequest("a request must be a JSON object")))
        }
        let id = item["id"]
        if let id {
            switch id {
            case .string(let s) where s.utf8.count > maxStringIDBytes, .number(let s) where s.utf8.count > maxNumberIDCharacters:
                return .failure(Invalid(id: .null, error: .invalidRequest("id too long")))
            case .string, .number, .null: break
            default:
                return .failure(Invalid(id: .null, error: .invalidRequest("id must be a string, a number or null")))
            }
        }
        let answerID = id ?? .null
        guard item["jsonrpc"] == .string("2.0") else {
            return .failure(Invalid(id: answerID, error: .invalidRequest(#"jsonrpc must be "2.0""#)))
        }
        guard case .string(let method)? = item["method"], !method.isEmpty else {
            return .failure(Invalid(id: answerID, error: .invalidRequest("method must be a non-empty string")))
        }
        let params: JSON
        switch item["params"] {
        case nil, .null?: params = .array([])
        case .array?, .object?: params = item["params"]!
        default:
            return .failure(Invalid(id: answerID, error: .invalidRequest("params must be an array or an object")))
        }
        return .success(RPCRequest(id: id, method: method, params: params))
    }
}

/// One response object: the id echoed back and a result or an error.
struct Answer: Sendable {
    var id: JSON
    var result: Result<JSON, RPCError>

    func write(into w: inout JSONWriter) {
        w.writeASCII(#"{"jsonrpc":"2.0","id":"#)
        w.write(id)
        switch result {
        case .success(let value):
            w.writeASCII(#","result":"#)
            w.write(value)
        case .failure(let e):
            w.writeASCII(#","error":{"code":"#)
            w.bytes.append(contentsOf: String(e.code).utf8)
            w.writeASCII(#","message":"#)
            w.writeString(e.message)
            if let data = e.data {
                w.writeASCII(#","data":"#)
                w.write(data)
            }
            w.bytes.append(UInt8(ascii: "}"))
        }
        w.bytes.append(UInt8(ascii: "}"))
    }

    func bytes() -> [UInt8] {
        var w = JSONWriter(capacity: 128)
        write(into: &w)
        return w.bytes
    }

    var json: JSON {
        switch result {
        case .success(let value): return ["jsonrpc": "2.0", "id": id, "result": value]
        case .failure(let e):
            var error: [(String, JSON)] = [("code", JSON(e.code)), ("message", .string(e.message))]
            if let data = e.data { error.append(("data", data)) }
            return ["jsonrpc": "2.0", "id": id, "error": .object(error)]
        }
    }
}
