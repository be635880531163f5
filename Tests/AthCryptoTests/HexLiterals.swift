import AthPrimitives

/// Bytes from a hex literal typed into a test (a typo there is a test bug, so it traps).
func hexBytes(_ text: String) -> [UInt8] {
    do { return try Hex.decode(text) } catch { fatalError("bad hex literal in test: \(error)") }
}

/// A `Hash32` from a 32-byte hex literal typed into a test.
func hash32(_ text: String) -> Hash32 {
    Hash32(hexBytes(text))!
}
