import AthRPC
import NIOCore

/// A minimal RFC 6455 client over a raw TCP connection: masked client
/// frames, unmasked server frames, no extensions.
final class WebSocketTestClient {
    let connection: TestConnection

    struct Frame {
        var fin: Bool
        var opcode: UInt8
        var payload: [UInt8]
        var text: String { payload.text }
    }

    static let text: UInt8 = 0x1, binary: UInt8 = 0x2, continuation: UInt8 = 0x0
    static let close: UInt8 = 0x8, ping: UInt8 = 0x9, pong: UInt8 = 0xA

    private init(connection: TestConnection) { self.connection = connection }

    /// Connects and upgrades; checks the 101 answer and its accept key (RFC 6455 section 1.3 example key).
    static func connect(port: Int, autoRead: Bool = true, receiveBuffer: Int? = nil) async throws -> WebSocketTestClient {
        let connection = try await TestConnection.connect(port: port, autoRead: autoRead, receiveBuffer: receiveBuffer)
        try await connection.send(
            "GET / HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
        let response = try await connection.readHTTPResponse()
        guard response.status == 101 else { throw TestFailure("upgrade answered \(response.status)") }
        guard response.header("sec-websocket-accept") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" else {
            throw TestFailure("wrong Sec-WebSocket-Accept")
        }
        return WebSocketTestClient(connection: connection)
    }

    static func encode(opcode: UInt8, payload: [UInt8], fin: Bool = true, mask: [UInt8] = [0x37, 0xfa, 0x21, 0x3d]) -> [UInt8] {
        var out: [UInt8] = [(fin ? 0x80 : 0) | opcode]
        let n = payload.count
        if n < 126 {
            out.append(0x80 | UInt8(n))
        } else if n <= 0xFFFF {
            out.append(0x80 | 126)
            out += [UInt8(n >> 8), UInt8(n & 0xFF)]
        } else {
            out.append(0x80 | 127)
            for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8((UInt64(n) >> UInt64(shift)) & 0xFF)) }
        }
        out += mask
        for (i, b) in payload.enumerated() { out.append(b ^ mask[i % 4]) }
        return out
    }

    func send(opcode: UInt8 = WebSocketTestClient.text, _ payload: [UInt8], fin: Bool = true) async throws {
        try await connection.send(Self.encode(opcode: opcode, payload: payload, fin: fin))
    }

    func sendText(_ text: String) async throws { try await send(Array(text.utf8)) }

    /// Reads the next frame from the server.
    func receiveFrame() async throws -> Frame {
        try await connection.receive(atLeast: 2)
        let b0 = connection.pending[0], b1 = connection.pending[1]
        guard b1 & 0x80 == 0 else { throw TestFailure("server frames must not be masked") }
        var length = Int(b1 & 0x7F)
        var headerLength = 2
        if length == 126 {
            try await connection.receive(atLeast: 4)
            length = Int(connection.pending[2]) << 8 | Int(connection.pending[3])
            headerLength = 4
        } else if length == 127 {
            try await connection.receive(atLeast: 10)
            length = 0
            for i in 2..<10 { length = length << 8 | Int(connection.pending[i]) }
            headerLength = 10
        }
        try await connection.receive(atLeast: headerLength + length)
        _ = connection.take(headerLength)
        return Frame(fin: b0 & 0x80 != 0, opcode: b0 & 0x0F, payload: connection.take(length))
    }

    /// Reads frames until a text frame, answering nothing; pings are skipped.
    func receiveText() async throws -> String {
        while true {
            let frame = try await receiveFrame()
            switch frame.opcode {
            case Self.text: return frame.text
            case Self.ping, Self.pong: continue
            default: throw TestFailure("expected a text frame, got opcode \(frame.opcode)")
            }
        }
    }

    func receiveJSON() async throws -> JSON { try JSON.parse(try await receiveText()) }

    func close() async { await connection.close() }
}
