import Testing
import Foundation
import AthPrimitives
import AthCrypto
import AthTypes
import AthExecution
import AthStorage
import AthMempool
import AthNode

private func temporaryDirectory() -> String {
    var template = Array((NSTemporaryDirectory() + "/athnode-test-XXXXXX").utf8CString)
    return String(cString: mkdtemp(&template)!)
}

struct DevGenesisTests {
    @Test func embeddedGenesisMatchesTheFile() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let file = try String(contentsOf: root.appendingPathComponent("Genesis/devnet.json"), encoding: .utf8)
        #expect(file.trimmingCharacters(in: .newlines) == DevChain.genesisJSON.trimmingCharacters(in: .newlines))
        let g = try Genesis(json: Array(DevChain.genesisJSON.utf8))
        let funded = Set(g.alloc.map(\.address))
        let dev = Set(DevChain.accounts().map(\.address))
        #expect(dev.isSubset(of: funded))
        #expect(g.chainID == 7331)
    }

    @Test func genesisRefusesMistakes() {
        let bad = [
            #"{"gasLimit": 30000000}"#,
            #"{"chainId": 1, "gasLimit": 30000000, "colour": 1}"#,
            #"{"chainId": 1, "gasLimit": 1}"#,
            #"{"chainId": 1, "gasLimit": 30000000, "alloc": {"0x12": {"balance": "1"}}}"#,
            #"{"chainId": 1, "gasLimit": 30000000, "alloc": {"0x0000000000000000000000000000000000000001": {"balance": 1.5}}}"#,
            #"{"chainId": 1, "gasLimit": 30000000, "baseFeePerGas": "5", "minBaseFeePerGas": "6"}"#,
            #"[1, 2]"#,
            #"{"chainId": "0x", "gasLimit": 30000000}"#,
        ]
        var refused = 0
        for text in bad { if (try? Genesis(json: Array(text.utf8))) == nil { refused += 1 } }
        #expect(refused == bad.count)
    }
}

struct ConfigTests {
    @Test func renderedConfigParsesBack() throws {
        var c = NodeConfig()
        c.rpcPort = 9000; c.blockIntervalMs = 250; c.logFormat = "json"
        #expect(try NodeConfig(toml: c.rendered) == c)
        #expect(throws: NodeError.self) { try NodeConfig(toml: "[rpc]\nport = 99999\n") }
        #expect(throws: NodeError.self) { try NodeConfig(toml: "[rpc]\nhost = \"x\"\n") }
    }
}

struct ChainTests {
    static let key = DevChain.accounts(count: 1)[0].key

    func transfer(_ nonce: UInt64, value: UInt64) -> SignedTransaction {
        Transaction.dynamicFee(chainID: 7331, nonce: nonce, maxPriorityFeePerGas: UInt256(2), maxFeePerGas: UInt256(5_000_000_000),
                               gasLimit: 21_000, to: Address(low: 0xabcd), value: UInt256(value)).signed(with: Self.key)
    }

    @Test func blocksSurviveReopeningAndStateRootIsChecked() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let genesis = try Genesis(json: Array(DevChain.genesisJSON.utf8))
        var head: Header
        do {
            let chain = try Chain(dataDirectory: dir, genesis: genesis)
            for n in 0..<5 as Range<UInt64> {
                _ = try chain.mempool.admit(raw: transfer(n, value: 1 + n).encoded, state: chain.stateView, baseFee: chain.nextBaseFee)
            }
            let c = try chain.produceBlock(timestamp: genesis.timestamp + 1, coinbase: Address(low: 7), proposer: Address(low: 7))
            #expect(c.block.transactions.count == 5)
            #expect(chain.mempool.stats.pending == 0)
            head = chain.head
        }
        let reopened = try Chain(dataDirectory: dir, genesis: genesis)
        #expect(reopened.head == head)
        #expect(reopened.store.account(Address(low: 0xabcd))?.balance == UInt256(15))
        // The same block applied by another chain gives the same roots.
        let dir2 = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir2) }
        let twin = try Chain(dataDirectory: dir2, genesis: genesis)
        let block = try Block(header: head, body: reopened.store.body(number: head.number)!)
        try twin.importBlock(header: block.header, transactions: block.transactions)
        #expect(twin.head.hash == head.hash)
        // A tampered block is refused and leaves the chain as it was.
        var other = DevChain.accounts(count: 2)
        _ = other.removeFirst()
        var forged = block.header
        forged.number = head.number + 1
        forged.parentHash = head.hash
        #expect(throws: ChainError.self) { try twin.importBlock(header: forged, transactions: block.transactions) }
        #expect(twin.head.hash == head.hash)
    }

    @Test func anotherGenesisIsRefused() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let genesis = try Genesis(json: Array(DevChain.genesisJSON.utf8))
        _ = try Chain(dataDirectory: dir, genesis: genesis)
        var other = genesis
        other.chainID = 1
        #expect(throws: ChainError.self) { _ = try Chain(dataDirectory: dir, genesis: other) }
    }
}
