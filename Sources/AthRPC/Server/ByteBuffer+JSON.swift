import NIOCore

extension ByteBuffer {
    /// Parses the readable bytes as one JSON value, in place (no copy).
    func parseJSON() -> Result<JSON, JSONParseError> {
        withUnsafeReadableBytes { raw in
            do throws(JSONParseError) { return .success(try JSON.parse(raw)) } catch { return .failure(error) }
        }
    }
}
