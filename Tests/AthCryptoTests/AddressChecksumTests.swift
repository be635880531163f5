import AthCrypto
import AthPrimitives
import Testing

@Suite struct AddressChecksumTests {
    /// The examples of EIP-55.
    static let eip55Examples = [
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
        "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
        "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
    ]

    @Test(arguments: eip55Examples)
    func checksummedFormMatchesEIP55(text: String) throws {
        let address = try Address(hex: text)
        #expect(address.checksummed == text)
        #expect(try Address(checksummed: text) == address)
    }

    @Test(arguments: eip55Examples)
    func singleCaseTextClaimsNoChecksum(text: String) throws {
        let address = try Address(hex: text)
        #expect(try Address(checksummed: text.lowercased()) == address)
        #expect(try Address(checksummed: "0x" + text.dropFirst(2).uppercased()) == address)
        #expect(try Address(checksummed: text.dropFirst(2)) == address)
    }

    @Test func wrongChecksumIsRefusedWithBothForms() {
        // The EIP-55 example with the case of its first letter flipped.
        let bad = "0x5AAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
        #expect(throws: AddressError.checksumMismatch(got: bad, expected: "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed")) {
            try Address(checksummed: bad)
        }
        let error = AddressError.checksumMismatch(got: bad, expected: "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed")
        #expect(error.description.contains("checksum does not match (EIP-55)"))
    }

    @Test func malformedHexIsRefused() {
        #expect(throws: AddressError.invalidHex(.wrongLength(got: 19, expected: 20))) {
            try Address(checksummed: "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeA")
        }
        #expect(throws: AddressError.invalidHex(.invalidCharacter(offset: 2))) {
            try Address(checksummed: "0xgaAeb6053F3E94C9b9A09f33669435E7Ef1BeAed")
        }
    }
}
