import AthPrimitives
import AthCrypto
import AthTypes
import AthExecution
import AthStorage
import AthTrie
import AthRPC

/// `eth_getProof` (EIP-1186): an account and some of its storage slots at a
/// block, with the Merkle proofs that tie them to that block's state root.
extension EthAPI {
    /// Storage keys one `eth_getProof` may ask for.
    static let maxProofKeys = 1024

    func proof(_ p: Params, client: String) async throws(RPCError) -> JSON {
        try p.require(count: 2...3)
        let address = try p.address(0)
        guard let keyList = p[1]?.arrayValue else { throw Params.invalid(1, "expected an array of storage keys") }
        guard keyList.count <= Self.maxProofKeys else {
            throw Params.invalid(1, "at most \(Self.maxProofKeys) storage keys, got \(keyList.count)")
        }
        var keys: [(text: String, slot: UInt256)] = []
        for v in keyList {
            guard let text = v.stringValue else { throw Params.invalid(1, "storage keys must be hex strings") }
            keys.append((text, try Self.storageKey(text, 1)))
        }
        let at = try stateBlock(p[2], 2)
        let asked = keys
        let outcome = try await onCallPool(client: client, at: at.number) { ctx in
            Self.buildProof(address, asked, in: ctx)
        }
        return try outcome.get()
    }

    /// A storage key as eth_getStorageAt and eth_getProof take it: 32 bytes of hex, or a quantity.
    static func storageKey(_ text: String, _ i: Int) throws(RPCError) -> UInt256 {
        if text.count == 66 { return UInt256(bigEndianBytes: try Params.hash(text, i).bytes)! }
        return try Params.quantity(.string(text), i)
    }

    /// Builds the account trie of the context's block from the flat state
    /// (and its history), checks it against the block's state root, and
    /// proves `address` and `keys` in it. Costs a walk of the whole state.
    static func buildProof(_ address: Address, _ keys: [(text: String, slot: UInt256)],
                           in ctx: ReadContext) -> Result<JSON, RPCError> {
        let snapshot = ctx.backing.snapshot
        let number = ctx.head.number
        let past = ctx.backing.block
        var accounts = SecureTrie()
        var record: AccountRecord?
        var storage = SecureTrie()
        var values: [UInt256: UInt256] = [:]
        do {
            let visit: (Address, AccountRecord) throws -> Void = { a, r in
                if ctx.interrupted { throw ProofInterrupted() }
                accounts.insert(key: a.bytes, value: r.encoded)
                if a == address { record = r }
            }
            if let past { try snapshot.forEachAccount(at: past, visit) } else { try snapshot.forEachAccount(visit) }
            let slot: (UInt256, UInt256) throws -> Void = { k, v in
                var w = RLPWriter()
                w.append(v)
                storage.insert(key: k.bigEndianBytes, value: w.bytes)
                values[k] = v
            }
            if record != nil {
                if let past {
                    try snapshot.forEachStorageSlot(of: address, at: past, slot)
                } else {
                    try snapshot.forEachStorageSlot(of: address, slot)
                }
            }
        } catch is ProofInterrupted {
            return .failure(RPCError(code: -32000, message: "eth_getProof stopped: the call time limit passed"))
        } catch {
            return .failure(RPCError(code: -32603, message: "cannot read the state of block \(number): \(error)"))
        }
        guard accounts.rootHash == ctx.head.stateRoot else {
            return .failure(RPCError(code: -32603, message:
                "the state kept for block \(number) does not match its state root \(ctx.head.stateRoot); the database may be damaged"))
        }
        let storageHash = storage.rootHash
        if let record, record.storageRoot != storageHash {
            return .failure(RPCError(code: -32603, message:
                "the storage kept for \(address) at block \(number) does not match its storage root; the database may be damaged"))
        }
        let accountProof = accounts.proof(key: address.bytes)
        var storageProofs: [JSON] = []
        for (text, key) in keys {
            let value = values[key] ?? .zero
            storageProofs.append(.object([
                ("key", .string(text)), ("value", RPCValue.quantity(value)),
                ("proof", .array(storage.proof(key: key.bigEndianBytes).map(RPCValue.data))),
            ]))
        }
        return .success(.object([
            ("address", RPCValue.address(address)),
            ("accountProof", .array(accountProof.map(RPCValue.data))),
            ("balance", RPCValue.quantity(record?.balance ?? .zero)),
            ("codeHash", RPCValue.hash(record?.codeHash ?? AccountRecord.emptyCodeHash)),
            ("nonce", RPCValue.quantity(record?.nonce ?? 0)),
            ("storageHash", RPCValue.hash(record?.storageRoot ?? MerklePatriciaTrie.emptyRoot)),
            ("storageProof", .array(storageProofs)),
        ]))
    }

    struct ProofInterrupted: Error {}
}
