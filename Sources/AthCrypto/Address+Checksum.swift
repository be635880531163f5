import AthPrimitives

/// Why an address string was refused.
public enum AddressError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The text is not 20 bytes of hex (with or without `0x`).
    case invalidHex(HexError)
    /// The text mixes upper and lower case, which claims an EIP-55 checksum,
    /// and the claim is false (usually a mistyped address).
    case checksumMismatch(got: String, expected: String)

    public var description: String {
        switch self {
        case .invalidHex(let error):
            return "address is not 20 bytes of hex: \(error)"
        case .checksumMismatch(let got, let expected):
            return "address checksum does not match (EIP-55): got \(got), expected \(expected)"
        }
    }
}

extension Address {
    /// The EIP-55 mixed-case form: hex digit `i` is upper-cased when nibble `i`
    /// of keccak256(lower-case hex, without `0x`) is 8 or more.
    public var checksummed: String {
        let lower = Array(Hex.encode(bytes, prefix: false).utf8)
        let hash = Keccak256.hash(lower).bytes
        var out: [UInt8] = [UInt8(ascii: "0"), UInt8(ascii: "x")]
        out.reserveCapacity(42)
        for (i, c) in lower.enumerated() {
            let nibble = i % 2 == 0 ? hash[i / 2] >> 4 : hash[i / 2] & 0x0f
            let isLetter = c >= UInt8(ascii: "a")
            out.append(isLetter && nibble >= 8 ? c - 32 : c)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Parses an address and enforces its EIP-55 checksum when it claims one.
    /// All-lower-case or all-upper-case hex claims no checksum and is accepted
    /// as is (EIP-55); mixed case must match `checksummed` exactly.
    public init(checksummed text: some StringProtocol) throws(AddressError) {
        let parsed: Address
        do {
            parsed = try Address(hex: text)
        } catch {
            throw .invalidHex(error)
        }
        // Hex decoding succeeded, so the text is 40 digits, after `0x` if 42 long.
        let digits = text.utf8.dropFirst(text.utf8.count == 42 ? 2 : 0)
        let hasLower = digits.contains { $0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "f") }
        let hasUpper = digits.contains { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "F") }
        if hasLower && hasUpper {
            let expected = parsed.checksummed
            guard Array(digits).elementsEqual(expected.utf8.dropFirst(2)) else {
                throw .checksumMismatch(got: String(text), expected: expected)
            }
        }
        self = parsed
    }
}
