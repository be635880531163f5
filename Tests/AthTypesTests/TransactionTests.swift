import AthCrypto
import AthPrimitives
import AthTypes
import Testing

@Suite struct TransactionTests {
    static let key = try! Secp256k1PrivateKey(Array(repeating: 0x46, count: 32))

    /// EIP-155's worked example: nonce 9, 20 gwei, 21000 gas, 1 ether to 0x3535…, chain 1.
    @Test func eip155ExampleSigningHashAndSignature() throws {
        let tx = Transaction.legacy(chainID: 1, nonce: 9, gasPrice: UInt256(20_000_000_000), gasLimit: 21_000,
                                    to: try Address(hex: "0x3535353535353535353535353535353535353535"),
                                    value: UInt256(decimal: "1000000000000000000")!)
        #expect(Hex.encode(tx.signingPayload) ==
                "0xec098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a764000080018080")
        #expect(tx.signingHash.description == "0xdaf5a779ae972f972197303d7b574746c7ef83eadac0f2791ad23db92e4c8e53")
        let signed = tx.signed(with: Self.key)
        #expect(signed.v == UInt256(37))
        #expect(signed.signature.r == UInt256(decimal: "18515461264373351373200002665853028612451056578545711640558177340181847433846"))
        #expect(signed.signature.s == UInt256(decimal: "46948507304638947509940763649030358759909902576025900602547168820602576006531"))
        #expect(Hex.encode(signed.encoded) == "0xf86c098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a76400008025a028ef61340bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276a067cbe9d8997f761aecb703304b3800ccf555c9f3dc64214b297fb1966a3b6d83")
        #expect(try signed.recoverSender() == Self.key.address)
    }

    @Test(arguments: TransactionType.allCases)
    func signDecodeRoundTrip(type: TransactionType) throws {
        let to = try Address(hex: "0x00000000000000000000000000000000000000aa")
        let list = [AccessListEntry(address: to, storageKeys: [Hash32.zero])]
        let tx: Transaction
        switch type {
        case .legacy: tx = .legacy(chainID: 1337, nonce: 3, gasPrice: UInt256(7), gasLimit: 50_000, to: to, value: UInt256(1), data: [1, 0, 2])
        case .accessList: tx = .accessList(chainID: 1337, nonce: 3, gasPrice: UInt256(7), gasLimit: 100_000, to: nil, value: .zero, data: [0x60, 0], accessList: list)
        case .dynamicFee: tx = .dynamicFee(chainID: 1337, nonce: 3, maxPriorityFeePerGas: UInt256(2), maxFeePerGas: UInt256(9), gasLimit: 50_000, to: to, value: UInt256.max, data: [], accessList: list)
        }
        let signed = tx.signed(with: Self.key)
        let decoded = try SignedTransaction.decode(signed.encoded)
        #expect(decoded == signed)
        #expect(decoded.hash == Keccak256.hash(signed.encoded))
        #expect(try decoded.validate(chainID: 1337) == Self.key.address)
        #expect(throws: TransactionError.wrongChainID(got: 1337, expected: 1)) { try decoded.validate(chainID: 1) }
    }

    @Test func intrinsicGasFollowsCancunRules() throws {
        let to = try Address(hex: "0x00000000000000000000000000000000000000aa")
        #expect(Transaction.legacy(chainID: 1, nonce: 0, gasPrice: .zero, gasLimit: 0, to: to, value: .zero).intrinsicGas == 21_000)
        let data: [UInt8] = [0, 0, 1, 2]
        #expect(Transaction.legacy(chainID: 1, nonce: 0, gasPrice: .zero, gasLimit: 0, to: to, value: .zero, data: data).intrinsicGas == 21_000 + 8 + 32)
        // Creation with 33 bytes of init code: 53000 + calldata + 2 words × 2 (EIP-3860).
        let initcode = [UInt8](repeating: 1, count: 33)
        #expect(Transaction.legacy(chainID: 1, nonce: 0, gasPrice: .zero, gasLimit: 0, to: nil, value: .zero, data: initcode).intrinsicGas == 53_000 + 33 * 16 + 4)
        let list = [AccessListEntry(address: to, storageKeys: [.zero, .zero])]
        #expect(Transaction.accessList(chainID: 1, nonce: 0, gasPrice: .zero, gasLimit: 0, to: to, value: .zero, accessList: list).intrinsicGas == 21_000 + 2_400 + 2 * 1_900)
    }

    @Test func statelessRulesRefuseBadTransactions() throws {
        let to = try Address(hex: "0x00000000000000000000000000000000000000aa")
        #expect(throws: TransactionError.intrinsicGasTooLow(gasLimit: 20_999, intrinsicGas: 21_000)) {
            try Transaction.legacy(chainID: 1, nonce: 0, gasPrice: .zero, gasLimit: 20_999, to: to, value: .zero).validate(chainID: 1)
        }
        #expect(throws: TransactionError.nonceMax) {
            try Transaction.legacy(chainID: 1, nonce: .max, gasPrice: .zero, gasLimit: 21_000, to: to, value: .zero).validate(chainID: 1)
        }
        #expect(throws: TransactionError.priorityFeeAboveMaxFee(priority: UInt256(2), max: UInt256(1))) {
            try Transaction.dynamicFee(chainID: 1, nonce: 0, maxPriorityFeePerGas: UInt256(2), maxFeePerGas: UInt256(1), gasLimit: 21_000, to: to, value: .zero).validate(chainID: 1)
        }
        #expect(throws: TransactionError.gasLimitTimesFeeOverflow) {
            try Transaction.legacy(chainID: 1, nonce: 0, gasPrice: .max, gasLimit: 21_000, to: to, value: .zero).validate(chainID: 1)
        }
        let initcode = [UInt8](repeating: 0, count: TransactionGas.maxInitcodeSize + 1)
        #expect(throws: TransactionError.initcodeTooLarge(size: initcode.count, limit: TransactionGas.maxInitcodeSize)) {
            try Transaction.legacy(chainID: 1, nonce: 0, gasPrice: .zero, gasLimit: 10_000_000, to: nil, value: .zero, data: initcode).validate(chainID: 1)
        }
        #expect(throws: TransactionError.wrongChainID(got: nil, expected: 1)) {
            try Transaction.legacy(chainID: nil, nonce: 0, gasPrice: .zero, gasLimit: 21_000, to: to, value: .zero).validate(chainID: 1, allowUnprotected: false)
        }
    }

    @Test func refusesBlobAndUnknownTypes() {
        #expect(throws: TransactionError.blobTransactionUnsupported) { try SignedTransaction.decode([0x03, 0xc0]) }
        #expect(throws: TransactionError.unknownType(0x04)) { try SignedTransaction.decode([0x04, 0xc0]) }
        #expect(throws: TransactionError.empty) { try SignedTransaction.decode([]) }
    }

    @Test func refusesHighS() throws {
        let to = try Address(hex: "0x00000000000000000000000000000000000000aa")
        let signed = Transaction.dynamicFee(chainID: 1, nonce: 0, maxPriorityFeePerGas: .zero, maxFeePerGas: .zero,
                                            gasLimit: 21_000, to: to, value: .zero).signed(with: Self.key)
        let n = UInt256(hex: "0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141")!
        let flipped = TransactionSignature(yParity: 1 - signed.signature.yParity, r: signed.signature.r, s: n &- signed.signature.s)
        let bad = SignedTransaction(transaction: signed.transaction, signature: flipped)
        let decoded = try SignedTransaction.decode(bad.encoded)
        #expect(throws: TransactionError.invalidSignature(.highS)) { try decoded.recoverSender() }
    }
}
