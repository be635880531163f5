import AthPrimitives
import AthCrypto
import AthTypes
import AthExecution

/// EIP-4844 (type 3) envelopes as state-test fixtures carry them. The chain
/// itself refuses type 3 (`SignedTransaction.decode`); the conformance runner
/// decodes them here only so the Cancun suites can exercise BLOBHASH and
/// blob-gas accounting.
enum BlobTransactionFixture {
    struct Malformed: Error {}

    static func decode(_ bytes: [UInt8], chainID: UInt64) throws -> ExecutableTransaction {
        guard bytes.first == 0x03 else { throw Malformed() }
        var outer = RLPDecoder(Array(bytes.dropFirst()))
        var list = try outer.readList()
        try outer.finish()
        let start = list.offset
        let chain = try list.readUInt64()
        guard chain == chainID else { throw Malformed() }
        let nonce = try list.readUInt64()
        let tip = try list.readUInt256()
        let feeCap = try list.readUInt256()
        let gas = try list.readUInt64()
        let to = try list.readAddress()
        let value = try list.readUInt256()
        let data = Array(try list.readBytes())
        let accessList = try AccessListEntry.decodeList(&list)
        let blobFeeCap = try list.readUInt256()
        var hashesList = try list.readList()
        var hashes: [Hash32] = []
        while !hashesList.isAtEnd { hashes.append(try hashesList.readHash()) }
        let unsignedEnd = list.offset
        let y = try list.readUInt64()
        let r = try list.readIntegerBytes(maxBytes: 32)
        let s = try list.readIntegerBytes(maxBytes: 32)
        try list.finish()
        guard y <= 1 else { throw Malformed() }
        // Signing payload: 0x03 || rlp([the first eleven fields]).
        var w = RLPWriter()
        w.appendList { l in l.append(raw: list.bytes[start..<unsignedEnd]) }
        let signingHash = Keccak256.hash([0x03] + w.bytes)
        let sig = try RecoverableSignature(r: r, s: s, recoveryID: UInt8(y))
        let sender = try Secp256k1.recoverAddress(hash: signingHash, signature: sig)
        return ExecutableTransaction(sender: sender, to: to, nonce: nonce, gasLimit: gas, value: value, data: data,
                                     accessList: accessList, maxFeePerGas: feeCap, maxPriorityFeePerGas: tip,
                                     blobHashes: hashes, maxFeePerBlobGas: blobFeeCap)
    }
}
