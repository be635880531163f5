import AthPrimitives
import AthCrypto

@inline(__always)
private func field<T>(_ name: String, _ body: () throws(RLPError) -> T) throws(TransactionError) -> T {
    do { return try body() } catch { throw .malformedField(name, error) }
}

extension Transaction {
    /// Writes the fields shared by every type, in RLP list order from `nonce` on
    /// (for typed transactions the caller writes `chainId` first).
    fileprivate func appendBody(to w: inout RLPWriter) {
        w.append(nonce)
        if type == .dynamicFee {
            w.append(maxPriorityFeePerGas)
            w.append(maxFeePerGas)
        } else {
            w.append(gasPrice)
        }
        w.append(gasLimit)
        if let to { w.append(to) } else { w.append(bytes: EmptyCollection<UInt8>()) }
        w.append(value)
        w.append(bytes: data)
        if type != .legacy {
            w.appendList { l in
                for entry in accessList {
                    l.appendList { e in
                        e.append(entry.address)
                        e.appendList { k in for key in entry.storageKeys { k.append(key) } }
                    }
                }
            }
        }
    }

    /// The bytes a sender signs: the RLP payload (EIP-155 for protected legacy
    /// transactions), prefixed by the type byte for typed ones.
    public var signingPayload: [UInt8] {
        var w = RLPWriter(capacity: data.count + 128)
        switch type {
        case .legacy:
            w.appendList { l in
                appendBody(to: &l)
                if let chainID {
                    // EIP-155: chainId, 0, 0.
                    l.append(chainID); l.append(UInt64(0)); l.append(UInt64(0))
                }
            }
            return w.bytes
        case .accessList, .dynamicFee:
            w.appendList { l in
                l.append(chainID ?? 0)
                appendBody(to: &l)
            }
            return [type.rawValue] + w.bytes
        }
    }

    /// keccak256 of the signing payload.
    public var signingHash: Hash32 { Keccak256.hash(signingPayload) }

    /// The canonical envelope with a signature attached.
    func encode(signature: TransactionSignature, v: UInt256) -> [UInt8] {
        var w = RLPWriter(capacity: data.count + 192)
        switch type {
        case .legacy:
            w.appendList { l in
                appendBody(to: &l)
                l.append(v); l.append(signature.r); l.append(signature.s)
            }
            return w.bytes
        case .accessList, .dynamicFee:
            w.appendList { l in
                l.append(chainID ?? 0)
                appendBody(to: &l)
                l.append(UInt64(signature.yParity)); l.append(signature.r); l.append(signature.s)
            }
            return [type.rawValue] + w.bytes
        }
    }
}

extension SignedTransaction {
    /// Decodes a transaction envelope: a legacy RLP list, or a type byte
    /// followed by an RLP list. Strict: non-canonical RLP, trailing bytes,
    /// oversized fields and unknown types are refused. Does not check the
    /// signature beyond its form; call `recoverSender()` or `validate` for that.
    public static func decode(_ bytes: [UInt8]) throws(TransactionError) -> SignedTransaction {
        guard let first = bytes.first else { throw .empty }
        let type: TransactionType
        var d: RLPDecoder
        switch first {
        case 0xc0...0xff:
            type = .legacy
            d = RLPDecoder(bytes)
        case 0x01: type = .accessList; d = RLPDecoder(Array(bytes.dropFirst()))
        case 0x02: type = .dynamicFee; d = RLPDecoder(Array(bytes.dropFirst()))
        case 0x03: throw .blobTransactionUnsupported
        default:
            // A legacy transaction starts with a list header; anything else is
            // either a typed envelope we do not know or not a transaction.
            if first >= 0x80 { throw .malformedEnvelope(.unexpectedString(offset: 0)) }
            throw .unknownType(first)
        }
        var list: RLPDecoder
        do {
            list = try d.readList()
            try d.finish()
        } catch {
            throw .malformedEnvelope(error)
        }
        let expectedCount = type == .legacy ? 9 : (type == .accessList ? 11 : 12)
        var count = 0
        do {
            var probe = list
            while !probe.isAtEnd { _ = try probe.skipItem(); count += 1 }
        } catch {
            throw .malformedEnvelope(error)
        }
        guard count == expectedCount else { throw .wrongFieldCount(type: type, got: count, expected: expectedCount) }

        var chainID: UInt64? = nil
        if type != .legacy {
            let raw = try field("chainId") { () throws(RLPError) in try list.readIntegerBytes(maxBytes: 32) }
            guard raw.count <= 8 else { throw .chainIDTooLarge }
            chainID = raw.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        }
        let nonce = try field("nonce") { () throws(RLPError) in try list.readUInt64() }
        let maxPriority: UInt256, maxFee: UInt256
        if type == .dynamicFee {
            maxPriority = try field("maxPriorityFeePerGas") { () throws(RLPError) in try list.readUInt256() }
            maxFee = try field("maxFeePerGas") { () throws(RLPError) in try list.readUInt256() }
        } else {
            maxFee = try field("gasPrice") { () throws(RLPError) in try list.readUInt256() }
            maxPriority = maxFee
        }
        let gasLimit = try field("gasLimit") { () throws(RLPError) in try list.readUInt64() }
        let to: Address? = try field("to") { () throws(RLPError) -> Address? in
            let start = list.offset
            let raw = try list.readBytes()
            if raw.isEmpty { return nil }
            guard let a = Address(raw) else { throw .wrongFieldLength(offset: start, got: raw.count, expected: 20) }
            return a
        }
        let value = try field("value") { () throws(RLPError) in try list.readUInt256() }
        let data = try field("data") { () throws(RLPError) in Array(try list.readBytes()) }
        var accessList: [AccessListEntry] = []
        if type != .legacy {
            accessList = try field("accessList") { () throws(RLPError) in try AccessListEntry.decodeList(&list) }
        }
        let signature: TransactionSignature
        if type == .legacy {
            let v = try field("v") { () throws(RLPError) in try list.readUInt256() }
            let r = try field("r") { () throws(RLPError) in try list.readUInt256() }
            let s = try field("s") { () throws(RLPError) in try list.readUInt256() }
            let (parity, legacyChainID) = try legacyParity(v)
            chainID = legacyChainID
            signature = TransactionSignature(yParity: parity, r: r, s: s)
        } else {
            let y = try field("yParity") { () throws(RLPError) in try list.readUInt256() }
            guard let yv = y.uint64IfFits, yv <= 1 else { throw .invalidYParity(y) }
            let r = try field("r") { () throws(RLPError) in try list.readUInt256() }
            let s = try field("s") { () throws(RLPError) in try list.readUInt256() }
            signature = TransactionSignature(yParity: UInt8(yv), r: r, s: s)
        }
        let tx = Transaction(type: type, chainID: chainID, nonce: nonce, maxPriorityFeePerGas: maxPriority,
                             maxFeePerGas: maxFee, gasLimit: gasLimit, to: to, value: value, data: data,
                             accessList: accessList)
        return SignedTransaction(transaction: tx, signature: signature, encoded: bytes, hash: Keccak256.hash(bytes))
    }

    /// Splits a legacy `v` into the recovery id and the EIP-155 chain id.
    private static func legacyParity(_ v: UInt256) throws(TransactionError) -> (UInt8, UInt64?) {
        if v == UInt256(27) || v == UInt256(28) { return (UInt8(v.low64 - 27), nil) }
        guard v >= UInt256(35) else { throw .invalidV(v) }
        let offset = v &- UInt256(35)
        guard let chainID = (offset >> 1).uint64IfFits else { throw .invalidV(v) }
        return (UInt8(offset.low64 & 1), chainID)
    }
}

extension AccessListEntry {
    /// Reads an RLP access list `[[address, [key, …]], …]`.
    public static func decodeList(_ decoder: inout RLPDecoder) throws(RLPError) -> [AccessListEntry] {
        var entries = try decoder.readList()
        var out: [AccessListEntry] = []
        while !entries.isAtEnd {
            var entry = try entries.readList()
            let address = try entry.readAddress()
            var keys = try entry.readList()
            var storageKeys: [Hash32] = []
            while !keys.isAtEnd { storageKeys.append(try keys.readHash()) }
            try entry.finish()
            out.append(AccessListEntry(address: address, storageKeys: storageKeys))
        }
        return out
    }
}
