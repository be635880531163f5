import Foundation
import AthPrimitives

/// An account set in the genesis state.
public struct GenesisAccount: Sendable, Equatable {
    public var balance: UInt256
    public var nonce: UInt64
    public var code: [UInt8]
    /// Nonzero slots, sorted by key.
    public var storage: [(key: UInt256, value: UInt256)]

    public init(balance: UInt256, nonce: UInt64 = 0, code: [UInt8] = [], storage: [(key: UInt256, value: UInt256)] = []) {
        self.balance = balance; self.nonce = nonce; self.code = code; self.storage = storage
    }

    public static func == (a: GenesisAccount, b: GenesisAccount) -> Bool {
        a.balance == b.balance && a.nonce == b.nonce && a.code == b.code
            && a.storage.map(\.key) == b.storage.map(\.key) && a.storage.map(\.value) == b.storage.map(\.value)
    }
}

/// A contract created at genesis: its creation code (constructor arguments
/// appended) runs at a fixed address, called by the system address, in the
/// order the genesis lists them. Protocol contracts start this way.
public struct GenesisContract: Sendable, Equatable {
    public var name: String
    public var address: Address
    public var initCode: [UInt8]

    /// Creation code plus arguments may be this long (the arguments hold
    /// the initial validators, operators and checkers).
    public static let maxInitCodeSize = 256 << 10

    public init(name: String, address: Address, initCode: [UInt8]) {
        self.name = name; self.address = address; self.initCode = initCode
    }
}

/// The chain's starting point and its fixed rules, read from a genesis JSON
/// file (see Genesis/README.md for the format). Quantities may be JSON
/// integers (up to 2^53) or strings, decimal or 0x-hex; balances above 2^53
/// must be strings.
public struct Genesis: Sendable {
    public var chainID: UInt64
    public var timestamp: UInt64
    public var gasLimit: UInt64
    public var baseFeePerGas: UInt256
    /// EIP-1559 adjustment never takes the base fee below this.
    public var minBaseFeePerGas: UInt256
    public var extraData: [UInt8]
    /// Sorted by address.
    public var alloc: [(address: Address, account: GenesisAccount)]
    /// Created after `alloc` is in place, in this order.
    public var contracts: [GenesisContract]

    /// Bounds on what a genesis may set.
    public static let minGasLimit: UInt64 = 5_000, maxGasLimit: UInt64 = 1 << 40

    public init(chainID: UInt64, timestamp: UInt64, gasLimit: UInt64, baseFeePerGas: UInt256,
                minBaseFeePerGas: UInt256, extraData: [UInt8] = [], alloc: [(address: Address, account: GenesisAccount)],
                contracts: [GenesisContract] = []) {
        self.chainID = chainID; self.timestamp = timestamp; self.gasLimit = gasLimit
        self.baseFeePerGas = baseFeePerGas; self.minBaseFeePerGas = minBaseFeePerGas; self.extraData = extraData
        self.alloc = alloc.sorted { $0.address < $1.address }
        self.contracts = contracts
    }

    /// Parses and checks a genesis file's contents.
    public init(json bytes: [UInt8]) throws(GenesisError) {
        let root: [String: Any]
        do {
            guard let obj = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
                throw GenesisError("the genesis file must hold a JSON object")
            }
            root = obj
        } catch let e as GenesisError {
            throw e
        } catch {
            throw GenesisError("the genesis file is not valid JSON")
        }
        let known: Set<String> = ["chainId", "timestamp", "gasLimit", "baseFeePerGas", "minBaseFeePerGas",
                                  "extraData", "alloc", "contracts", "comment"]
        for key in root.keys where !known.contains(key) { throw GenesisError("unknown genesis field \"\(key)\"") }

        guard let chainRaw = root["chainId"] else { throw GenesisError("genesis: chainId is missing") }
        chainID = try Self.uint64(chainRaw, "chainId")
        guard chainID > 0 else { throw GenesisError("genesis: chainId must be positive") }
        timestamp = try root["timestamp"].map { v throws(GenesisError) in try Self.uint64(v, "timestamp") } ?? 0
        guard let gl = root["gasLimit"] else { throw GenesisError("genesis: gasLimit is missing") }
        gasLimit = try Self.uint64(gl, "gasLimit")
        guard gasLimit >= Self.minGasLimit, gasLimit <= Self.maxGasLimit else {
            throw GenesisError("genesis: gasLimit must lie between \(Self.minGasLimit) and \(Self.maxGasLimit)")
        }
        baseFeePerGas = try root["baseFeePerGas"].map { v throws(GenesisError) in try Self.uint256(v, "baseFeePerGas") } ?? UInt256(1_000_000_000)
        minBaseFeePerGas = try root["minBaseFeePerGas"].map { v throws(GenesisError) in try Self.uint256(v, "minBaseFeePerGas") } ?? .zero
        guard baseFeePerGas >= minBaseFeePerGas else { throw GenesisError("genesis: baseFeePerGas is below minBaseFeePerGas") }
        if let e = root["extraData"] {
            extraData = try Self.bytes(e, "extraData")
            guard extraData.count <= Header.maxExtraData else { throw GenesisError("genesis: extraData is longer than 32 bytes") }
        } else {
            extraData = []
        }
        var alloc: [(address: Address, account: GenesisAccount)] = []
        if let a = root["alloc"] {
            guard let entries = a as? [String: Any] else { throw GenesisError("genesis: alloc must be an object") }
            var seen = Set<Address>()
            for (key, value) in entries {
                let address: Address
                do { address = try Address(hex: key) } catch { throw GenesisError("genesis: alloc key \"\(key)\" is not an address") }
                guard seen.insert(address).inserted else { throw GenesisError("genesis: alloc lists \(key) twice") }
                guard let acct = value as? [String: Any] else { throw GenesisError("genesis: alloc[\(key)] must be an object") }
                alloc.append((address, try Self.account(acct, key)))
            }
        }
        self.alloc = alloc.sorted { $0.address < $1.address }
        contracts = try Self.contracts(root["contracts"], alloc: self.alloc)
    }

    private static func contracts(_ raw: Any?, alloc: [(address: Address, account: GenesisAccount)]) throws(GenesisError) -> [GenesisContract] {
        guard let raw else { return [] }
        guard let list = raw as? [Any] else { throw GenesisError("genesis: contracts must be an array") }
        guard list.count <= 64 else { throw GenesisError("genesis: at most 64 contracts") }
        var seen = Set<Address>()
        var out: [GenesisContract] = []
        for (i, item) in list.enumerated() {
            guard let obj = item as? [String: Any] else { throw GenesisError("genesis: contracts[\(i)] must be an object") }
            for key in obj.keys where !["name", "address", "initCode"].contains(key) {
                throw GenesisError("genesis: contracts[\(i)] has unknown field \"\(key)\"")
            }
            guard let name = obj["name"] as? String, !name.isEmpty, name.count <= 64 else {
                throw GenesisError("genesis: contracts[\(i)].name must be a string of 1 to 64 characters")
            }
            guard let a = obj["address"] as? String, let address = try? Address(hex: a) else {
                throw GenesisError("genesis: contracts[\(i)] (\(name)) needs an address")
            }
            guard seen.insert(address).inserted else { throw GenesisError("genesis: contracts list \(a) twice") }
            guard let codeRaw = obj["initCode"] else { throw GenesisError("genesis: contracts[\(i)] (\(name)) needs initCode") }
            let code = try bytes(codeRaw, "contracts[\(i)].initCode")
            guard !code.isEmpty, code.count <= GenesisContract.maxInitCodeSize else {
                throw GenesisError("genesis: contracts[\(i)].initCode must hold 1 to \(GenesisContract.maxInitCodeSize) bytes")
            }
            if let pre = alloc.first(where: { $0.address == address })?.account,
               pre.nonce != 0 || !pre.code.isEmpty || !pre.storage.isEmpty {
                throw GenesisError("genesis: contract \(name) at \(a) collides with code, nonce or storage in alloc (only a balance may be set there)")
            }
            out.append(GenesisContract(name: name, address: address, initCode: code))
        }
        return out
    }

    private static func account(_ obj: [String: Any], _ name: String) throws(GenesisError) -> GenesisAccount {
        for key in obj.keys where !["balance", "nonce", "code", "storage"].contains(key) {
            throw GenesisError("genesis: alloc[\(name)] has unknown field \"\(key)\"")
        }
        let balance = try obj["balance"].map { v throws(GenesisError) in try uint256(v, "alloc[\(name)].balance") } ?? .zero
        let nonce = try obj["nonce"].map { v throws(GenesisError) in try uint64(v, "alloc[\(name)].nonce") } ?? 0
        let code = try obj["code"].map { v throws(GenesisError) in try bytes(v, "alloc[\(name)].code") } ?? []
        guard code.count <= 24_576 else { throw GenesisError("genesis: alloc[\(name)].code is larger than 24576 bytes") }
        var storage: [(key: UInt256, value: UInt256)] = []
        if let s = obj["storage"] {
            guard let slots = s as? [String: Any] else { throw GenesisError("genesis: alloc[\(name)].storage must be an object") }
            for (k, v) in slots {
                let key = try uint256(k, "alloc[\(name)].storage key")
                let value = try uint256(v, "alloc[\(name)].storage[\(k)]")
                if !value.isZero { storage.append((key, value)) }
            }
        }
        storage.sort { $0.key < $1.key }
        return GenesisAccount(balance: balance, nonce: nonce, code: code, storage: storage)
    }

    static func uint256(_ v: Any, _ what: String) throws(GenesisError) -> UInt256 {
        if let s = v as? String {
            if s.hasPrefix("0x") || s.hasPrefix("0X") {
                let digits = s.dropFirst(2)
                guard !digits.isEmpty, digits.count <= 64, let bytes = try? Hex.decode("0x" + (digits.count % 2 == 1 ? "0" : "") + digits),
                      let n = UInt256(bigEndianBytes: bytes) else {
                    throw GenesisError("genesis: \(what) is not a 256-bit hex quantity")
                }
                return n
            }
            guard let n = UInt256(decimal: s) else { throw GenesisError("genesis: \(what) is not a 256-bit decimal quantity") }
            return n
        }
        // JSON true/false also arrive as NSNumber (and 0 and 1 cast to Bool):
        // booleans are told apart by their "c" (char) type encoding.
        if let n = v as? NSNumber, String(cString: n.objCType) != "c", n.stringValue.allSatisfy({ $0.isASCII && $0.isNumber }),
           n.int64Value >= 0, n.int64Value <= 1 << 53 {
            return UInt256(UInt64(n.int64Value))
        }
        throw GenesisError("genesis: \(what) must be a non-negative integer up to 2^53 or a string")
    }

    static func uint64(_ v: Any, _ what: String) throws(GenesisError) -> UInt64 {
        let n = try uint256(v, what)
        guard n <= UInt256(UInt64.max) else { throw GenesisError("genesis: \(what) does not fit in 64 bits") }
        return n.low64
    }

    static func bytes(_ v: Any, _ what: String) throws(GenesisError) -> [UInt8] {
        guard let s = v as? String, let b = try? Hex.decode(s) else { throw GenesisError("genesis: \(what) must be a 0x-hex string") }
        return b
    }
}

/// A genesis file that cannot be used, with the reason.
public struct GenesisError: Error, Equatable, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
