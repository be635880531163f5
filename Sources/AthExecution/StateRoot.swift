import AthPrimitives
import AthCrypto
import AthEVM
import AthTrie

/// Merkle-Patricia commitments over execution results, as in Ethereum.
public enum Commitments {
    /// keccak256 of empty code.
    public static let emptyCodeHash = Keccak256.hash([UInt8]())

    /// The state root of every account in `state`: a secure trie of
    /// address → rlp([nonce, balance, storageRoot, codeHash]).
    public static func stateRoot(_ state: JournaledState) -> Hash32 {
        var accounts = SecureTrie()
        for account in state.accounts() {
            var storage = SecureTrie()
            for (key, value) in account.storage {
                var w = RLPWriter()
                w.append(value)
                storage.insert(key: key.bigEndianBytes, value: w.bytes)
            }
            var w = RLPWriter()
            w.appendList { l in
                l.append(account.nonce)
                l.append(account.balance)
                l.append(storage.rootHash)
                l.append(account.code.isEmpty ? emptyCodeHash : Keccak256.hash(account.code))
            }
            accounts.insert(key: account.address.bytes, value: w.bytes)
        }
        return accounts.rootHash
    }

    /// keccak256(rlp(logs)), the `logs` hash of state tests.
    public static func logsHash(_ logs: [Log]) -> Hash32 {
        var w = RLPWriter()
        w.appendList { l in
            for log in logs {
                l.appendList { e in
                    e.append(log.address)
                    e.appendList { t in for topic in log.topics { t.append(topic) } }
                    e.append(bytes: log.data)
                }
            }
        }
        return Keccak256.hash(w.bytes)
    }
}
